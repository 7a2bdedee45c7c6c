from django.urls import path

from migra.stories import media_views, views

app_name = "stories"
urlpatterns = [
    path("", views.story_list, name="list"),
    path("new/", views.story_new, name="new"),
    path("link-person/<int:person_pk>/", views.story_link_person, name="link-person"),
    path("collections/", views.collection_list, name="collections"),
    path("collections/<int:pk>/", views.collection_detail, name="collection"),
    path("collections/<int:pk>/add/", views.collection_add, name="collection-add"),
    path(
        "collections/<int:pk>/items/<int:item_pk>/move/",
        views.collection_item_move,
        name="collection-move",
    ),
    path(
        "collections/<int:pk>/items/<int:item_pk>/remove/",
        views.collection_item_remove,
        name="collection-remove",
    ),
    path("<int:pk>/", views.story_detail, name="detail"),
    path("<int:pk>/edit/", views.story_edit, name="edit"),
    path("<int:pk>/submit/", views.story_submit, name="submit"),
    path("<int:pk>/review/", views.story_review, name="review"),
    path("<int:pk>/send-back/", views.story_send_back, name="send-back"),
    path("<int:pk>/approve/", views.story_approve, name="approve"),
    path("<int:pk>/publish/", views.story_publish, name="publish"),
    path("<int:pk>/withdraw/", views.story_withdraw, name="withdraw"),
    path("<int:pk>/comments/", views.story_comment, name="comment"),
    path("<int:pk>/photos/", views.photo_add, name="photo-add"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo_update, name="photo-update"),
    path("<int:pk>/photos/<int:photo_pk>/remove/", views.photo_remove, name="photo-remove"),
    path("<int:pk>/photos/<int:photo_pk>/<str:size>.jpg", views.photo_file, name="photo-file"),
    # Resumable uploads (tus) and audio/video: migra/stories/media_views.py.
    path("<int:pk>/uploads/", media_views.upload_create, name="uploads"),
    path("<int:pk>/uploads/<str:token>/", media_views.upload_detail, name="upload"),
    path("<int:pk>/media/<int:media_pk>/", media_views.media_update, name="media-update"),
    path("<int:pk>/media/<int:media_pk>/remove/", media_views.media_remove, name="media-remove"),
    path("<int:pk>/media/<int:media_pk>/retry/", media_views.media_retry, name="media-retry"),
    path(
        "<int:pk>/media/<int:media_pk>/<str:rendition>",
        media_views.media_file,
        name="media-file",
    ),
]
