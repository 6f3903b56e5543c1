"""The evidence packs' job (ADR 0008): builds any pack whose task was lost, or whose build stopped."""

from __future__ import annotations

import datetime as dt

from carebook.core.jobs import job
from carebook.evidence.services import evidence_packs_build_waiting


@job(name="evidence.build_waiting", every=dt.timedelta(minutes=1))
def build_waiting() -> int:
    """Build the evidence packs still waiting (their task lost) or stalled for ten minutes."""
    return evidence_packs_build_waiting()
