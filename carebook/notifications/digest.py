"""The registered managers' daily digest: what their locations' day looked like, kept in the product and emailed.

Sections come from the apps above, which register them and which this app never imports (as the home page's
panels)::

    @digest_section("Alerts", order=10)
    def alerts_digest(user, locations, day) -> list[str]: ...

A section returns its lines (plain text), or an empty list when it has nothing to say. Lines are emailed: counts
and kinds, never the names of the people cared for or their medicines (hazard H55); the digest links to the pages
where the details are.

The job ``notifications.daily_digest`` runs every few minutes and sends each registered manager today's digest once
it is ``rules.DIGEST_AT`` (07:00 Europe/London) or later: idempotent per manager per day (the key
``digest:<date>``), so a worker down at 07:00 sends it when it is back, and two workers send it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.urls import reverse

from carebook.access.models import Role, User
from carebook.core import clock
from carebook.notifications import rules
from carebook.notifications.models import EmailDelivery
from carebook.notifications.vocab import EmailStatus
from carebook.organisations.models import Location

SectionFunc = Callable[[User, Sequence[Location], dt.date], list[str]]


@dataclass(frozen=True)
class DigestSection:
    title: str
    order: int
    build: SectionFunc


_SECTIONS: dict[str, DigestSection] = {}


def digest_section(title: str, *, order: int = 50) -> Callable[[SectionFunc], SectionFunc]:
    """Register a section of the daily digest (once; the same function again is no change)."""

    def register(func: SectionFunc) -> SectionFunc:
        existing = _SECTIONS.get(title)
        if existing is not None and existing.build is not func:
            raise ValueError(f"A digest section called {title!r} is already registered.")
        _SECTIONS[title] = DigestSection(title=title, order=order, build=func)
        return func

    return register


def unregister_digest_section(title: str) -> None:
    """Forget a section (for tests that register their own)."""
    _SECTIONS.pop(title, None)


def digest_sections() -> list[DigestSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.title))


@digest_section("Emails not delivered", order=90)
def undelivered_emails(user: User, locations: Sequence[Location], day: dt.date) -> list[str]:
    """Notifications of these locations, written in the two days before the digest, whose email failed for good
    (an email is given up on within hours: ``rules.MAX_ATTEMPTS``)."""
    since = clock.local_wall_time(day - dt.timedelta(days=2), rules.DIGEST_AT)
    count = EmailDelivery.objects.filter(
        status=EmailStatus.FAILED, created_at__gte=since, notification__location__in=list(locations)
    ).count()
    if not count:
        return []
    return [f"{count} email(s) could not be delivered after every retry: check the mail settings."]


def digest_text(user: User, locations: Sequence[Location], day: dt.date) -> str:
    """The digest's plain text: each section with something to say, under its title."""
    parts = []
    for section in digest_sections():
        lines = [line for line in section.build(user, locations, day) if line]
        if lines:
            parts.append(section.title + "\n" + "\n".join(f"- {line}" for line in lines))
    where = ", ".join(location.name for location in locations)
    heading = f"The day at {where}, {day.strftime('%A %-d %B %Y')}."
    return heading + "\n\n" + ("\n\n".join(parts) if parts else "Nothing to report.")


def managers_due_a_digest(day: dt.date) -> list[User]:
    """Active registered managers with a location who have no digest for ``day`` yet (one query)."""
    key = rules.digest_key(day)
    return list(
        User.objects.filter(role=Role.REGISTERED_MANAGER, is_active=True, memberships__isnull=False)
        .exclude(notifications__key=key)
        .distinct()
        .order_by("username")
    )


def send_daily_digests(*, now: dt.datetime | None = None) -> int:
    """Today's digest for each registered manager not sent it yet, once it is DIGEST_AT or later; how many sent."""
    from carebook.notifications.services import notify

    now = now or clock.now()
    local = clock.to_local(now)
    if not rules.digest_due(local):
        return 0
    day = local.date()
    sent = 0
    for manager in managers_due_a_digest(day):
        locations = list(Location.objects.filter(memberships__user=manager).order_by("name"))
        written = notify(
            recipients=[manager],
            key=rules.digest_key(day),
            subject=f"Daily digest for {day.strftime('%-d %B %Y')}",
            body=digest_text(manager, locations, day),
            link=reverse("notifications:list"),
            location=locations[0] if len(locations) == 1 else None,
            at=now,
        )
        sent += len(written)
    return sent
