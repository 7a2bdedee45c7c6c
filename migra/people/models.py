"""The people registry: persons, their names, phones and documents, households, consent.

Personal identifiers (names, phone numbers, document numbers, dates of birth, a
witness's name) are encrypted per field; exact lookups use blind indexes (keyed HMACs
of normalised values); candidate lookup for duplicate detection uses `PersonKey`, the
blind indexes of the matching engine's blocking keys. A copy of the database without
the key reveals none of them. See docs/people.md.

A person's string form is "person #id": audit events and logs never hold a name.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from migra.config.fields import BlindIndexField, EncryptedDateField, EncryptedTextField


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other or not said")


class Vulnerability(models.TextChoices):
    CHILD = "child", _("Child (under 18)")
    DISABILITY = "disability", _("Disability")
    SINGLE_HEAD = "single_head", _("Single head of household")
    DEBT = "debt", _("Heavy debt")
    UNDOCUMENTED = "undocumented", _("No identity documents")
    RETURNEE = "returnee", _("Returned migrant")
    SURVIVOR = "survivor", _("Survivor of trafficking or exploitation")


class Person(models.Model):
    """One person. The registering agency owns the record; the home village scopes it."""

    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("agency"),
    )
    # Null only once the person is erased (the province is kept for counts).
    home_village = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home village"),
    )
    province = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    current_place = models.ForeignKey(
        "places.Place",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where the person is now"),
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    date_of_birth = EncryptedDateField(
        context="people.person.date_of_birth",
        null=True,
        blank=True,
        verbose_name=_("date of birth"),
    )
    # From the date of birth (exact) or from an approximate age; after erasure, the
    # first year of a five-year band.
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_year_exact = models.BooleanField(default=False)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    erasure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"person #{self.pk}"

    @property
    def is_active_record(self) -> bool:
        return self.merged_into_id is None and self.erased_at is None


class NameScript(models.TextChoices):
    KHMER = "km", _("Khmer script")
    LATIN = "latin", _("Latin letters")


class PersonName(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    script = models.CharField(_("script"), max_length=8, choices=NameScript.choices)
    value = EncryptedTextField(context="people.person.name", verbose_name=_("name"))
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "pk"]

    def __str__(self) -> str:
        return f"name #{self.pk} of person #{self.person_id}"


class PersonPhone(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    value = EncryptedTextField(context="people.person.phone", verbose_name=_("phone number"))
    value_index = BlindIndexField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"phone #{self.pk} of person #{self.person_id}"


class DocumentKind(models.TextChoices):
    KH_ID = "kh_id", _("Cambodian ID card")
    PASSPORT = "passport", _("Passport")
    TH_WORK_PERMIT = "th_work_permit", _("Thai work permit")
    BORDER_PASS = "border_pass", _("Border pass")
    OTHER = "other", _("Other document")


class IdentityDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind of document"), max_length=16, choices=DocumentKind.choices)
    number = EncryptedTextField(context="people.document.number", verbose_name=_("number"))
    number_index = BlindIndexField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"document #{self.pk} of person #{self.person_id}"


class PersonKey(models.Model):
    """The blind index of one blocking key of a person (candidate lookup)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    key = BlindIndexField(db_index=False)  # indexed with the person below

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="people_key_unique")]
        indexes = [models.Index(fields=["key", "person"], name="people_key_lookup_idx")]

    def __str__(self) -> str:
        return f"key of person #{self.person_id}"


class Household(models.Model):
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("household")

    def __str__(self) -> str:
        return f"household #{self.pk}"


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    OTHER = "other", _("Other relative or member")


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="households")
    relationship = models.CharField(_("relationship"), max_length=16, choices=Relationship.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"], name="people_household_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"member #{self.pk} of household #{self.household_id}"


class ConsentPurpose(models.TextChoices):
    SERVICES = "services", _("Receive services")
    REFERRAL = "referral", _("Referral to a named agency")
    CROSS_BORDER = "cross_border", _("Sharing across the border")
    STORY = "story", _("Publication of their story")
    PHOTO = "photo", _("Use of their photo")
    VOICE = "voice", _("Use of their voice")
    REAL_NAME = "real_name", _("Use of their real name")
    RETENTION = "retention", _("Keeping their data")


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    THUMBPRINT = "thumbprint", _("Thumbprint (photo kept)")
    VERBAL = "verbal", _("Verbal, with a witness")


class Consent(models.Model):
    """One answer to one purpose. A later answer replaces an earlier one; a withdrawal
    ends a consent at once."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency referred to"),
    )
    given = models.BooleanField(_("consent given"))
    at = models.DateTimeField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    method = models.CharField(_("how"), max_length=16, choices=ConsentMethod.choices)
    witness_name = EncryptedTextField(
        context="people.consent.witness", blank=True, default="", verbose_name=_("witness")
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "purpose"], name="people_consent_purpose_idx")]

    def __str__(self) -> str:
        return f"consent #{self.pk} of person #{self.person_id}"


class PersonMerge(models.Model):
    """A merge of `source` into `target`, with what moved, so that it can be undone."""

    source = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # {"names": [ids], "phones": [...], "documents": [...], "consents": [...],
    #  "households": [...]}: the rows that moved from source to target.
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"merge #{self.pk}: person #{self.source_id} into person #{self.target_id}"
