"""Medication incidents: what went wrong, who was told, what was learned and what is being done (ADR 0027).

An incident is reported once and never edited or deleted; its lifecycle columns move forward only (open → under
review → closed, signed off by the registered manager). Everything added later is a new row pointing at it: who
was told (``IncidentNotice``), the CQC notification (``CqcNotification``), the duty of candour
(``CandourRecord``), investigation findings (``IncidentFinding``) and the staff involved (``IncidentStaff``).
Corrective actions are ``carebook.actions.CorrectiveAction`` rows with ``source_kind="incident"``.
"""

from __future__ import annotations

from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.incidents.vocab import CandourTold, Harm, IncidentKind, IncidentStatus, Party


class Incident(AppendOnlyModel, UUIDModel):
    Kind = IncidentKind
    Status = IncidentStatus

    append_only = AppendOnly(
        mutable={
            "status": [
                (IncidentStatus.OPEN.value, IncidentStatus.UNDER_REVIEW.value),
                (IncidentStatus.UNDER_REVIEW.value, IncidentStatus.CLOSED.value),
            ],
            "review_started_by": None,
            "review_started_at": None,
            "signed_off_by": None,
            "signed_off_at": None,
            "sign_off_note": None,
        }
    )

    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="incidents")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    prescription = models.ForeignKey(
        "medication.Prescription", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    due_dose = models.ForeignKey(
        "medication.DueDose", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    administration = models.ForeignKey(
        "medication.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    alert = models.ForeignKey("alerts.Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=30, choices=IncidentKind.choices)
    what_happened = models.TextField()
    occurred_at = models.DateTimeField(help_text="When it happened.")
    discovered_at = models.DateTimeField(help_text="When it was discovered.")
    harm = models.CharField(max_length=20, choices=Harm.choices)
    immediate_actions = models.TextField(blank=True, help_text="What was done at once to keep the person safe.")
    reported_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN.value)
    review_started_by = models.ForeignKey(
        "access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey("access.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sign_off_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=IncidentKind.values), name="incident_kind_valid"),
            models.CheckConstraint(condition=models.Q(harm__in=Harm.values), name="incident_harm_valid"),
            models.CheckConstraint(condition=models.Q(status__in=IncidentStatus.values), name="incident_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=IncidentStatus.CLOSED.value)
                | models.Q(signed_off_by__isnull=False, signed_off_at__isnull=False),
                name="incident_closed_is_signed_off",
            ),
        ]
        indexes = [models.Index(fields=["location", "status", "reported_at"], name="incident_location_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} incident {self.pk}"


class IncidentStaff(AppendOnlyModel, UUIDModel):
    """A member of staff involved in an incident (named when it is reported)."""

    append_only = AppendOnly()

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="incident_staff_once")]


class IncidentNotice(AppendOnlyModel, UUIDModel):
    """Who was told about the incident (GP, pharmacist, family, local authority safeguarding), and when."""

    append_only = AppendOnly()

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="notices")
    party = models.CharField(max_length=20, choices=Party.choices)
    told_at = models.DateTimeField()
    note = models.TextField(blank=True)
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["told_at"]
        constraints = [models.CheckConstraint(condition=models.Q(party__in=Party.values), name="incident_party_valid")]


class CqcNotification(AppendOnlyModel, UUIDModel):
    """That the CQC was notified (Regulation 18; 16 for a death): when, and the reference it gave."""

    append_only = AppendOnly()

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="cqc_notifications")
    notified_at = models.DateTimeField()
    reference = models.CharField(max_length=100)
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(reference=""), name="cqc_notification_reference")]


class CandourRecord(AppendOnlyModel, UUIDModel):
    """The duty of candour (Regulation 20): who was told, when, with an apology, and when in writing."""

    append_only = AppendOnly()

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="candour")
    told = models.CharField(max_length=20, choices=CandourTold.choices)
    told_on = models.DateField()
    apology = models.BooleanField()
    written_on = models.DateField()
    note = models.TextField(blank=True)
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(apology=True), name="candour_with_an_apology")]


class IncidentFinding(AppendOnlyModel, UUIDModel):
    """One entry of the investigation's findings (later entries add to earlier ones; none is edited)."""

    append_only = AppendOnly()

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="findings")
    text = models.TextField()
    by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
