from __future__ import annotations

from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.medication.vocab import DoseState


class DueDose(AppendOnlyModel, UUIDModel):
    """One scheduled dose of one prescription at one time: a slot of the MAR chart.

    Generated ahead for a rolling horizon. ``state`` says whether the slot is
    still waiting (pending), has an effective administration (recorded) or was
    withdrawn because its prescription changed or stopped before it was due.
    """

    State = DoseState

    # A projection of the schedule and the administrations, never deleted (ADR 0005): recorded when an
    # administration is made, due again when it is entered in error, withdrawn when the prescription stops.
    append_only = AppendOnly(
        mutable={
            "state": [
                (State.PENDING, State.RECORDED),
                (State.RECORDED, State.PENDING),
                (State.PENDING, State.WITHDRAWN),
            ],
            "withdrawn_at": None,
            "withdrawn_reason": None,
            "reopened_at": None,  # set when its record is entered in error
        }
    )

    prescription = models.ForeignKey("medication.Prescription", on_delete=models.PROTECT, related_name="due_doses")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="due_doses")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="due_doses")
    scheduled_at = models.DateTimeField()
    local_date = models.DateField()
    local_time = models.TimeField()
    # The dose window (rules.window_bounds), fixed when the slot is generated: from when it may be
    # given, and when it becomes overdue. Stored so that "overdue" is an index range in SQL.
    window_opens_at = models.DateTimeField()
    window_closes_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    reopened_at = models.DateTimeField(
        null=True, blank=True, help_text="When its record was last marked entered in error (the slot is due again)."
    )
    # A dose moved later because the one before was given late (ADR 0021): the slot it replaces, withdrawn.
    # It keeps that slot's local_date and local_time (its place on the MAR) with a later scheduled_at and window.
    moved_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="moved_to")

    class Meta:
        ordering = ["scheduled_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "local_date", "local_time"],
                condition=~models.Q(state="withdrawn"),
                name="due_dose_unique_slot",
            ),
            models.CheckConstraint(condition=models.Q(state__in=DoseState.values), name="due_dose_state_valid"),
            models.CheckConstraint(
                condition=models.Q(window_opens_at__lte=models.F("scheduled_at"))
                & models.Q(window_closes_at__gte=models.F("scheduled_at")),
                name="due_dose_window_around_time",
            ),
            models.CheckConstraint(
                condition=models.Q(moved_from__isnull=True) | ~models.Q(moved_from=models.F("id")),
                name="due_dose_not_moved_from_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["location", "scheduled_at"], name="due_dose_location_time_idx"),
            # The governance figures count a location's doses by their date on the MAR (reports, ADR 0031, 0033).
            models.Index(fields=["location", "local_date"], name="due_dose_location_date_idx"),
            models.Index(fields=["person", "scheduled_at"], name="due_dose_person_time_idx"),
            models.Index(fields=["state", "scheduled_at"], name="due_dose_state_time_idx"),
            models.Index(fields=["state", "window_closes_at"], name="due_dose_state_closes_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prescription_id} at {self.scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def is_moved(self) -> bool:
        return self.moved_from_id is not None
