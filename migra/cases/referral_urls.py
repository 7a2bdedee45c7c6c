"""Routes of referrals, the referral directory and notifications; see migra/cases/urls.py.

Mounted under /app/cases/ in the "cases" namespace, before the case routes.
"""

from django.urls import path

from migra.cases import referral_views as views

urlpatterns: list = [
    path("referrals/", views.referral_inbox, name="referral-inbox"),
    path("referrals/sent/", views.referral_sent, name="referral-sent"),
    path("referrals/new/<int:case_pk>/", views.referral_new, name="referral-new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral-detail"),
    path("referrals/<int:pk>/accept/", views.referral_accept, name="referral-accept"),
    path("referrals/<int:pk>/decline/", views.referral_decline, name="referral-decline"),
    path("referrals/<int:pk>/cancel/", views.referral_cancel, name="referral-cancel"),
    path("referrals/<int:pk>/complete/", views.referral_complete, name="referral-complete"),
    path("referrals/<int:pk>/updates/", views.referral_update_add, name="referral-update"),
    path("referrals/<int:pk>/services/", views.referral_service_add, name="referral-service-add"),
    path(
        "referrals/<int:pk>/services/<int:service_pk>/",
        views.referral_service_edit,
        name="referral-service-edit",
    ),
    path("directory/", views.directory_list, name="directory"),
    path("directory/new/", views.directory_new, name="directory-new"),
    path("directory/<int:pk>/edit/", views.directory_edit, name="directory-edit"),
    path(
        "directory/<int:pk>/deactivate/",
        views.directory_deactivate,
        name="directory-deactivate",
    ),
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        views.notification_read,
        name="notification-read",
    ),
    path("notifications/overdue/", views.overdue_work, name="overdue"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
]
