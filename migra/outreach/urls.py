from django.urls import path

from migra.outreach import views

app_name = "outreach"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("reach/", views.reach_page, name="reach"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/attendance/", views.attendance_add, name="attendance-add"),
    path(
        "<int:pk>/attendance/<int:attendance_pk>/remove/",
        views.attendance_remove,
        name="attendance-remove",
    ),
    path("<int:pk>/photos/", views.photo_add, name="photo-add"),
    path("<int:pk>/photos/<int:photo_pk>/remove/", views.photo_remove, name="photo-remove"),
    path("<int:pk>/photos/<int:photo_pk>/<str:size>.jpg", views.photo_file, name="photo-file"),
    path("<int:pk>/test/", views.test_questions, name="test-questions"),
    path("<int:pk>/test/scores/", views.test_score, name="test-score"),
]
