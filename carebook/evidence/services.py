"""Asking for an evidence pack, and building it (ADR 0032).

``evidence_pack_request`` checks what was asked (a location of the manager's, a period of at most a year that has
begun, the people of that location), writes the request with who and when from the session and the server clock,
audits it, and hands the build to the worker once the request is committed. ``evidence_pack_build`` is what the
worker runs: it claims the pack (one builder only, even with two workers), reports its progress as it goes, in
short transactions of its own, and stores the PDF and the ZIP with their SHA-256, or why it failed. Nothing here
takes an HTTP request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Sequence

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import NotFound, ValidationFailed
from carebook.evidence.audit import EvidenceAudit
from carebook.evidence.collect import collect
from carebook.evidence.models import EvidencePack
from carebook.evidence.render import pack_pdf, pack_zip
from carebook.evidence.vocab import PackStatus
from carebook.people.access import access_location_for_user
from carebook.people.models import Person
from carebook.reports import rules

log = logging.getLogger(__name__)

MAX_PEOPLE = 20  # MAR charts in one pack
STALE = dt.timedelta(minutes=10)  # a build with no sign of life for this long is taken up again


def evidence_pack_request(
    *, by: User, location_id: object, first: dt.date, last: dt.date, person_ids: Sequence[uuid.UUID] = ()
) -> EvidencePack:
    require(by, Action.BUILD_EVIDENCE_PACK)
    location = access_location_for_user(by, location_id)
    period = rules.period(first, last)
    today = clock.today()
    if period.start > today:
        raise ValidationFailed("The period has not begun yet.", field="from")
    wanted = list(dict.fromkeys(person_ids))
    if len(wanted) > MAX_PEOPLE:
        raise ValidationFailed(f"Choose at most {MAX_PEOPLE} people's MAR charts.", field="people")
    people = list(Person.objects.filter(location=location, pk__in=wanted))
    if len(people) != len(wanted):
        raise NotFound("No person with that id at this location.", field="people")
    now = clock.now()
    with transaction.atomic():
        pack = EvidencePack.objects.create(
            location=location,
            period_start=period.start,
            period_end=period.end,
            requested_by=by,
            requested_at=now,
            step="Waiting for the worker",
        )
        pack.people.set(people)
        record_event(
            actor=by,
            action=EvidenceAudit.PACK_REQUESTED,
            entity=pack,
            location=location,
            after={
                "location": str(location.pk),
                "from": period.start.isoformat(),
                "to": period.last_day.isoformat(),
                "people": sorted(str(p.pk) for p in people),
            },
            at=now,
        )
        transaction.on_commit(lambda: _enqueue(pack.pk))
    return pack


def _enqueue(pack_id: uuid.UUID) -> None:
    """Hand the build to the worker at once (the every-minute job picks it up too, if this is lost)."""
    from django_q.tasks import async_task

    try:
        async_task("carebook.evidence.services.evidence_pack_build", pack_id, group="evidence.build")
    except Exception:  # the queue is down: the job will find the pack
        log.exception("Could not queue evidence pack %s; the job will build it", pack_id)


def _claim(pack_id: uuid.UUID, now: dt.datetime) -> bool:
    """Queued, or building with no sign of life for a while: this build takes it. One claim wins."""
    with transaction.atomic():
        taken = EvidencePack.objects.filter(pk=pack_id, status=PackStatus.QUEUED).update(
            status=PackStatus.BUILDING, started_at=now, heartbeat_at=now, progress=1, step="Starting"
        )
        if not taken:
            taken = EvidencePack.objects.filter(
                pk=pack_id, status=PackStatus.BUILDING, heartbeat_at__lt=now - STALE
            ).update(started_at=now, heartbeat_at=now, progress=1, step="Starting again")
    return bool(taken)


def _progress(pack_id: uuid.UUID, done: int, step: str) -> None:
    EvidencePack.objects.filter(pk=pack_id, status=PackStatus.BUILDING).update(
        progress=max(1, min(done, 99)), step=step[:200], heartbeat_at=clock.now()
    )


def evidence_pack_build(pack_id: uuid.UUID) -> str:
    """Build one pack (the worker's task). Returns its status."""
    now = clock.now()
    if not _claim(pack_id, now):
        return "not claimed"
    pack = EvidencePack.objects.select_related("location", "requested_by").get(pk=pack_id)
    people = list(pack.people.order_by("family_name", "given_name"))
    try:
        content = collect(
            pack.location,
            rules.Period(pack.period_start, pack.period_end),
            people,
            as_of=now,
            progress=lambda done, step: _progress(pack_id, done, step),
        )
        _progress(pack_id, 82, "Printing the PDF")
        pdf = pack_pdf(content, requested_by=pack.requested_by.display_name, pack_id=str(pack.pk))
        _progress(pack_id, 95, "Packing the CSVs")
        archive = pack_zip(content, pdf=pdf)
    except Exception as error:
        log.exception("Evidence pack %s failed", pack_id)
        with transaction.atomic():
            EvidencePack.objects.filter(pk=pack_id).update(
                status=PackStatus.FAILED, finished_at=clock.now(), error=f"{type(error).__name__}: {error}"[:2000]
            )
            record_event(
                actor=None,
                action=EvidenceAudit.PACK_FAILED,
                entity=pack,
                location=pack.location_id,
                after={"error": type(error).__name__},
            )
        return PackStatus.FAILED.value
    finished = clock.now()
    with transaction.atomic():
        EvidencePack.objects.filter(pk=pack_id).update(
            status=PackStatus.READY,
            progress=100,
            step="Ready",
            finished_at=finished,
            figures=content.figures_json,
            pdf=pdf,
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            zip=archive,
            zip_sha256=hashlib.sha256(archive).hexdigest(),
        )
        record_event(
            actor=None,
            action=EvidenceAudit.PACK_BUILT,
            entity=pack,
            location=pack.location_id,
            after={
                "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                "zip_sha256": hashlib.sha256(archive).hexdigest(),
                "milliseconds": int((finished - now).total_seconds() * 1000),
            },
            at=finished,
        )
    return PackStatus.READY.value


def evidence_pack_downloaded(*, pack: EvidencePack, by: User, what: str) -> None:
    """Who took a copy of the pack, and which file (the audit log of a document full of personal data)."""
    with transaction.atomic():
        record_event(
            actor=by,
            action=EvidenceAudit.PACK_DOWNLOADED,
            entity=pack,
            location=pack.location_id,
            after={"file": what, "sha256": pack.pdf_sha256 if what == "pdf" else pack.zip_sha256},
        )


def evidence_packs_build_waiting(*, limit: int = 3) -> int:
    """The job's work: packs queued (their task lost) or stalled, oldest first."""
    now = clock.now()
    waiting = list(
        EvidencePack.objects.filter(status=PackStatus.QUEUED)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:limit]
    ) + list(
        EvidencePack.objects.filter(status=PackStatus.BUILDING, heartbeat_at__lt=now - STALE).values_list(
            "pk", flat=True
        )[:limit]
    )
    return sum(1 for pack_id in waiting if evidence_pack_build(pack_id) == PackStatus.READY.value)
