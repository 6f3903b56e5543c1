"""Governance audits (ADR 0029): templates a provider edits, audits done against them, and what an audit found.

A template (``AuditTemplate``) is what kind of audit a provider does, how often and by whom; its questions are
versions (``AuditTemplateVersion`` with its ``AuditQuestion`` rows): an edit is a new version, so an audit keeps the
very questions it was answered against. An audit (``Audit``) is one template's period at one location, once
(unique); it is started, answered, and signed, and then nothing on it changes: later words are addenda. Nothing is
edited or deleted: an answer given again is a new ``AuditAnswer`` row (the latest counts until the audit is
signed), a finding is a row (``AuditFinding``), and its corrective action is ``carebook.actions.CorrectiveAction``
with ``source_kind="audit"`` and ``source_id`` the audit (the finding names it).
"""

from __future__ import annotations

from django.db import models

from carebook.audits.vocab import AnswerType, AuditStatus, ConductedBy, Frequency
from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel


class AuditTemplate(AppendOnlyModel, UUIDModel):
    """A kind of audit a provider does: its schedule and the least senior role who does it. Fixed once made (a
    different schedule is a different template); its words and questions are its versions."""

    append_only = AppendOnly()

    provider = models.ForeignKey("organisations.Provider", on_delete=models.PROTECT, related_name="audit_templates")
    key = models.SlugField(max_length=50, help_text="Stable name (the shipped ones: daily, weekly, monthly_prompts).")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    conducted_by = models.CharField(max_length=30, choices=ConductedBy.choices)
    grace_days = models.PositiveSmallIntegerField(help_text="Days after its period's last day it is due by.")
    starts_on = models.DateField(help_text="Its first period starts on or after this day.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_on", "key"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="audit_template_key_once"),
            models.CheckConstraint(condition=models.Q(frequency__in=Frequency.values), name="audit_frequency_valid"),
            models.CheckConstraint(
                condition=models.Q(conducted_by__in=ConductedBy.values), name="audit_conducted_by_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class AuditTemplateVersion(AppendOnlyModel, UUIDModel):
    """The words of a template from a moment on: its title, purpose and questions. The latest is used to start."""

    append_only = AppendOnly()

    template = models.ForeignKey(AuditTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    change_note = models.TextField(blank=True, help_text="What changed from the version before, and why.")
    created_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="None: shipped."
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["template", "number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="audit_version_number_once")]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class AuditQuestion(AppendOnlyModel, UUIDModel):
    append_only = AppendOnly()

    version = models.ForeignKey(AuditTemplateVersion, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    guidance = models.TextField(blank=True)
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices)
    no_needs_action = models.BooleanField(
        default=False, help_text="A 'no' needs a finding with a corrective action before the audit is signed."
    )
    evidence = models.CharField(
        max_length=50, blank=True, help_text="The governance figure shown beside it for the audit's period."
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="audit_question_position_once"),
            models.CheckConstraint(condition=models.Q(answer_type__in=AnswerType.values), name="audit_answer_type"),
            models.CheckConstraint(
                condition=models.Q(no_needs_action=False) | models.Q(answer_type=AnswerType.YES_NO.value),
                name="audit_action_on_a_yes_no_question",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Audit(AppendOnlyModel, UUIDModel):
    """One template's period at one location: started, answered, signed. Once signed nothing on it changes."""

    Status = AuditStatus

    append_only = AppendOnly(
        mutable={
            "status": [(AuditStatus.IN_PROGRESS.value, AuditStatus.SIGNED.value)],
            "signed_by": None,
            "signed_at": None,
            "sign_note": None,
        }
    )

    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="audits")
    template = models.ForeignKey(AuditTemplate, on_delete=models.PROTECT, related_name="audits")
    version = models.ForeignKey(AuditTemplateVersion, on_delete=models.PROTECT, related_name="audits")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The day after its last day (a period is [start, end)).")
    due_on = models.DateField(help_text="Signed by the end of this day (the home's date) is on time.")
    started_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=AuditStatus.choices, default=AuditStatus.IN_PROGRESS.value)
    signed_by = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    sign_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["location", "template", "period_start"], name="audit_once_per_period"),
            models.CheckConstraint(condition=models.Q(status__in=AuditStatus.values), name="audit_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status=AuditStatus.IN_PROGRESS.value, signed_at__isnull=True)
                | models.Q(status=AuditStatus.SIGNED.value, signed_at__isnull=False, signed_by__isnull=False),
                name="audit_signed_with_who_and_when",
            ),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="audit_period"),
        ]
        indexes = [models.Index(fields=["location", "due_on"], name="audit_location_due_idx")]

    def __str__(self) -> str:
        return f"{self.template.key} audit of {self.period_start}"

    @property
    def is_signed(self) -> bool:
        return self.status == AuditStatus.SIGNED


class AuditAnswer(AppendOnlyModel, UUIDModel):
    """An answer to one question. Answered again (before signing), the new row points at the one it replaces and
    counts from then on; the earlier stays. A question's answers are a chain: one first answer, and each answer
    replaced at most once (both database constraints), so the latest is the one nothing replaces, whatever the
    clock says."""

    append_only = AppendOnly()

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(AuditQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(max_length=2000)
    note = models.TextField(blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by")
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["audit", "at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(value=""), name="audit_answer_given"),
            models.UniqueConstraint(
                fields=["audit", "question"],
                condition=models.Q(replaces__isnull=True),
                name="audit_answer_first_once",
            ),
        ]


class AuditFinding(AppendOnlyModel, UUIDModel):
    """What the audit found, with the corrective action set for it, or why none is needed."""

    append_only = AppendOnly()

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    question = models.ForeignKey(AuditQuestion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    action = models.OneToOneField(
        "actions.CorrectiveAction", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_finding"
    )
    no_action_reason = models.TextField(blank=True)
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__isnull=False, no_action_reason="")
                | (models.Q(action__isnull=True) & ~models.Q(no_action_reason="")),
                name="audit_finding_action_or_reason",
            ),
        ]


class AuditAddendum(AppendOnlyModel, UUIDModel):
    """Words added to a signed audit (a correction or a later fact): the audit itself stays as it was signed."""

    append_only = AppendOnly()

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
