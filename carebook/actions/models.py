"""Corrective actions: one mechanism for whatever asks for a lesson to be acted on (ADR 0027).

An action is set for a source (``source_kind`` + ``source_id``: a medication incident now, a governance audit's
finding later), with an owner, a due date and what is to be done. It is never edited or deleted: its completion
(who, when, a note) is the only change, made once, by a conditional UPDATE; ``overdue_noticed_at`` is when the job
first told its owner it was overdue (a compare-and-set, so the job tells once). The source app owns its link: this
app imports none of them.
"""

from __future__ import annotations

from django.db import models

from carebook.actions.vocab import ActionKind, SourceKind
from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel


class CorrectiveAction(AppendOnlyModel, UUIDModel):
    Kind = ActionKind

    append_only = AppendOnly(
        mutable={
            "completed_at": None,
            "completed_by": None,
            "completion_note": None,
            "overdue_noticed_at": None,
        }
    )

    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    source_id = models.UUIDField(help_text="The incident (or audit) it was set for.")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=ActionKind.choices)
    what = models.TextField(help_text="What is to be done.")
    owner = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="corrective_actions")
    due_on = models.DateField(help_text="Done by the end of this day (the home's date); overdue from the next.")
    added_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion_note = models.TextField(blank=True)
    overdue_noticed_at = models.DateTimeField(
        null=True, blank=True, help_text="When its owner was first told it was overdue (the job tells once)."
    )

    class Meta:
        ordering = ["due_on", "added_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ActionKind.values), name="action_kind_valid"),
            models.CheckConstraint(condition=models.Q(source_kind__in=SourceKind.values), name="action_source_valid"),
            models.CheckConstraint(
                condition=models.Q(completed_at__isnull=True, completed_by__isnull=True)
                | (models.Q(completed_at__isnull=False, completed_by__isnull=False) & ~models.Q(completion_note="")),
                name="action_completed_with_who_when_note",
            ),
        ]
        indexes = [
            models.Index(fields=["source_kind", "source_id"], name="action_source_idx"),
            models.Index(fields=["location", "completed_at", "due_on"], name="action_open_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.what[:40]}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None
