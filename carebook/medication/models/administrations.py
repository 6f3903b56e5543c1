"""Administration records: the outcome of a due dose, or of a PRN dose.

Never updated or deleted. The one permitted change of state is
completed → entered_in_error, made by ``administration_mark_entered_in_error``
together with an AdministrationCorrection row (who, when, why) and an audit
event; the clinical columns are never touched. The partial unique constraint
allows at most one completed administration per due dose.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel


class Outcome(models.TextChoices):
    GIVEN = "given", "Given"
    GIVEN_PARTIAL = "given_partial", "Given, partial or different dose"
    SELF_ADMINISTERED = "self_administered", "Self-administered"
    GIVEN_BY_FAMILY = "given_by_family", "Given by family"
    REFUSED = "refused", "Refused (will offer again)"
    REFUSED_NOT_OFFERED_AGAIN = "refused_final", "Refused (will not offer again)"
    REFUSED_DESTROYED = "refused_destroyed", "Refused and destroyed"
    NAUSEA_VOMITING = "nausea_vomiting", "Nausea or vomiting"
    ASLEEP = "asleep", "Asleep (will offer again)"
    IN_HOSPITAL = "in_hospital", "In hospital"
    SOCIAL_LEAVE = "social_leave", "On social leave"
    DESTROYED = "destroyed", "Destroyed or spoilt"
    NOT_REQUIRED = "not_required", "Not required"
    NOT_AVAILABLE = "not_available", "Not available (out of stock)"
    PAPER_MAR = "paper_mar", "Paper MAR used"
    OTHER = "other", "Other (reason required)"


# Outcomes in which the person took the medicine.
TAKEN_OUTCOMES = frozenset({Outcome.GIVEN, Outcome.GIVEN_PARTIAL, Outcome.SELF_ADMINISTERED, Outcome.GIVEN_BY_FAMILY})

# The default key printed on the MAR chart. A given dose shows the initials of who gave it.
MAR_CODES: dict[str, str] = {
    Outcome.GIVEN: "",
    Outcome.GIVEN_PARTIAL: "P",
    Outcome.SELF_ADMINISTERED: "SA",
    Outcome.GIVEN_BY_FAMILY: "F",
    Outcome.REFUSED: "R",
    Outcome.REFUSED_NOT_OFFERED_AGAIN: "RX",
    Outcome.REFUSED_DESTROYED: "RD",
    Outcome.NAUSEA_VOMITING: "N",
    Outcome.ASLEEP: "S",
    Outcome.IN_HOSPITAL: "H",
    Outcome.SOCIAL_LEAVE: "L",
    Outcome.DESTROYED: "D",
    Outcome.NOT_REQUIRED: "NR",
    Outcome.NOT_AVAILABLE: "NA",
    Outcome.PAPER_MAR: "PM",
    Outcome.OTHER: "O",
}


class Prompt(models.TextChoices):
    RIGHT_PERSON = "right_person", "Right person: picture and name match"
    RIGHT_MEDICINE = "right_medicine", "Right medicine: the label matches"
    RIGHT_DOSE = "right_dose", "Right dose"
    RIGHT_TIME = "right_time", "Right time: not too soon, not already given"
    RIGHT_ROUTE = "right_route", "Right route"
    ALLERGIES = "allergies", "Allergies checked"
    CONSENT = "consent", "The person agrees to take it"
    PULSE = "pulse", "Pulse taken"
    BLOOD_GLUCOSE = "blood_glucose", "Blood glucose taken"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure taken"


class PromptResult(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Administration(AppendOnlyModel, UUIDModel):
    class Status(models.TextChoices):
        COMPLETED = "completed", "Recorded"
        ENTERED_IN_ERROR = "entered_in_error", "Entered in error"

    # Insert-only but for the one correction (ADR 0002, 0005); the database holds it too.
    append_only = AppendOnly(mutable={"status": [(Status.COMPLETED, Status.ENTERED_IN_ERROR)]})

    due_dose = models.ForeignKey(
        "medication.DueDose", null=True, blank=True, on_delete=models.PROTECT, related_name="administrations"
    )
    prescription = models.ForeignKey(
        "medication.Prescription", on_delete=models.PROTECT, related_name="administrations"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="administrations")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="administrations")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    reason = models.TextField(blank=True, help_text="Why it was not given, in words.")
    dose_given = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    dose_unit = models.CharField(max_length=30, blank=True)
    administered_at = models.DateTimeField(help_text="When the dose was given or not given, as the carer states.")
    recorded_at = models.DateTimeField(help_text="Server clock at the moment of recording.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    late_entry = models.BooleanField(default=False)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_at = models.DateTimeField(null=True, blank=True)
    site = models.CharField(max_length=100, blank=True, help_text="Patch or injection site.")
    observations = models.TextField(blank=True)
    prn_reason = models.TextField(blank=True, help_text="Why a when-required dose was given.")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (NULL = no key; unique when set)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        help_text="The entered-in-error record this one replaces.",
    )

    class Meta:
        ordering = ["administered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["due_dose"],
                condition=models.Q(status="completed") & models.Q(due_dose__isnull=False),
                name="one_effective_outcome_per_due_dose",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="administration_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(dose_given__isnull=True) | models.Q(dose_given__gt=0),
                name="administration_dose_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(witness__isnull=True) | ~models.Q(witness=models.F("recorded_by")),
                name="administration_witness_not_recorder",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["completed", "entered_in_error"]),
                name="administration_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in Outcome]),
                name="administration_outcome_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "administered_at"], name="admin_person_time_idx"),
            models.Index(fields=["prescription", "administered_at"], name="admin_prescription_time_idx"),
            models.Index(fields=["location", "administered_at"], name="admin_location_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.administered_at:%Y-%m-%d %H:%M}"

    @property
    def taken(self) -> bool:
        return self.outcome in TAKEN_OUTCOMES

    @property
    def mar_code(self) -> str:
        return MAR_CODES.get(self.outcome, "O")


class PromptAnswer(AppendOnlyModel):
    """One safety prompt shown before a dose, and how it was answered."""

    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="prompt_answers")
    position = models.PositiveSmallIntegerField()
    prompt = models.CharField(max_length=30, choices=Prompt.choices)
    result = models.CharField(max_length=20, choices=PromptResult.choices)
    value = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    note = models.TextField(blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["administration", "position"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "prompt"], name="prompt_answer_once"),
            models.CheckConstraint(
                condition=models.Q(result__in=["confirmed", "failed", "skipped"]), name="prompt_result_valid"
            ),
        ]
        indexes = [models.Index(fields=["prompt", "result"], name="prompt_answer_result_idx")]

    def __str__(self) -> str:
        return f"{self.get_prompt_display()}: {self.get_result_display()}"


class AdministrationCorrection(AppendOnlyModel):
    """Who marked an administration entered-in-error, when and why."""

    administration = models.OneToOneField(Administration, on_delete=models.PROTECT, related_name="correction")
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Entered in error: {self.reason}"


class PrnFollowUp(AppendOnlyModel):
    """The effect of a when-required dose, checked 30 to 60 minutes after it."""

    class Effect(models.TextChoices):
        EFFECTIVE = "effective", "Worked"
        PARTLY = "partly", "Partly worked"
        NOT_EFFECTIVE = "not_effective", "Did not work"

    administration = models.OneToOneField(Administration, on_delete=models.PROTECT, related_name="follow_up")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effect__in=["effective", "partly", "not_effective"]),
                name="prn_follow_up_effect_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_effect_display()
