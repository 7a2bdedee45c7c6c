from django.urls import path

from migra.community import summary_views, views

app_name = "community"
urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_new, name="group-new"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/members/", views.member_add, name="member-add"),
    path("groups/<int:pk>/meetings/new/", views.meeting_new, name="meeting-new"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("register/", views.register_list, name="register"),
    path("register/new/", views.entry_new, name="entry-new"),
    path("register/<int:pk>/", views.entry_detail, name="entry"),
    path("register/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("register/<int:pk>/problems/", views.problem_report, name="problem-report"),
    path("summary/commune/<str:code>/", summary_views.commune_summary, name="summary-commune"),
    path("summary/province/<str:code>/", summary_views.province_summary, name="summary-province"),
]
