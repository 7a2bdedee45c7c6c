"""Setting up ODK Collect (phone_views.py), under /app/collect/ beside the staff pages
of field forms (urls_staff.py), in its own namespace."""

from django.urls import path

from migra.collect import phone_views

app_name = "collect_phone"
urlpatterns = [
    path("phone/", phone_views.phone_setup, name="setup"),
    path("keys/<int:user_pk>/", phone_views.user_key, name="user-key"),
]
