from django.urls import path

from migra.community import summary_views, views

app_name = "community"
urlpatterns = [
    path("", views.home, name="home"),
    path("groups/", views.group_list, name="groups"),
    path("groups/new/", views.group_new, name="group-new"),
    path("groups/<int:pk>/", views.group_detail, name="group"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
    path("groups/<int:pk>/members/", views.member_add, name="member-add"),
    path("groups/<int:pk>/members/add/", views.member_pick, name="member-pick"),
    path("groups/<int:pk>/members/find.json", views.member_find_json, name="member-find"),
    path("groups/<int:pk>/members/new/", views.member_new, name="member-new"),
    path("groups/<int:pk>/meetings/new/", views.meeting_new, name="meeting-new"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("topics/", views.topic_list, name="topics"),
    path("topics/<int:pk>/edit/", views.topic_edit, name="topic-edit"),
    path("topics/<int:pk>/move/", views.topic_move, name="topic-move"),
    path("topics/<int:pk>/use/", views.topic_use, name="topic-use"),
    path("register/", views.register_list, name="register"),
    path("register/new/", views.entry_new, name="entry-new"),
    path("register/<int:pk>/", views.entry_detail, name="entry"),
    path("register/<int:pk>/edit/", views.entry_edit, name="entry-edit"),
    path("register/<int:pk>/problems/", views.problem_report, name="problem-report"),
    path("register/<int:pk>/household/", views.household_add, name="household-add"),
    path("register/<int:pk>/household/add/", views.household_pick, name="household-pick"),
    path(
        "register/<int:pk>/household/find.json",
        views.household_find_json,
        name="household-find",
    ),
    path("register/<int:pk>/household/new/", views.household_new, name="household-new"),
    path("summary/commune/<str:code>/", summary_views.commune_summary, name="summary-commune"),
    path("summary/province/<str:code>/", summary_views.province_summary, name="summary-province"),
]
