"""Public files of story media (the players of the public story page), outside the
language prefixes: one URL per file whatever the page's language."""

from django.urls import path

from migra.stories import media_views

app_name = "story-media"
urlpatterns = [
    path("<int:pk>/<str:rendition>", media_views.public_media_file, name="file"),
]
