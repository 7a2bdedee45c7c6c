"""REST API v1. Each app adds its routes here."""

from django.urls import include, path

urlpatterns = [
    path("places/", include("migra.places.api_urls")),
]
