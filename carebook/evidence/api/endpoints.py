"""Evidence packs (ADR 0032): ask for one, follow its progress, fetch its PDF and ZIP when ready. The registered
manager's; another location's pack is 404. Built by the worker (``services.evidence_pack_build``), the same build as
the page's."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Status

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.evidence import services
from carebook.evidence.access import access_pack_for_user
from carebook.evidence.api.schemas import EvidencePackIn, EvidencePackListOut, EvidencePackOut
from carebook.evidence.download import pack_file_response
from carebook.evidence.models import EvidencePack
from carebook.medication.api.present import staff
from carebook.people.access import access_location_for_user

router = Router(tags=["evidence packs"])

FILE_ERRORS = {**READ_ERRORS, 409: READ_ERRORS[404]}
BINARY = {"schema": {"type": "string", "format": "binary"}}


def _file_doc(description: str, kind: str) -> dict[str, Any]:
    return {"responses": {200: {"description": description, "content": {kind: BINARY}}}}


def present(pack: EvidencePack, *, with_figures: bool = False) -> dict[str, Any]:
    ready = pack.is_ready
    return {
        "id": pack.pk,
        "location_id": pack.location_id,
        "period_from": pack.period_start,
        "period_to": pack.period_last_day,
        "people": [p.pk for p in pack.people.all()],
        "requested_by": staff(pack.requested_by),
        "requested_at": pack.requested_at,
        "status": pack.status,
        "progress": pack.progress,
        "step": pack.step,
        "finished_at": pack.finished_at,
        "pdf_sha256": pack.pdf_sha256,
        "zip_sha256": pack.zip_sha256,
        "pdf_url": reverse("api:evidence_pack_pdf", args=[pack.pk]) if ready else None,
        "zip_url": reverse("api:evidence_pack_zip", args=[pack.pk]) if ready else None,
        "figures": pack.figures if with_figures and ready else None,
    }


@router.get("/evidence-packs", response={200: EvidencePackListOut, **READ_ERRORS}, operation_id="evidence_packs_list")
def evidence_packs_list(request: HttpRequest, location: Query[uuid.UUID | None] = None) -> dict[str, Any]:
    """The evidence packs of the caller's locations (or one), newest first, without their figures."""
    user = caller(request)
    require(user, Action.BUILD_EVIDENCE_PACK)
    rows = EvidencePack.objects.filter(scope_for(user).q("location"))
    if location is not None:
        rows = rows.filter(location=access_location_for_user(user, location))
    rows = rows.select_related("requested_by").prefetch_related("people").defer("pdf", "zip", "figures")
    return {"packs": [present(p) for p in rows[:50]]}


@router.post("/evidence-packs", response={202: EvidencePackOut, **WRITE_ERRORS}, operation_id="evidence_pack_request")
def evidence_pack_request(request: HttpRequest, payload: EvidencePackIn) -> Status[dict[str, Any]]:
    """Ask for an evidence pack (the registered manager). 202: it is being built; 422 names the field (``from``,
    ``to``: backwards, longer than a year, not begun); a person not of the location: 404 on ``people``."""
    user = caller(request)
    pack = services.evidence_pack_request(
        by=user,
        location_id=payload.location_id,
        first=payload.period_from,
        last=payload.period_to,
        person_ids=payload.people,
    )
    return Status(202, present(access_pack_for_user(user, pack.pk)))


@router.get(
    "/evidence-packs/{pack_id}", response={200: EvidencePackOut, **READ_ERRORS}, operation_id="evidence_pack_detail"
)
def evidence_pack_detail(request: HttpRequest, pack_id: uuid.UUID) -> dict[str, Any]:
    """One pack: its progress while it is built; once ready, the links to its files and the figures it printed."""
    pack = access_pack_for_user(caller(request), pack_id)
    full = EvidencePack.objects.select_related("requested_by").defer("pdf", "zip").get(pk=pack.pk)
    return present(full, with_figures=True)


def _file(request: HttpRequest, pack_id: uuid.UUID, what: str) -> HttpResponse:
    user = caller(request)
    return pack_file_response(access_pack_for_user(user, pack_id), by=user, what=what)


@router.get(
    "/evidence-packs/{pack_id}/pdf",
    response={200: None, **FILE_ERRORS},
    operation_id="evidence_pack_pdf",
    openapi_extra={
        "responses": {
            200: {
                "description": "The pack as one PDF.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def evidence_pack_pdf(request: HttpRequest, pack_id: uuid.UUID) -> HttpResponse:
    """The PDF (409 ``not_ready`` until it is built). Each download is audited."""
    return _file(request, pack_id, "pdf")


@router.get(
    "/evidence-packs/{pack_id}/zip",
    response={200: None, **FILE_ERRORS},
    operation_id="evidence_pack_zip",
    openapi_extra={
        "responses": {
            200: {
                "description": "The CSV files, the figures as JSON, the MAR charts as JSON and the PDF.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def evidence_pack_zip(request: HttpRequest, pack_id: uuid.UUID) -> HttpResponse:
    """The ZIP (409 ``not_ready`` until it is built). Each download is audited."""
    return _file(request, pack_id, "zip")
