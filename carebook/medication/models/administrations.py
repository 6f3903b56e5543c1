"""Administration records: the outcome of a due dose, or of a PRN dose.

Never updated or deleted. The one permitted change of state is to
entered_in_error (from completed, or from offer_again), made by
``administration_mark_entered_in_error`` together with an AdministrationCorrection
row (who, when, why) and an audit event; the clinical columns are never touched.
The partial unique constraints allow at most one completed administration per due
dose (its outcome) and one offer_again (a refusal or sleep before it, to offer the
dose again: ADR 0034).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel, AppendOnlyQuerySet
from carebook.core.models import UUIDModel
from carebook.medication.vocab import (
    MAR_CODES,
    OFFER_AGAIN_OUTCOMES,
    READING_PROMPTS,
    STANDING_STATUSES,
    TAKEN,
    AdministrationStatus,
    FollowUpEffect,
    OldPatch,
    Outcome,
    Prompt,
    PromptResult,
    ReadingDecision,
)

__all__ = ["MAR_CODES", "TAKEN_OUTCOMES", "Outcome", "Prompt", "PromptResult"]


# Kept here for the code that imports them from the models; the vocabulary is medication/vocab.py.
TAKEN_OUTCOMES = TAKEN


class AdministrationQuerySet(AppendOnlyQuerySet):
    def effective(self) -> AdministrationQuerySet:
        """The records that stand (not those marked entered in error)."""
        return self.filter(status=AdministrationStatus.COMPLETED)

    def taken(self) -> AdministrationQuerySet:
        """Effective records of doses the person took."""
        return self.effective().filter(outcome__in=TAKEN)

    def offered_again(self) -> AdministrationQuerySet:
        """The refusals (or sleeps) waiting for their dose to be offered again: not the dose's outcome (ADR 0034)."""
        return self.filter(status=AdministrationStatus.OFFER_AGAIN)

    def standing(self) -> AdministrationQuerySet:
        """The records that stand: the doses' outcomes and the refusals waiting to be offered again."""
        return self.filter(status__in=STANDING_STATUSES)

    def standing_for_doses(self, due_dose_ids: Iterable[Any]) -> AdministrationQuerySet:
        """Each of these due doses' record and its refusal to offer again, if any: at most one of each."""
        return self.standing().filter(due_dose_id__in=list(due_dose_ids))

    def of_due_doses(self, due_dose_ids: Iterable[Any]) -> AdministrationQuerySet:
        """The effective record of each of these due doses (at most one each: a database constraint)."""
        return self.effective().filter(due_dose_id__in=list(due_dose_ids))

    def medicine_taken_around(
        self, *, person_id: Any, medicine_ids: Iterable[int], start: dt.datetime, end: dt.datetime | None = None
    ) -> AdministrationQuerySet:
        """Doses of these medicines the person took from ``start`` (to ``end``), from any of their prescriptions.

        The history a when-required limit counts: a GP's PRN and a homely remedy of one medicine add up.
        """
        rows = self.taken().filter(
            person_id=person_id, prescription__medicine_id__in=list(medicine_ids), administered_at__gte=start
        )
        return rows.filter(administered_at__lte=end) if end is not None else rows


class Administration(AppendOnlyModel, UUIDModel):
    Status = AdministrationStatus

    # Insert-only but for the one correction (ADR 0002, 0005); the database holds it too.
    append_only = AppendOnly(
        mutable={"status": [(Status.COMPLETED, Status.ENTERED_IN_ERROR), (Status.OFFER_AGAIN, Status.ENTERED_IN_ERROR)]}
    )

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
    late_entry = models.BooleanField(default=False, help_text="Recorded long after the time it was given.")
    minutes_late = models.PositiveIntegerField(
        default=0, help_text="Minutes after its dose window closed that it was given (0: in its window)."
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_at = models.DateTimeField(null=True, blank=True)
    site = models.CharField(max_length=100, blank=True, help_text="Patch or injection site.")
    # A new patch: what happened to the old one (rules.sites), and where it had been ("" for the first patch).
    old_patch = models.CharField(max_length=20, blank=True, choices=OldPatch.choices)
    old_patch_site = models.CharField(max_length=100, blank=True)
    observations = models.TextField(blank=True)
    prn_reason = models.TextField(blank=True, help_text="Why a when-required dose was given.")
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (NULL = no key; unique when set)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.COMPLETED)
    offer_again_until = models.DateTimeField(
        null=True, blank=True, help_text="A dose refused or asleep, to offer again: by when (rules.offer_again_until)."
    )
    corrects = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        help_text="The entered-in-error record this one replaces.",
    )

    objects = AdministrationQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        ordering = ["administered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["due_dose"],
                condition=models.Q(status="completed") & models.Q(due_dose__isnull=False),
                name="one_effective_outcome_per_due_dose",
            ),
            # A dose is offered again once: the second offer's outcome is final (ADR 0034).
            models.UniqueConstraint(
                fields=["due_dose"],
                condition=models.Q(status="offer_again"),
                name="one_offer_again_per_due_dose",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="offer_again")
                | (
                    models.Q(due_dose__isnull=False)
                    & models.Q(outcome__in=sorted(OFFER_AGAIN_OUTCOMES))
                    & models.Q(offer_again_until__isnull=False)
                ),
                name="offer_again_is_a_due_dose_refused_or_asleep",
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
                condition=models.Q(status__in=AdministrationStatus.values),
                name="administration_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=Outcome.values),
                name="administration_outcome_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "administered_at"], name="admin_person_time_idx"),
            models.Index(fields=["prescription", "administered_at"], name="admin_prescription_time_idx"),
            models.Index(fields=["location", "administered_at"], name="admin_location_time_idx"),
            # The alerts' scan finds late recordings among the records written in the last minutes, however long
            # before they were given (ADR 0026): one more index on the insert, measured by make bench.
            models.Index(fields=["recorded_at"], name="admin_recorded_at_idx"),
            # The doses waiting to be offered again, by when (the alerts' scan, ADR 0034): few rows, a partial index.
            models.Index(
                fields=["offer_again_until"], condition=models.Q(status="offer_again"), name="admin_offer_again_idx"
            ),
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
    # What a reading meant under the prescription's limits when it was recorded (ADR 0017); blank without limits.
    decision = models.CharField(max_length=20, choices=ReadingDecision.choices, blank=True, default="")

    class Meta:
        ordering = ["administration", "position"]
        constraints = [
            models.UniqueConstraint(fields=["administration", "prompt"], name="prompt_answer_once"),
            models.CheckConstraint(condition=models.Q(result__in=PromptResult.values), name="prompt_result_valid"),
            models.CheckConstraint(
                condition=models.Q(decision="")
                | models.Q(
                    decision__in=ReadingDecision.values,
                    prompt__in=sorted(str(p) for p in READING_PROMPTS),
                    result=str(PromptResult.CONFIRMED),
                    value__isnull=False,
                ),
                name="prompt_answer_decision_of_a_reading",
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

    Effect = FollowUpEffect

    administration = models.OneToOneField(Administration, on_delete=models.PROTECT, related_name="follow_up")
    effect = models.CharField(max_length=20, choices=Effect.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effect__in=FollowUpEffect.values),
                name="prn_follow_up_effect_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_effect_display()
