"""Prescriptions (medication orders), their versions, checks and lifecycle events.

The clinical content of a prescription row is never changed after it is
written. A change is a new row that ``supersedes`` the old one. Lifecycle
(suspend, resume, discontinue, supersede) is recorded as PrescriptionEvent
rows; ``status`` is the cached projection of those events, written only by
the services in the same transaction as the event (see docs/adr/0002).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.core.text import format_quantity, unit_for
from carebook.medication.models.medicines import Medicine
from carebook.medication.rules.readings import ReadingRule
from carebook.medication.rules.schedules import Schedule
from carebook.medication.vocab import (
    ApplyHow,
    PrescriptionEventKind,
    PrescriptionStatus,
    ReadingAction,
    RequiredCheck,
    ScheduleKind,
    Source,
)

__all__ = [
    "Prescription",
    "PrescriptionEvent",
    "PrescriptionStatus",
    "ScheduleKind",
    "Source",
    "TranscriptionCheck",
    "format_quantity",
    "unit_for",
]


class Prescription(AppendOnlyModel, UUIDModel):
    # The clinical columns never change; status is the projection of the events (ADR 0002, 0005).
    append_only = AppendOnly(
        mutable={
            "status": [
                (PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED),
                (PrescriptionStatus.SUSPENDED, PrescriptionStatus.ACTIVE),
                (PrescriptionStatus.ACTIVE, PrescriptionStatus.DISCONTINUED),
                (PrescriptionStatus.SUSPENDED, PrescriptionStatus.DISCONTINUED),
                (PrescriptionStatus.ACTIVE, PrescriptionStatus.SUPERSEDED),
                (PrescriptionStatus.SUSPENDED, PrescriptionStatus.SUPERSEDED),
            ]
        }
    )

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="prescriptions")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="prescriptions")
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    dose_min = models.DecimalField(max_digits=9, decimal_places=3)
    dose_max = models.DecimalField(max_digits=9, decimal_places=3)
    dose_unit = models.CharField(max_length=30)
    route = models.CharField(max_length=30)
    directions = models.TextField(help_text="The prescriber's directions, as written.")
    indication = models.CharField(max_length=200, blank=True)
    instructions = models.TextField(blank=True, help_text="Extra instructions, e.g. 'with food'.")
    required_check = models.CharField(max_length=20, choices=RequiredCheck.choices, blank=True, default="")
    # The prescriber's limits for that reading (ADR 0017): beyond a limit, its action (do not give, or give
    # and tell someone); the plan in their words. Limits exclusive: "below 60" gives at 60.
    reading_below = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    reading_below_action = models.CharField(max_length=20, choices=ReadingAction.choices, blank=True, default="")
    reading_above = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    reading_above_action = models.CharField(max_length=20, choices=ReadingAction.choices, blank=True, default="")
    reading_plan = models.TextField(
        blank=True, default="", help_text="What to do outside the limits, as the prescriber wrote it."
    )
    schedule_kind = models.CharField(max_length=20, choices=ScheduleKind.choices)
    times = models.JSONField(default=list, blank=True, help_text='Wall-clock times, "HH:MM", Europe/London.')
    days_of_week = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday.")
    interval_days = models.PositiveSmallIntegerField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day a dose is due (inclusive).")
    course_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # A course is counted in doses (rules.course, ADR 0020): how many this version gives, its first and its last.
    # The end date of a course is the day of its last dose.
    course_doses = models.PositiveSmallIntegerField(null=True, blank=True)
    course_first_dose_at = models.DateTimeField(null=True, blank=True)
    course_last_dose_at = models.DateTimeField(null=True, blank=True)
    # The least time between a dose given late and the next (rules.late, ADR 0021); blank: half the interval.
    min_gap_minutes = models.PositiveIntegerField(null=True, blank=True)
    # A patch or an injection: its site is not used again within this many applications (rules.sites); blank: 1.
    site_gap = models.PositiveSmallIntegerField(null=True, blank=True)
    # A cream or an ointment: the body areas it goes on (rules.sites.TOPICAL_AREAS) and how thickly (vocab.ApplyHow).
    apply_to = models.JSONField(default=list, blank=True)
    apply_how = models.CharField(max_length=20, choices=ApplyHow.choices, blank=True, default="")
    # The dose of each day is set by the anticoagulant clinic's instructions, within dose_min..dose_max (ADR 0037).
    dose_from_instructions = models.BooleanField(default=False)
    prn_min_interval_minutes = models.PositiveIntegerField(null=True, blank=True)
    prn_max_quantity_24h = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    prescriber = models.CharField(max_length=200)
    source = models.CharField(max_length=30, choices=Source.choices)
    status = models.CharField(max_length=20, choices=PrescriptionStatus.choices, default=PrescriptionStatus.ACTIVE)
    transcription_check_required = models.BooleanField(default=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["medicine__name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(dose_min__gt=0), name="prescription_dose_positive"),
            models.CheckConstraint(
                condition=models.Q(dose_max__gte=models.F("dose_min")), name="prescription_dose_range"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="prescription_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(schedule_kind__in=ScheduleKind.values),
                name="prescription_schedule_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PrescriptionStatus.values),
                name="prescription_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=Source.values),
                name="prescription_source_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(schedule_kind="prn")
                | (models.Q(prn_min_interval_minutes__gt=0) & models.Q(prn_max_quantity_24h__gt=0)),
                name="prescription_prn_limits_required",
            ),
            models.CheckConstraint(
                condition=~(models.Q(schedule_kind="prn") & models.Q(dose_from_instructions=True)),
                name="prescription_instructions_not_prn",
            ),
            models.CheckConstraint(
                condition=~models.Q(schedule_kind="every_n_days") | models.Q(interval_days__gte=1),
                name="prescription_interval_required",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    course_doses__isnull=True, course_first_dose_at__isnull=True, course_last_dose_at__isnull=True
                )
                | models.Q(
                    course_doses__gte=1,
                    course_days__isnull=False,
                    course_last_dose_at__gte=models.F("course_first_dose_at"),
                ),
                name="prescription_course_counted_in_doses",
            ),
            models.CheckConstraint(
                condition=models.Q(min_gap_minutes__isnull=True) | models.Q(min_gap_minutes__gte=1),
                name="prescription_min_gap_positive",
            ),
            # A limit has its action (and an action its limit); limits in order; a plan; a reading to apply to.
            models.CheckConstraint(
                condition=models.Q(reading_below__isnull=True, reading_below_action="")
                | models.Q(reading_below__gt=0, reading_below_action__in=ReadingAction.values),
                name="prescription_reading_below_action",
            ),
            models.CheckConstraint(
                condition=models.Q(reading_above__isnull=True, reading_above_action="")
                | models.Q(reading_above__gt=0, reading_above_action__in=ReadingAction.values),
                name="prescription_reading_above_action",
            ),
            models.CheckConstraint(
                condition=models.Q(reading_below__isnull=True)
                | models.Q(reading_above__isnull=True)
                | models.Q(reading_above__gt=models.F("reading_below")),
                name="prescription_reading_limits_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(reading_below__isnull=True, reading_above__isnull=True)
                | (~models.Q(reading_plan="") & ~models.Q(required_check="")),
                name="prescription_reading_limits_need_check_and_plan",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="prescription_person_status_idx")]

    def __str__(self) -> str:
        return f"{self.medicine} for {self.person_id}"

    @property
    def is_prn(self) -> bool:
        return self.schedule_kind == ScheduleKind.PRN

    @property
    def is_variable_dose(self) -> bool:
        return self.dose_max != self.dose_min

    @property
    def dose_text(self) -> str:
        """'1 tablet', '1 to 2 tablets', '5 mL'."""
        top = self.dose_max if self.is_variable_dose else self.dose_min
        unit = unit_for(self.dose_unit, top)
        if self.is_variable_dose:
            return f"{format_quantity(self.dose_min)} to {format_quantity(self.dose_max)} {unit}"
        return f"{format_quantity(self.dose_min)} {unit}"

    @property
    def effective_check(self) -> str:
        """The reading to take before the dose: the prescription's, else the medicine's."""
        return self.required_check or self.medicine.required_check

    @property
    def reading_rule(self) -> ReadingRule | None:
        """The prescriber's limits for the reading, as the rules read them (None: no limits)."""
        if self.reading_below is None and self.reading_above is None:
            return None
        return ReadingRule(
            check=self.required_check,
            below=self.reading_below,
            below_action=self.reading_below_action,
            above=self.reading_above,
            above_action=self.reading_above_action,
            plan=self.reading_plan,
        )

    @property
    def wall_times(self) -> list[dt.time]:
        return [dt.time.fromisoformat(t) for t in self.times]

    @property
    def is_counted_course(self) -> bool:
        """A course counted in doses (entered since ADR 0020; older courses keep their end date only)."""
        return self.course_doses is not None

    @property
    def schedule(self) -> Schedule:
        """The schedule as the rules read it (a course: held to its first and last dose)."""
        return Schedule(
            kind=self.schedule_kind,
            times=tuple(self.wall_times),
            start_date=self.start_date,
            end_date=self.end_date,
            days_of_week=frozenset(int(d) for d in self.days_of_week),
            interval_days=self.interval_days,
            first_at=self.course_first_dose_at,
            last_at=self.course_last_dose_at,
        )


class TranscriptionCheck(AppendOnlyModel):
    """A second trained member of staff confirmed the entry matches the prescriber's directions."""

    prescription = models.OneToOneField(Prescription, on_delete=models.PROTECT, related_name="transcription_check")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Checked by {self.checked_by} at {self.checked_at:%Y-%m-%d %H:%M}"


class PrescriptionEvent(AppendOnlyModel):
    Kind = PrescriptionEventKind

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=PrescriptionEventKind.values), name="prescription_event_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
