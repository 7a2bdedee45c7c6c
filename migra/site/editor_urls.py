"""The website editor (staff, EDIT_SITE) under /app/site/: namespace "site-editor"."""

from django.urls import path

from migra.site import editor_views as views

app_name = "site-editor"
urlpatterns = [
    path("", views.home, name="home"),
    path("pages/new/", views.page_new, name="page-new"),
    path("pages/<slug:key>/", views.page_edit, name="page-edit"),
    path("pages/<slug:key>/publish/", views.page_publish, name="page-publish"),
    path("pages/<slug:key>/delete/", views.page_delete, name="page-delete"),
    path("news/", views.news_list, name="news-list"),
    path("news/new/", views.news_new, name="news-new"),
    path("news/<int:pk>/", views.news_edit, name="news-edit"),
    path("news/<int:pk>/publish/", views.news_publish, name="news-publish"),
    path("news/<int:pk>/delete/", views.news_delete, name="news-delete"),
    path("events/", views.event_list, name="event-list"),
    path("events/new/", views.event_new, name="event-new"),
    path("events/<int:pk>/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/publish/", views.event_publish, name="event-publish"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path("partners/", views.partner_list, name="partner-list"),
    path("partners/<int:pk>/", views.partner_edit, name="partner-edit"),
    path("partners/<int:pk>/delete/", views.partner_delete, name="partner-delete"),
    path("photos/<int:pk>/<str:size>.jpg", views.photo_file, name="photo"),
]
