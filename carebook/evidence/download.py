"""A pack's file as a download, for the page and the API alike: only when ready, never cached, and audited (who
took a copy of which file)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from carebook.access.models import User
from carebook.core.errors import Conflict
from carebook.evidence import services
from carebook.evidence.models import EvidencePack

KINDS = {"pdf": "application/pdf", "zip": "application/zip"}


def pack_file_response(pack: EvidencePack, *, by: User, what: str) -> HttpResponse:
    if not pack.is_ready:
        raise Conflict(f"This evidence pack is not ready yet ({pack.get_status_display().lower()}).", code="not_ready")
    data = EvidencePack.objects.filter(pk=pack.pk).values_list(what, flat=True).get()
    services.evidence_pack_downloaded(pack=pack, by=by, what=what)
    response = HttpResponse(bytes(data), content_type=KINDS[what])
    name = f"evidence-pack-{pack.location.name}-{pack.period_start}-{pack.period_last_day}.{what}"
    response["Content-Disposition"] = content_disposition_header(True, name) or ""
    response["Cache-Control"] = "private, no-store"
    return response
