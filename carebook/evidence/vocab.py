"""The evidence pack's words."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class PackStatus(Vocabulary):
    QUEUED = "queued", "Waiting to be built"
    BUILDING = "building", "Being built"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be built"
