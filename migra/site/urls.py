from django.urls import path

from migra.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set-language"),
]
