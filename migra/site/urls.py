from django.urls import path

from migra.site import feeds, public_views, views

app_name = "site"
urlpatterns = [
    path("", public_views.home, name="home"),
    path("about/", public_views.about, name="about"),
    path("advice/", public_views.advice, name="advice"),
    path("advice/<slug:key>/", public_views.page, name="page"),
    path("news/", public_views.news_list, name="news-list"),
    path("news/feed/rss/", feeds.rss_feed, name="news-rss"),
    path("news/feed/atom/", feeds.atom_feed, name="news-atom"),
    path("news/<int:pk>/", public_views.news_detail, name="news-detail"),
    path("events/", public_views.event_list, name="event-list"),
    path("events/<int:pk>/", public_views.event_detail, name="event-detail"),
    path("partners/", public_views.partners, name="partners"),
    path("contact/", public_views.contact, name="contact"),
    path("language/", views.set_language, name="set-language"),
    path("report/", views.report_concern, name="report"),
    path("report/thanks/", views.report_thanks, name="report-thanks"),
    path("report/places/<str:code>/", views.report_places, name="report-places"),
]
