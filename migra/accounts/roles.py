"""Roles and what each may do.

A role is a fixed set of permissions, kept in code so that it is reviewed like
code and tested by the role matrix. Later apps add their permissions here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROGRAMME_ADMIN = "programme_admin", _("Programme admin")
    ME_OFFICER = "me_officer", _("M&E officer")
    CASE_SUPERVISOR = "case_supervisor", _("Case supervisor")
    CASEWORKER = "caseworker", _("Caseworker")
    SHG_FACILITATOR = "shg_facilitator", _("Self-help group facilitator")
    PEER_EDUCATOR = "peer_educator", _("Peer educator")
    SOCIAL_AMBASSADOR = "social_ambassador", _("Social ambassador")
    EDITOR = "editor", _("Editor")
    AUTHORITY_OFFICER = "authority_officer", _("Authority officer")
    DONOR_VIEWER = "donor_viewer", _("Donor viewer")


class Perm(models.TextChoices):
    """Permissions. A membership grants its role's permissions over its scope."""

    MANAGE_AGENCIES = "manage_agencies", _("Manage agencies")
    MANAGE_USERS = "manage_users", _("Manage users and memberships")
    MANAGE_PROGRAMME = "manage_programme", _("Manage the programme")
    VIEW_PROGRAMME = "view_programme", _("See the programme")
    VIEW_AUDIT = "view_audit", _("Read the audit trail")
    VIEW_PLACES = "view_places", _("Look up places")
    VIEW_PEOPLE = "view_people", _("See people's records")
    MANAGE_PEOPLE = "manage_people", _("Register and change people")
    VIEW_CASES = "view_cases", _("See cases")
    MANAGE_CASES = "manage_cases", _("Manage cases")
    SUPERVISE_CASES = "supervise_cases", _("Supervise cases")
    RECEIVE_REFERRALS = "receive_referrals", _("Receive referrals")
    SCREEN = "screen", _("Screen for exploitation")
    MANAGE_GROUPS = "manage_groups", _("Run self-help groups")
    LOG_OUTREACH = "log_outreach", _("Log awareness activities")
    WRITE_STORIES = "write_stories", _("Write stories")
    EDIT_STORIES = "edit_stories", _("Review and publish stories")
    WITHDRAW_STORIES = "withdraw_stories", _("Withdraw published stories")
    EDIT_SITE = "edit_site", _("Edit the public website")
    VIEW_STATISTICS = "view_statistics", _("See statistics")
    VIEW_AGGREGATES_ONLY = "view_aggregates_only", _("See totals only")
    EXPORT_DATA = "export_data", _("Download reports and exports")
    MANAGE_FORMS = "manage_forms", _("Manage field forms and their submissions")


_EVERYONE = {Perm.VIEW_PLACES, Perm.VIEW_PROGRAMME}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.PROGRAMME_ADMIN: frozenset(
        _EVERYONE
        | {
            Perm.MANAGE_AGENCIES,
            Perm.MANAGE_USERS,
            Perm.MANAGE_PROGRAMME,
            Perm.VIEW_AUDIT,
            Perm.VIEW_PEOPLE,
            Perm.VIEW_CASES,
            Perm.WITHDRAW_STORIES,
            Perm.EDIT_SITE,
            Perm.VIEW_STATISTICS,
            Perm.EXPORT_DATA,
            Perm.MANAGE_FORMS,
        }
    ),
    Role.ME_OFFICER: frozenset(_EVERYONE | {Perm.VIEW_STATISTICS, Perm.EXPORT_DATA}),
    Role.CASE_SUPERVISOR: frozenset(
        _EVERYONE
        | {
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_PEOPLE,
            Perm.VIEW_CASES,
            Perm.MANAGE_CASES,
            Perm.SUPERVISE_CASES,
            Perm.RECEIVE_REFERRALS,
            Perm.SCREEN,
            Perm.VIEW_STATISTICS,
        }
    ),
    Role.CASEWORKER: frozenset(
        _EVERYONE
        | {
            Perm.VIEW_PEOPLE,
            Perm.MANAGE_PEOPLE,
            Perm.VIEW_CASES,
            Perm.MANAGE_CASES,
            Perm.RECEIVE_REFERRALS,
            Perm.SCREEN,
        }
    ),
    Role.SHG_FACILITATOR: frozenset(
        _EVERYONE
        | {Perm.VIEW_PEOPLE, Perm.MANAGE_PEOPLE, Perm.MANAGE_GROUPS, Perm.SCREEN, Perm.LOG_OUTREACH}
    ),
    Role.PEER_EDUCATOR: frozenset(_EVERYONE | {Perm.WRITE_STORIES, Perm.LOG_OUTREACH}),
    Role.SOCIAL_AMBASSADOR: frozenset(_EVERYONE | {Perm.WRITE_STORIES, Perm.LOG_OUTREACH}),
    Role.EDITOR: frozenset(_EVERYONE | {Perm.EDIT_STORIES, Perm.EDIT_SITE}),
    Role.AUTHORITY_OFFICER: frozenset(_EVERYONE | {Perm.RECEIVE_REFERRALS, Perm.VIEW_STATISTICS}),
    Role.DONOR_VIEWER: frozenset(_EVERYONE | {Perm.VIEW_AGGREGATES_ONLY}),
}

# Roles that handle cases must log in with a second factor.
TWO_FACTOR_ROLES = frozenset({Role.PROGRAMME_ADMIN, Role.CASE_SUPERVISOR, Role.CASEWORKER})


class AgencyKind(models.TextChoices):
    LEAD_NGO = "lead_ngo", _("Lead NGO")
    PARTNER_NGO = "partner_ngo", _("Partner NGO")
    MEDIA_PARTNER = "media_partner", _("Media partner")
    NCCT = "ncct", _("National counter-trafficking committee")
    PCCT = "pcct", _("Provincial counter-trafficking committee")
    LABOUR_DEPARTMENT = "labour_department", _("Provincial labour department")
    POLICE = "police", _("Police")
    DESTINATION_AUTHORITY = "destination_authority", _("Destination-country authority")
    DONOR = "donor", _("Donor")


_AUTHORITIES = frozenset(
    {
        AgencyKind.NCCT,
        AgencyKind.PCCT,
        AgencyKind.LABOUR_DEPARTMENT,
        AgencyKind.POLICE,
        AgencyKind.DESTINATION_AUTHORITY,
    }
)
_NGOS = frozenset({AgencyKind.LEAD_NGO, AgencyKind.PARTNER_NGO})

# Which kinds of agency a role may be held in (roles not listed: any agency).
ROLE_AGENCY_KINDS: dict[str, frozenset[str]] = {
    Role.PROGRAMME_ADMIN: _NGOS,
    Role.ME_OFFICER: _NGOS,
    Role.CASE_SUPERVISOR: _NGOS | _AUTHORITIES,
    Role.CASEWORKER: _NGOS | _AUTHORITIES,
    Role.SHG_FACILITATOR: _NGOS,
    Role.PEER_EDUCATOR: _NGOS | {AgencyKind.MEDIA_PARTNER},
    Role.SOCIAL_AMBASSADOR: _NGOS,
    Role.EDITOR: _NGOS | {AgencyKind.MEDIA_PARTNER},
    Role.AUTHORITY_OFFICER: _AUTHORITIES,
    Role.DONOR_VIEWER: frozenset({AgencyKind.DONOR}),
}
