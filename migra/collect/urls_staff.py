"""Staff pages of field collection, under /app/collect/ (the phone set-up pages share
the prefix under phone/ and keys/, migra/collect/urls_phone.py)."""

from django.urls import path

from migra.collect import views

app_name = "collect"
urlpatterns = [
    path("forms/", views.form_list, name="form-list"),
    path("forms/upload/", views.form_upload, name="form-upload"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/state/", views.form_state, name="form-state"),
    path("forms/<int:pk>/roles/", views.form_roles, name="form-roles"),
    path(
        "forms/<int:pk>/versions/<int:version_pk>/<str:kind>/",
        views.version_file,
        name="version-file",
    ),
    path("forms/<int:pk>/media/", views.media_add, name="media-add"),
    path("forms/<int:pk>/media/<int:media_pk>/", views.media_file, name="media-file"),
    path("forms/<int:pk>/media/<int:media_pk>/remove/", views.media_remove, name="media-remove"),
    path("forms/<int:pk>/submissions/", views.submission_list, name="submissions"),
    path("forms/<int:pk>/export/<str:fmt>/", views.submission_export, name="export"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path(
        "submissions/<int:pk>/files/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("submissions/<int:pk>/reprocess/", views.submission_reprocess, name="reprocess"),
    path("submissions/<int:pk>/fix/", views.submission_fix, name="fix"),
    path("attention/", views.attention_queue, name="attention"),
]
