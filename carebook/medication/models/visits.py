"""A home-care visit (ADR 0038): a care worker's call on a person in a time window, on their run for the day.

Planned by the office (a coordinator or a senior), never changed: a different visit is a new one. Closing it is the
only change, once: who closed it and when. A visit closes only when every medicine due in its window has an outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.medication.vocab import VisitLabel


class Visit(AppendOnlyModel, UUIDModel):
    Label = VisitLabel

    append_only = AppendOnly(mutable={"closed_at": None, "closed_by": None})

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="visits")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField(help_text="The day of the run (Europe/London).")
    label = models.CharField(max_length=20, choices=VisitLabel.choices)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    planned_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["window_start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(label__in=VisitLabel.values), name="visit_label_valid"),
            models.CheckConstraint(condition=models.Q(window_end__gt=models.F("window_start")), name="visit_window"),
        ]
        indexes = [
            models.Index(fields=["assigned_to", "date"], name="visit_worker_date_idx"),
            # The alert scan's visits still open after their window (alerts.detect.detect_visits_not_closed).
            models.Index(fields=["window_end"], condition=models.Q(closed_at__isnull=True), name="visit_open_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_label_display()} visit, {self.date:%Y-%m-%d}"
