"""Cases, their services, notes, tasks and attachments; referrals between agencies;
the referral directory; tips; in-app notifications.

A case belongs to the agency that opened it and is scoped by the person's place of
origin. Another agency sees a case only through a referral, and then only what the
referral shared (`Referral.shared`, a snapshot taken when it was sent). Free text that
could identify someone (summaries, notes, reasons, attachments' names) is encrypted
per field; attachment files are encrypted at rest. See docs/cases.md.

Every change goes through `migra.cases.services`; every read of scoped rows through
`migra.cases.selectors`. A case's string form is its number: logs never hold a name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from migra.config.fields import EncryptedTextField


class CaseType(models.TextChoices):
    TRAFFICKING = "trafficking", _("Human trafficking")
    FORCED_LABOUR = "forced_labour", _("Forced labour")
    LABOUR_EXPLOITATION = "labour_exploitation", _("Labour exploitation")
    UNSAFE_MIGRATION = "unsafe_migration", _("Unsafe migration")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSESSED = "assessed", _("Assessed")
    ACTIVE = "active", pgettext_lazy("case status", "Active")
    CLOSED = "closed", _("Closed")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical — in danger now")


class CaseSource(models.TextChoices):
    SCREENING = "screening", _("Screening")
    TIP = "tip", _("Tip")
    REGISTER = "register", _("Migration register problem")
    MANUAL = "manual", _("Opened by hand")


class ClosingReason(models.TextChoices):
    SERVICES_COMPLETED = "services_completed", _("Services completed")
    REINTEGRATED = "reintegrated", _("Person reintegrated")
    REFERRED_OUT = "referred_out", _("Taken over by another agency")
    DECLINED_SERVICES = "declined_services", _("Person declined services")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    NO_EXPLOITATION = "no_exploitation", _("No exploitation found")
    DUPLICATE = "duplicate", _("Duplicate case")
    DECEASED = "deceased", _("Person died")


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="cases", verbose_name=_("agency")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("caseworker"),
    )
    case_type = models.CharField(_("type"), max_length=24, choices=CaseType.choices)
    risk = models.CharField(_("risk"), max_length=12, choices=RiskLevel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    source = models.CharField(_("opened from"), max_length=12, choices=CaseSource.choices)
    # The place of origin scopes the case (a village or commune of the gazetteer);
    # the province is kept beside it for filters and counts.
    origin = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("origin")
    )
    province = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("province"),
    )
    destination = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destination"),
    )
    summary = EncryptedTextField(
        context="cases.case.summary", blank=True, default="", verbose_name=_("summary")
    )
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closing_reason = models.CharField(
        _("closing reason"), max_length=24, choices=ClosingReason.choices, blank=True
    )
    # The earliest due date among open tasks, services and referrals: "overdue" is
    # `next_due_on < today`, kept up to date by the services that change them.
    next_due_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        # The case list (selectors.case_list): newest first, any filter. Each index
        # leads with one filter's column and then walks in list order, so a page is
        # read from the most selective one without sorting. See docs/cases.md.
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="cases_case_list_idx"),
            models.Index(fields=["agency", "-opened_at", "-id"], name="cases_case_agency_idx"),
            models.Index(
                fields=["assigned_to", "-opened_at", "-id"], name="cases_case_assigned_idx"
            ),
            models.Index(fields=["province", "-opened_at", "-id"], name="cases_case_province_idx"),
            models.Index(fields=["status", "-opened_at", "-id"], name="cases_case_status_idx"),
            models.Index(fields=["case_type", "-opened_at", "-id"], name="cases_case_type_idx"),
            models.Index(fields=["risk", "-opened_at", "-id"], name="cases_case_risk_idx"),
            models.Index(
                fields=["-opened_at", "-id"],
                condition=models.Q(next_due_on__isnull=False),
                name="cases_case_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One line of a case's timeline. Holds no personal data: the kind, who, when, and
    a few codes (statuses, service kinds, agency ids) to render it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=32)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"], name="cases_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} on case #{self.case_id}"


class ServiceKind(models.TextChoices):
    SHELTER = "shelter", _("Shelter")
    MEDICAL = "medical", _("Medical care")
    PSYCHOSOCIAL = "psychosocial", _("Counselling")
    LEGAL_AID = "legal_aid", _("Legal aid")
    REPATRIATION = "repatriation", _("Coming home (repatriation)")
    REINTEGRATION = "reintegration", _("Reintegration")
    VOCATIONAL = "vocational", _("Skills training")
    WAGE_CLAIM = "wage_claim", _("Wage or compensation claim")
    FAMILY_TRACING = "family_tracing", _("Family tracing")


class ServiceStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Currency(models.TextChoices):
    KHR = "KHR", _("Riel (KHR)")
    THB = "THB", _("Baht (THB)")
    USD = "USD", _("Dollar (USD)")


class CaseService(models.Model):
    """A service in the case plan: planned, in progress, delivered — by which agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ServiceStatus.choices, default=ServiceStatus.PLANNED
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    # Set when the service is provided by the agency a referral went to.
    referral = models.ForeignKey(
        "cases.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
    )
    planned_on = models.DateField(_("planned for"), null=True, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    # Wage and compensation claims: what was claimed and what was recovered.
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, blank=True)
    amount_claimed = models.DecimalField(
        _("amount claimed"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_recovered = models.DecimalField(
        _("amount recovered"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = EncryptedTextField(
        context="cases.service.note", blank=True, default="", verbose_name=_("note")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["pk"]
        indexes = [models.Index(fields=["case", "status"], name="cases_service_case_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for case #{self.case_id}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = EncryptedTextField(context="cases.note.text", verbose_name=_("note"))

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "-at"], name="cases_note_case_at_idx")]

    def __str__(self) -> str:
        return f"note #{self.pk} on case #{self.case_id}"


class CaseTask(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = EncryptedTextField(context="cases.task.title", verbose_name=_("task"))
    due_on = models.DateField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="case_tasks",
        verbose_name=_("for"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["case", "done_at"], name="cases_task_case_idx"),
            models.Index(fields=["due_on", "done_at"], name="cases_task_due_idx"),
        ]

    def __str__(self) -> str:
        return f"task #{self.pk} on case #{self.case_id}"


class CaseAttachment(models.Model):
    """A file kept encrypted at rest; its type was sniffed from its content on upload."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    filename = EncryptedTextField(context="cases.attachment.filename")
    description = EncryptedTextField(context="cases.attachment.description", blank=True, default="")
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    # Path inside the media storage of the encrypted blob (a random name).
    blob = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"attachment #{self.pk} on case #{self.case_id}"


class SavedCaseView(models.Model):
    """A named set of case-list filters a user keeps for themselves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_case_views"
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="cases_saved_view_unique_name")
        ]

    def __str__(self) -> str:
        return f"saved view #{self.pk}"


# --------------------------------------------------------------------------- referrals


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency — today")


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Referral(models.Model):
    """A case (or part of it) sent to another agency.

    `shared` is the snapshot of what the receiving agency may see, taken when the
    referral was sent (encrypted JSON): the receiver reads that, never the case.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("to agency"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sent_at = models.DateTimeField(db_index=True)
    reason = EncryptedTextField(context="cases.referral.reason", verbose_name=_("reason"))
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices)
    requested_services = models.JSONField(_("services asked for"), default=list)
    due_on = models.DateField(_("answer needed by"))
    # Which parts of the case were shared ("identity", "summary", "screening",
    # "services", "notes"), and the snapshot itself.
    shared_parts = models.JSONField(default=list)
    shared = EncryptedTextField(context="cases.referral.shared", default="{}")
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decline_reason = EncryptedTextField(
        context="cases.referral.decline_reason", blank=True, default=""
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set once the overdue alert went out, so the worker sends it once.
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["to_agency", "status"], name="cases_referral_to_idx"),
            models.Index(fields=["status", "due_on"], name="cases_referral_due_idx"),
        ]

    def __str__(self) -> str:
        return f"referral #{self.pk} of case #{self.case_id}"


class ReferralUpdate(models.Model):
    """A message posted on a referral by either side (what was done, what is next)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField(context="cases.referral_update.text", verbose_name=_("update"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"update #{self.pk} on referral #{self.referral_id}"


class ServiceOffer(models.Model):
    """The referral directory: an agency offers a service in a province (or everywhere)."""

    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.CASCADE,
        related_name="service_offers",
        verbose_name=_("agency"),
    )
    kind = models.CharField(_("service"), max_length=16, choices=ServiceKind.choices)
    # Empty: the agency offers it in every province.
    province = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service offered")
        verbose_name_plural = _("referral directory")
        ordering = ["kind", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "kind", "province"], name="cases_offer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by agency #{self.agency_id}"


# --------------------------------------------------------------------------- tips


class TipSource(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public website form")
    HOTLINE = "hotline", _("Hotline call")
    SHG = "shg", _("Self-help group")
    OTHER = "other", _("Other")


class TipStatus(models.TextChoices):
    NEW = "new", _("Waiting")
    DISMISSED = "dismissed", _("Dismissed")
    MERGED = "merged", _("Added to a case")
    OPENED = "opened", _("New case opened")


class Tip(models.Model):
    """A concern reported by the public or on the hotline, waiting for triage."""

    source = models.CharField(_("source"), max_length=12, choices=TipSource.choices)
    received_at = models.DateTimeField(db_index=True)
    text = EncryptedTextField(context="cases.tip.text", verbose_name=_("what happened"))
    # How to reach the person who reported (optional; never shown in public).
    contact = EncryptedTextField(context="cases.tip.contact", blank=True, default="")
    # Where it happened in the reporter's own words ("a fishing boat out of Rayong").
    place_note = EncryptedTextField(context="cases.tip.place_note", blank=True, default="")
    # Where it happened or where the person is from, as precise as known; empty when
    # unknown (then only users with every place see it).
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TipStatus.choices, default=TipStatus.NEW
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dismiss_reason = models.CharField(_("reason"), max_length=300, blank=True)
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="tips"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["status", "-received_at"], name="cases_tip_status_idx")]

    def __str__(self) -> str:
        return f"tip #{self.pk}"


# --------------------------------------------------------------------------- notifications


class Notification(models.Model):
    """A message for one user in the app (and by email). Holds no personal data: a
    kind, the object it points to, and a link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    at = models.DateTimeField()
    # The object the message is about, e.g. ("case", "MG-2026-000012").
    object_type = models.CharField(max_length=20, blank=True)
    object_label = models.CharField(max_length=40, blank=True)
    url = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="cases_notification_user_idx")]

    def __str__(self) -> str:
        return f"notification #{self.pk}"
