from django.urls import path

from migra.site import views

app_name = "site"
urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set-language"),
    path("report/", views.report_concern, name="report"),
    path("report/thanks/", views.report_thanks, name="report-thanks"),
    path("report/places/<str:code>/", views.report_places, name="report-places"),
]
