"""The OpenRosa server (openrosa.py), under /odk/: once for HTTP Basic, once under
/odk/key/<token>/ for the key a phone got from its QR code. ODK Collect appends
"formList" and "submission" to the server URL it was given."""

from django.urls import URLPattern, path

from migra.collect import openrosa

app_name = "odk"


def _endpoints(prefix: str, name_prefix: str) -> list[URLPattern]:
    return [
        path(f"{prefix}formList", openrosa.form_list, name=f"{name_prefix}form-list"),
        path(
            f"{prefix}forms/<str:form_id>/form.xml",
            openrosa.form_xml,
            name=f"{name_prefix}form-xml",
        ),
        path(
            f"{prefix}forms/<str:form_id>/manifest",
            openrosa.form_manifest,
            name=f"{name_prefix}manifest",
        ),
        path(
            f"{prefix}forms/<str:form_id>/media/<str:filename>",
            openrosa.form_media,
            name=f"{name_prefix}media",
        ),
        path(f"{prefix}submission", openrosa.submission, name=f"{name_prefix}submission"),
    ]


urlpatterns = _endpoints("", "") + _endpoints("key/<str:token>/", "key-")
