"""The row locks the audits app takes: an audit's own row, or a template's when it is edited.

Every write to an audit after it is started takes it first, so an answer or a finding recorded while it is being
signed cannot slip past the sign-off's checks (PostgreSQL; SQLite serialises writers anyway). It is never taken
with a person's lock (ADR 0009): an audit's writes lock no clinical row.
"""

from __future__ import annotations

from carebook.audits.models import Audit, AuditTemplate


def lock_audit(audit_id: object) -> Audit:
    return Audit.objects.select_for_update(of=("self",)).get(pk=audit_id)


def lock_template(template_id: object) -> AuditTemplate:
    """A template's row: orders two edits at once (the second version is numbered after the first)."""
    return AuditTemplate.objects.select_for_update(of=("self",)).get(pk=template_id)
