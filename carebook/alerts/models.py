"""Alerts: what the system noticed, for whom, and what became of it.

An alert is raised once per condition (``key``, unique: two scans or two workers never make a second) and is never
deleted. Its lifecycle columns change only forward, through the services, each change audited (ADR 0005's
declaration below says which columns may change and how): open → acknowledged → resolved (with an outcome). When
the condition clears by itself (the dose is recorded late) the alert says when and why, and stays listed.
"""

from __future__ import annotations

from django.db import models

from carebook.alerts.vocab import (
    ActionKind,
    AlertKind,
    AlertStatus,
    CareWorkerAnswer,
    EscalatedTo,
    Informed,
    Outcome,
    Professional,
    Severity,
)
from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel


class Alert(AppendOnlyModel, UUIDModel):
    Kind = AlertKind
    Status = AlertStatus

    append_only = AppendOnly(
        mutable={
            "status": [
                (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value),
                (AlertStatus.ACKNOWLEDGED.value, AlertStatus.RESOLVED.value),
            ],
            "acknowledged_by": None,
            "acknowledged_at": None,
            "resolved_by": None,
            "resolved_at": None,
            "outcome": None,
            "cleared_at": None,
            "cleared_reason": None,
            "cleared_by_administration": None,
            "superseded_by": None,
            "escalated_to": [
                (EscalatedTo.SHIFT.value, EscalatedTo.TEAM_LEADER.value),
                (EscalatedTo.TEAM_LEADER.value, EscalatedTo.REGISTERED_MANAGER.value),
            ],
            "escalated_at": None,
        }
    )

    kind = models.CharField(max_length=40, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    key = models.CharField(max_length=200, help_text="The condition this alert is for: one alert per key.")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="alerts")
    # None for an alert about a member of staff (STAFF_KINDS: repeated safety-check non-compliance, ADR 0030).
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    staff = models.ForeignKey(
        "access.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member of staff an alert is about (STAFF_KINDS); none for an alert about a person.",
    )
    prescription = models.ForeignKey(
        "medication.Prescription", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    due_dose = models.ForeignKey(
        "medication.DueDose", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    administration = models.ForeignKey(
        "medication.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    visit = models.ForeignKey(  # a home-care visit not closed (VISIT_NOT_CLOSED)
        "medication.Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    summary = models.CharField(max_length=300, help_text="What was noticed, in words, when it was raised.")
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="When the dose behind it was due.")
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
        help_text="The alert this one grew out of (an overdue dose that became a missed dose).",
    )
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        help_text="The alert that carries this one on (the missed-dose alert after an overdue one).",
    )
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN.value)
    acknowledged_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=40, blank=True, help_text="What was decided: required to resolve.")
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="When its condition cleared by itself.")
    cleared_reason = models.CharField(max_length=300, blank=True)
    cleared_by_administration = models.ForeignKey(
        "medication.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Not acknowledged in time, an alert goes up a level: the staff on shift, the team leader, the registered manager.
    escalated_to = models.CharField(max_length=20, choices=EscalatedTo.choices, default=EscalatedTo.SHIFT.value)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="When it last went up a level.")

    class Meta:
        ordering = ["raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="alert_one_per_condition"),
            models.CheckConstraint(condition=models.Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(condition=models.Q(severity__in=Severity.values), name="alert_severity_valid"),
            models.CheckConstraint(condition=models.Q(status__in=AlertStatus.values), name="alert_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=AlertStatus.RESOLVED.value) | ~models.Q(outcome=""),
                name="alert_resolved_has_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(status=AlertStatus.OPEN.value) | models.Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_has_when",
            ),
            # An alert is about a person, or (its kind about staff) about a member of staff: never neither.
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(staff__isnull=False),
                name="alert_about_a_person_or_staff",
            ),
        ]
        indexes = [
            models.Index(fields=["location", "status", "raised_at"], name="alert_location_status_idx"),
            models.Index(fields=["person", "raised_at"], name="alert_person_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    @property
    def is_cleared(self) -> bool:
        return self.cleared_at is not None

    @property
    def about(self) -> str:
        """Who the alert is about, in words: the person, or the member of staff (STAFF_KINDS)."""
        if self.person is not None:
            return self.person.full_name
        return f"{self.staff.display_name} (member of staff)" if self.staff is not None else ""


class AlertAction(AppendOnlyModel, UUIDModel):
    """One step taken on an alert, with who and when (from the session and the server clock). Never edited: a
    mistaken step is followed by a note that says so."""

    append_only = AppendOnly()

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=30, choices=ActionKind.choices)
    note = models.TextField(blank=True)
    answer = models.CharField(max_length=30, choices=CareWorkerAnswer.choices, blank=True)
    professional = models.CharField(max_length=30, choices=Professional.choices, blank=True)
    advice = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    new_prescription = models.ForeignKey(
        "medication.Prescription", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    observe_what = models.CharField(max_length=300, blank=True)
    observe_until = models.DateTimeField(null=True, blank=True)
    informed = models.CharField(max_length=20, choices=Informed.choices, blank=True)
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ActionKind.values), name="alert_action_kind_valid"),
            models.CheckConstraint(
                condition=~models.Q(kind=ActionKind.ADVICE_OUTCOME.value) | ~models.Q(outcome=""),
                name="alert_action_outcome_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.alert_id}"


class AlertRecord(AppendOnlyModel):
    """One record behind an alert, so its page links each: the refusals behind a repeated refusal, the dose
    whose check was skipped, the allergy decision to review. Added as records come in (a later refusal joins the
    repeated-refusal alert it continues); never edited or removed."""

    append_only = AppendOnly()

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="records")
    administration = models.ForeignKey(
        "medication.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_dose = models.ForeignKey(
        "medication.DueDose", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    allergy_decision = models.ForeignKey(
        "medication.AllergyDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(help_text="When the record happened (given, due, decided).")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "administration"],
                condition=models.Q(administration__isnull=False),
                name="alert_record_administration_once",
            ),
            models.UniqueConstraint(
                fields=["alert", "due_dose"],
                condition=models.Q(due_dose__isnull=False),
                name="alert_record_due_dose_once",
            ),
            models.CheckConstraint(
                condition=models.Q(administration__isnull=False)
                | models.Q(due_dose__isnull=False)
                | models.Q(allergy_decision__isnull=False),
                name="alert_record_names_a_record",
            ),
        ]

    def __str__(self) -> str:
        return f"Record behind {self.alert_id}"


class _ThresholdFields(models.Model):
    """The settings a location (and some a prescription) may change; blank means the default (alerts.rules)."""

    overdue_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes after the due time; never earlier than the dose window closes."
    )
    missed_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Minutes after the due time; blank: when the dose's round ends."
    )
    refusal_count = models.PositiveSmallIntegerField(null=True, blank=True)
    refusal_days = models.PositiveSmallIntegerField(null=True, blank=True)
    prn_days = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class AlertThresholds(_ThresholdFields):
    """A location's alert thresholds: settings, not records (changed in place, each change audited before/after)."""

    location = models.OneToOneField("organisations.Location", on_delete=models.PROTECT, related_name="alert_thresholds")
    omission_count = models.PositiveSmallIntegerField(null=True, blank=True)
    omission_days = models.PositiveSmallIntegerField(null=True, blank=True)
    prn_days_of = models.PositiveSmallIntegerField(null=True, blank=True)
    late_recording_minutes = models.PositiveIntegerField(null=True, blank=True)
    transcription_lead_minutes = models.PositiveIntegerField(null=True, blank=True)
    prompt_skip_count = models.PositiveSmallIntegerField(null=True, blank=True)
    prompt_skip_days = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Alert thresholds of {self.location_id}"


class PrescriptionAlertThresholds(_ThresholdFields):
    """One prescription's own overdue minutes, refusal count and days, and when-required days."""

    prescription = models.OneToOneField(
        "medication.Prescription", on_delete=models.PROTECT, related_name="alert_thresholds"
    )

    def __str__(self) -> str:
        return f"Alert thresholds of {self.prescription_id}"
