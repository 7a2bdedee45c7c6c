"""Self-help groups, their meetings and the community migration register.

A group belongs to an agency and a commune; both scope who may see and write it
(Perm.MANAGE_GROUPS). Register entries are scoped the same way by their commune.
Free text that may be about people (decisions, follow-ups, notes on problems) is
encrypted; string forms never hold a name.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from migra.config.fields import EncryptedTextField


class GroupStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class MemberRole(models.TextChoices):
    RETURNED_MIGRANT = "returned_migrant", _("Returned migrant")
    MIGRANT_FAMILY = "migrant_family", _("Family of a migrant")
    POTENTIAL_MIGRANT = "potential_migrant", _("Potential migrant")
    COMMUNITY_LEADER = "community_leader", _("Community leader")


class GuestSex(models.TextChoices):
    FEMALE = "female", _("Women and girls")
    MALE = "male", _("Men and boys")
    OTHER = "other", _("Other or not said")


class GuestAgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    FROM_18 = "18_59", _("18 to 59")
    FROM_60 = "60_plus", _("60 and over")


class Sector(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction")
    AGRICULTURE = "agriculture", _("Agriculture")
    FISHING = "fishing", _("Fishing")
    FACTORY = "factory", _("Factory")
    DOMESTIC_WORK = "domestic_work", _("Domestic work")
    ENTERTAINMENT = "entertainment", _("Entertainment")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    LICENSED_AGENCY = "licensed_agency", _("Licensed recruitment agency")
    BROKER = "broker", _("Broker")
    OWN = "own", _("On their own")
    IRREGULAR = "irregular", _("Irregular border crossing")


class DebtCurrency(models.TextChoices):
    KHR = "KHR", _("Riel (KHR)")
    THB = "THB", _("Baht (THB)")
    USD = "USD", _("Dollar (USD)")


class ReturnReason(models.TextChoices):
    CONTRACT_ENDED = "contract_ended", _("Work or contract ended")
    FAMILY = "family", _("Family reasons")
    PROBLEM = "problem", _("Problem at work")
    DEPORTED = "deported", _("Sent back by the authorities")
    OTHER = "other", _("Other")


class ProblemKind(models.TextChoices):
    UNPAID_WAGES = "unpaid_wages", _("Unpaid wages")
    DOCUMENTS_TAKEN = "documents_taken", _("Documents taken")
    CONFINED = "confined", _("Confined")
    THREATENED = "threatened", _("Threatened")
    INJURED = "injured", _("Injured")
    ARRESTED = "arrested", _("Arrested")
    MISSING = "missing", _("Missing")
    OTHER = "other", _("Other problem")


class Topic(models.Model):
    """A topic of the managed catalogue of meeting topics."""

    code = models.CharField(max_length=40, unique=True)
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    name_th = models.CharField(_("name in Thai"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("meeting topic")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "km")[:2]
        if language == "en":
            return self.name_en
        if language == "th" and self.name_th:
            return self.name_th
        return self.name_km


class Group(models.Model):
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=200)
    commune = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    villages = models.ManyToManyField(
        "places.Place", related_name="+", blank=True, verbose_name=_("villages")
    )
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="community_groups", verbose_name=_("facilitators")
    )
    founded_on = models.DateField(_("founded"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=GroupStatus.choices, default=GroupStatus.ACTIVE
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("self-help group")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"group #{self.pk}"


class GroupMember(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=MemberRole.choices)
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    # A member who left stays (old meetings' attendance still counts them) but is not
    # offered for ticking at new meetings.
    left_on = models.DateField(_("left the group"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Made by the form when it is opened: the same form sent twice adds one member
    # (and registers a new person once).
    token = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="community_member_unique")
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"member #{self.pk} of group #{self.group_id}"


class Meeting(models.Model):
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    venue = models.CharField(_("place"), max_length=200, blank=True)
    topics = models.ManyToManyField(Topic, related_name="+", verbose_name=_("topics"))
    attendees = models.ManyToManyField(GroupMember, related_name="+", blank=True)
    guests = models.PositiveIntegerField(_("guests"), default=0)
    decisions = EncryptedTextField(
        context="community.meeting.decisions", blank=True, default="", verbose_name=_("decisions")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)
    # Made by the form (or the ODK device) when it is opened: the same form sent twice
    # makes one record.
    token = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("meeting")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["group", "-held_on"], name="community_meeting_group_idx")]

    def __str__(self) -> str:
        return f"meeting #{self.pk}"


class MeetingGuests(models.Model):
    """Guests of a meeting, counted by sex and age band (no names)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guest_counts")
    sex = models.CharField(max_length=8, choices=GuestSex.choices)
    age_band = models.CharField(max_length=10, choices=GuestAgeBand.choices)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "sex", "age_band"], name="community_guests_unique"
            )
        ]

    def __str__(self) -> str:
        return f"guests of meeting #{self.meeting_id}"


class FollowUp(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="follow_ups")
    action = EncryptedTextField(context="community.followup.action", verbose_name=_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="community_follow_ups",
        verbose_name=_("who does it"),
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["owner", "done_at", "due_on"], name="community_fu_idx")]

    def __str__(self) -> str:
        return f"follow-up #{self.pk}"


class RegisterEntry(models.Model):
    """One departure of one migrant from the commune."""

    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="register_entries",
        verbose_name=_("self-help group"),
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        related_name="migration_entries",
        verbose_name=_("migrant"),
    )
    departed_on = models.DateField(_("departure date"), null=True, blank=True)
    destination = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
    )
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices, blank=True)
    channel = models.CharField(
        _("how they went"), max_length=16, choices=Channel.choices, blank=True
    )
    documents_held = models.JSONField(_("documents held"), default=list, blank=True)
    debt_amount = models.DecimalField(
        _("debt taken to migrate"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    debt_currency = models.CharField(
        _("currency"), max_length=3, choices=DebtCurrency.choices, blank=True
    )
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True, db_index=True)
    returned_on = models.DateField(_("return date"), null=True, blank=True)
    return_reason = models.CharField(
        _("reason for return"), max_length=16, choices=ReturnReason.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1)
    # Made by the form (or the ODK device) when it is opened: the same form sent twice
    # makes one record.
    token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("migration register entry")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["commune", "last_contact_on"], name="community_entry_contact_idx"),
            # The home page: migrants away not heard from, oldest contact first.
            models.Index(
                fields=["returned_on", "last_contact_on"], name="community_entry_quiet_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"register entry #{self.pk}"


class RegisterProblem(models.Model):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField(_("problem"), max_length=16, choices=ProblemKind.choices)
    noted_on = models.DateField(_("date"))
    note = EncryptedTextField(
        context="community.problem.note", blank=True, default="", verbose_name=_("note")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    # The entry's commune, agency and person (an entry never moves; a merge of two
    # persons moves the entry's and the problem's person together, people.links),
    # copied here so summaries and home pages count a commune's problems, and find
    # those no screening or case picked up, without reading millions of entries.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    commune = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, null=True, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-noted_on", "-pk"]
        indexes = [
            # Summaries and home pages: a commune's problems in a period, by kind.
            models.Index(
                fields=["commune", "noted_on", "kind", "agency"],
                name="community_problem_commune_idx",
            )
        ]

    def __str__(self) -> str:
        return f"problem #{self.pk} of register entry #{self.entry_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.commune_id is None or self.agency_id is None or self.person_id is None:
            self.commune_id, self.agency_id, self.person_id = (
                RegisterEntry.objects.filter(pk=self.entry_id)
                .values_list("commune_id", "agency_id", "person_id")
                .get()
            )
        super().save(*args, **kwargs)


class RegisterTally(models.Model):
    """How many register entries share one set of summary values: kept by the
    services in the same transaction as the entry (tallies.py), so a province summary
    adds up a few thousand rows instead of millions of entries.

    Entries still away have `returned_month` "" and carry their destination, sector and
    channel; returned entries carry the month ("2025-03") and reason of their return.
    `destination_id` is 0 when not recorded (a real 0 keeps the unique key exact)."""

    commune = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    returned_month = models.CharField(max_length=7, blank=True)
    # "" on month rows and while away; "2025-03-14" on the day rows of returns.
    day = models.CharField(max_length=10, blank=True)
    destination_id = models.PositiveIntegerField(default=0)
    sector = models.CharField(max_length=16, blank=True)
    channel = models.CharField(max_length=16, blank=True)
    return_reason = models.CharField(max_length=16, blank=True)
    entries = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "commune",
                    "day",
                    "returned_month",
                    "agency",
                    "destination_id",
                    "sector",
                    "channel",
                    "return_reason",
                ],
                name="community_register_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"register tally #{self.pk}"


class AttendanceTally(models.Model):
    """Meeting attendance of one group in one month by sex and age band: members
    ticked off (sex and age at the meeting, from the registry) and guests counted."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)
    # "" on month rows; "2025-03-14" on day rows.
    day = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=8)
    age_band = models.CharField(max_length=10)
    members = models.IntegerField(default=0)
    guests = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "day", "month", "sex", "age_band"],
                name="community_attendance_tally_key",
            )
        ]

    def __str__(self) -> str:
        return f"attendance tally #{self.pk}"
