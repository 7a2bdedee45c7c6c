from django.urls import path

from migra.programmes import views

app_name = "programmes"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("edit/", views.edit, name="edit"),
    path("targets/", views.targets, name="targets"),
]
