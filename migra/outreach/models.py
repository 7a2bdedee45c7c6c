"""Outreach events: awareness sessions, testimony talks, peer sessions, trainings and
campaign screenings, with their audience (registered persons and anonymous counts) and
an optional short pre/post knowledge test, and photos. See docs/outreach.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from migra.config.fields import EncryptedTextField
from migra.people.models import Sex


class EventKind(models.TextChoices):
    AWARENESS = "awareness", _("Awareness session")
    TESTIMONY = "testimony", _("Social ambassador testimony talk")
    PEER_SESSION = "peer_session", _("Peer educator session")
    TRAINING_AUTHORITIES = "training_authorities", _("Training of local authorities")
    TRAINING_CIVIL_SOCIETY = "training_civil_society", _("Training of civil-society groups")
    CAMPAIGN_SCREENING = "campaign_screening", _("Campaign screening")


class AudienceCategory(models.TextChoices):
    YOUTH = "youth", _("Youth")
    POTENTIAL_MIGRANTS = "potential_migrants", _("Potential migrants")
    RETURNED_MIGRANTS = "returned_migrants", _("Returned migrants")
    FAMILIES = "families", _("Families of migrants")
    LOCAL_AUTHORITIES = "local_authorities", _("Local authorities")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    GENERAL_PUBLIC = "general_public", _("General public")


class AgeBand(models.TextChoices):
    UNDER_15 = "0-14", _("Under 15")
    FROM_15 = "15-17", _("15 to 17")
    FROM_18 = "18-24", _("18 to 24")
    FROM_25 = "25-34", _("25 to 34")
    FROM_35 = "35-44", _("35 to 44")
    FROM_45 = "45-59", _("45 to 59")
    FROM_60 = "60+", _("60 or older")


class BroadAgeBand(models.TextChoices):
    """Three broad bands, each made of whole fine bands (AgeBand). Self-help group
    meetings count their guests in these (the same values as community.GuestAgeBand)."""

    UNDER_18 = "under_18", _("Under 18")
    FROM_18 = "18_59", _("18 to 59")
    FROM_60 = "60_plus", _("60 and over")


# The fine bands inside each broad band.
BROAD_AGE_BANDS: dict[str, tuple[str, ...]] = {
    BroadAgeBand.UNDER_18: (AgeBand.UNDER_15, AgeBand.FROM_15),
    BroadAgeBand.FROM_18: (AgeBand.FROM_18, AgeBand.FROM_25, AgeBand.FROM_35, AgeBand.FROM_45),
    BroadAgeBand.FROM_60: (AgeBand.FROM_60,),
}

# (lowest age, highest age) of each band, fine and broad, in whole years.
AGE_BAND_RANGES: dict[str, tuple[int, int]] = {
    AgeBand.UNDER_15: (0, 14),
    AgeBand.FROM_15: (15, 17),
    AgeBand.FROM_18: (18, 24),
    AgeBand.FROM_25: (25, 34),
    AgeBand.FROM_35: (35, 44),
    AgeBand.FROM_45: (45, 59),
    AgeBand.FROM_60: (60, 200),
    BroadAgeBand.UNDER_18: (0, 17),
    BroadAgeBand.FROM_18: (18, 59),
    BroadAgeBand.FROM_60: (60, 200),
}


class Event(models.Model):
    """One outreach activity that took place. The organiser's agency owns it; its
    place (a village or a commune) scopes it."""

    kind = models.CharField(_("kind of activity"), max_length=32, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organiser"),
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    # Derived from the place, for the reach figures (one indexed filter each).
    commune = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, related_name="+"
    )
    date = models.DateField(_("date"))
    materials = models.TextField(_("materials used"), blank=True, default="")
    notes = EncryptedTextField(
        context="outreach.event.notes", blank=True, default="", verbose_name=_("notes")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("outreach event")
        verbose_name_plural = _("outreach events")
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["province", "date"], name="outreach_event_prov_date_idx"),
            models.Index(fields=["commune", "date"], name="outreach_event_comm_date_idx"),
            models.Index(fields=["date"], name="outreach_event_date_idx"),
        ]

    def __str__(self) -> str:
        return f"outreach event #{self.pk}"


class Attendance(models.Model):
    """A registered person at an event (once per event)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(
        _("category"),
        max_length=24,
        choices=AudienceCategory.choices,
        default=AudienceCategory.GENERAL_PUBLIC,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="outreach_attendance_unique")
        ]
        indexes = [models.Index(fields=["person", "event"], name="outreach_att_person_idx")]

    def __str__(self) -> str:
        return f"attendance #{self.pk} of person #{self.person_id}"


class AudienceCount(models.Model):
    """People present but not registered: a count per sex × age band × category."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="counts")
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices)
    category = models.CharField(_("category"), max_length=24, choices=AudienceCategory.choices)
    count = models.PositiveIntegerField(_("number of people"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "sex", "age_band", "category"], name="outreach_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"count #{self.pk} of event #{self.event_id}"


class KnowledgeTest(models.Model):
    """A short test given before and after a training: a few questions, one point each."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="knowledge_test")
    questions = models.JSONField(_("questions"), default=list)

    def __str__(self) -> str:
        return f"knowledge test of event #{self.event_id}"

    @property
    def max_score(self) -> int:
        return len(self.questions)


class ParticipantScore(models.Model):
    """One participant's scores before and after: a registered attendee or an
    anonymous participant known by a short label (e.g. "P3")."""

    test = models.ForeignKey(KnowledgeTest, on_delete=models.CASCADE, related_name="scores")
    attendance = models.ForeignKey(
        Attendance, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    label = models.CharField(_("participant"), max_length=20, blank=True, default="")
    before = models.PositiveSmallIntegerField(_("score before"))
    after = models.PositiveSmallIntegerField(_("score after"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["test", "attendance"],
                condition=models.Q(attendance__isnull=False),
                name="outreach_score_attendance_unique",
            ),
            models.UniqueConstraint(
                fields=["test", "label"],
                condition=models.Q(attendance__isnull=True),
                name="outreach_score_label_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"score #{self.pk} of test #{self.test_id}"


class EventPhoto(models.Model):
    """A photo of an event: a web rendition and a thumbnail made by migra.media.photos
    (re-encoded, no EXIF/GPS; the uploaded original is not kept), stored under random
    names and served only through the event's access check."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    # Names inside the default storage (random; never linked through MEDIA_URL).
    web_file = models.CharField(max_length=200, unique=True)
    thumb_file = models.CharField(max_length=200, unique=True)
    width = models.PositiveIntegerField()  # of the web rendition
    height = models.PositiveIntegerField()
    caption = EncryptedTextField(
        context="outreach.photo.caption", blank=True, default="", verbose_name=_("caption")
    )
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"photo #{self.pk} of event #{self.event_id}"
