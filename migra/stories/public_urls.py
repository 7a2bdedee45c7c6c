"""Public story pages (under the language prefixes): namespace "public-stories"."""

from django.urls import path

from migra.stories import feeds, public_views

app_name = "public-stories"
urlpatterns = [
    path("stories/", public_views.story_list, name="list"),
    path("stories/feed/rss/", feeds.rss_feed, name="feed-rss"),
    path("stories/feed/atom/", feeds.atom_feed, name="feed-atom"),
    path("stories/<int:pk>/", public_views.story_detail, name="detail"),
    path(
        "stories/<int:pk>/photos/<int:photo_pk>/<str:size>.jpg",
        public_views.photo_file,
        name="photo",
    ),
    path("collections/", public_views.collection_list, name="collections"),
    path("collections/<int:pk>/", public_views.collection_detail, name="collection"),
    path("search/", public_views.search, name="search"),
]
