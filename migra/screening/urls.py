from django.urls import path

from migra.screening import catalogue_views, views

app_name = "screening"
urlpatterns = [
    path("", views.screening_list, name="list"),
    path("new/", views.screening_new, name="new"),
    path("<int:pk>/", views.screening_detail, name="detail"),
    path("<int:pk>/person/", views.screening_link_person, name="link-person"),
    path("catalogue/", catalogue_views.catalogue_list, name="catalogue"),
    path("catalogue/new/", catalogue_views.catalogue_new, name="catalogue-new"),
    path("catalogue/<int:number>/", catalogue_views.catalogue_detail, name="catalogue-detail"),
    path(
        "catalogue/<int:number>/publish/",
        catalogue_views.catalogue_publish,
        name="catalogue-publish",
    ),
    path(
        "catalogue/<int:number>/rows/<str:key>/",
        catalogue_views.indicator_edit,
        name="indicator-edit",
    ),
]
