from django.urls import path

from migra.documents import public_views

app_name = "public-documents"
urlpatterns = [
    path("", public_views.library, name="list"),
    path("<int:pk>/", public_views.detail, name="detail"),
    path("<int:pk>/v<int:number>/download/", public_views.download, name="download"),
]
