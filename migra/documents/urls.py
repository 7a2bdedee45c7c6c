from django.urls import path

from migra.documents import views

app_name = "documents"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document_edit, name="edit"),
    path("<int:pk>/preview/", views.document_preview, name="preview"),
    path("<int:pk>/publish/", views.document_publish, name="publish"),
    path("<int:pk>/unpublish/", views.document_unpublish, name="unpublish"),
    path("<int:pk>/versions/", views.document_version_add, name="version-add"),
    path("<int:pk>/versions/<int:number>/file/", views.document_version_file, name="file"),
]
