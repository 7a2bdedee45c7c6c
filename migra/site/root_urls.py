"""The public site's addresses without a language prefix: robots.txt, sitemap.xml and
the website's public photos (one address for a picture whatever the page's language)."""

from django.urls import path

from migra.site import root_views

app_name = "site-files"
urlpatterns = [
    path("robots.txt", root_views.robots_txt, name="robots"),
    path("sitemap.xml", root_views.sitemap_xml, name="sitemap"),
    path("site-files/photos/<int:pk>/<str:size>.jpg", root_views.photo_file, name="photo"),
]
