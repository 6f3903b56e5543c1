"""Maintenance of append-only records: the only production path through the unlock, and it is audited.

Clinical tables refuse UPDATE and DELETE (ADR 0005). A job that must remove rows on purpose (the 8-year
retention of care records, when it is written) does so inside :func:`maintenance_unlocked`, which writes an
audit event naming who (or which job) and why, in the same transaction as the work. It cannot be used while
a request is being handled: no page or API call can reach it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS

from carebook.audit_log.audit import AuditLogAudit
from carebook.audit_log.services import record_event
from carebook.core import append_only, clock

UNLOCKED_ACTION = AuditLogAudit.APPEND_ONLY_UNLOCKED


@contextlib.contextmanager
def maintenance_unlocked(
    *, job: str, reason: str, by: Any = None, location: Any = None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """Unlock the append-only tables for one transaction, and audit it in that transaction.

    ``job`` names the code doing the work (``"retention.purge"``), ``by`` the member of staff who asked for
    it, if anyone. If the block fails, its changes and the audit event roll back together.
    """
    reason = (reason or "").strip()
    if not job.strip() or not reason:
        raise ValueError("Name the job and say why the append-only tables are being unlocked.")
    with append_only.unlocked(reason=f"{job}: {reason}", using=using):
        record_event(
            actor=by,
            action=UNLOCKED_ACTION,
            entity=job,
            location=location,
            after={"job": job, "reason": reason},
            at=clock.now(),
        )
        yield
