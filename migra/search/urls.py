from django.urls import path

from migra.search import views

app_name = "search"
urlpatterns = [
    path("", views.results, name="results"),
    path("suggest.json", views.suggest_json, name="suggest"),
]
