from django.urls import path

from migra.sharing import views

app_name = "sharing"
urlpatterns = [
    path("facebook/stories/<int:story_pk>/retry/", views.facebook_retry, name="facebook-retry"),
]
