from django.urls import path

from migra.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_new, name="new"),
    path("candidates.json", views.candidates_json, name="candidates"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/consents/", views.consent_add, name="consent-add"),
    path(
        "<int:pk>/consents/<int:consent_pk>/withdraw/",
        views.consent_withdraw,
        name="consent-withdraw",
    ),
    path("<int:pk>/household/", views.household_add, name="household-add"),
    path("<int:pk>/merge/", views.person_merge, name="merge"),
    path("merges/<int:merge_pk>/undo/", views.merge_undo, name="merge-undo"),
    path("<int:pk>/erase/request/", views.erase_request, name="erase-request"),
    path("<int:pk>/erase/decide/", views.erase_decide, name="erase-decide"),
    path("<int:pk>/access/", views.access_log, name="access-log"),
]
