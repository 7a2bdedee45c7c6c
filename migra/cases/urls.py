"""Pages of cases, referrals, the referral directory, tips and notifications.

Each part keeps its routes in its own module; all share the "cases" namespace.
"""

from django.urls import path

from migra.cases import views
from migra.cases.referral_urls import urlpatterns as referral_urlpatterns
from migra.cases.tip_urls import urlpatterns as tip_urlpatterns

app_name = "cases"

case_urlpatterns: list = [
    path("", views.case_list_view, name="list"),
    path("export.csv", views.case_export, {"fmt": "csv"}, name="export-csv"),
    path("export.xlsx", views.case_export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("views/", views.saved_view_save, name="view-save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view-delete"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
    path("<int:pk>/status/", views.case_transition, name="transition"),
    path("<int:pk>/services/", views.service_add, name="service-add"),
    path("<int:pk>/services/<int:service_pk>/", views.service_edit, name="service-edit"),
    path("<int:pk>/notes/", views.case_notes, name="notes"),
    path("<int:pk>/notes/new/", views.note_add, name="note-add"),
    path("<int:pk>/tasks/", views.task_add, name="task-add"),
    path("<int:pk>/tasks/<int:task_pk>/done/", views.task_done, name="task-done"),
    path("<int:pk>/files/", views.attachment_add, name="attachment-add"),
    path(
        "<int:pk>/files/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path("<int:pk>/timeline/", views.case_timeline, name="timeline"),
]

urlpatterns: list = [*referral_urlpatterns, *tip_urlpatterns, *case_urlpatterns]
