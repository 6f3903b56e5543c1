"""The notifications' rules, pure (no Django): how long to wait before trying an email again, when to give up,
what a notification's link may be, and when the daily digest is due."""

from __future__ import annotations

import datetime as dt

# After the first failed attempt wait 1 minute, then 5, 15, 60, then every hour; give up after MAX_ATTEMPTS.
RETRY_MINUTES = (1, 5, 15, 60)
MAX_ATTEMPTS = 10
# A claimed email whose sender never reported back (the worker died mid-send) is tried again after this.
LEASE = dt.timedelta(minutes=5)

DIGEST_AT = dt.time(7, 0)  # Europe/London: the registered managers' daily digest


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after ``attempts`` failed attempts before the next; None: give up (failed for good)."""
    if attempts < 1:
        raise ValueError("attempts counts the attempts made: at least 1")
    if attempts >= MAX_ATTEMPTS:
        return None
    return dt.timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def link_problem(link: str) -> str | None:
    """Why ``link`` is not a path in the product (None when it is). Never another site: an email with a link
    elsewhere is how phishing looks."""
    if not link.startswith("/") or link.startswith("//") or "\\" in link:
        return "A notification links to a page of Carebook: a path starting with one '/'."
    if any(ch.isspace() for ch in link) or len(link) > 300:
        return "A notification's link is a path of at most 300 characters, without spaces."
    return None


def digest_due(local_now: dt.datetime, at: dt.time = DIGEST_AT) -> bool:
    """Whether today's digest is due at this Europe/London wall-clock time (from ``at`` until midnight)."""
    return local_now.time() >= at


def digest_key(day: dt.date) -> str:
    return f"digest:{day.isoformat()}"
