from django.urls import path

from migra.places import views

app_name = "places"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search.json", views.search_json, name="search"),
    path("<str:code>/", views.detail, name="detail"),
]
