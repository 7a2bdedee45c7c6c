from django.urls import path

from migra.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:seq>/", views.event_detail, name="detail"),
    path("verify/", views.chain_verify, name="verify"),
]
