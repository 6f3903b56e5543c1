"""Which evidence packs a user may see: those of their own locations, if they may build one (404 otherwise)."""

from __future__ import annotations

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid
from carebook.evidence.models import EvidencePack


def access_pack_for_user(user: User, pack_id: object) -> EvidencePack:
    require(user, Action.BUILD_EVIDENCE_PACK)
    pid = as_uuid(pack_id, "evidence pack")
    pack = (
        EvidencePack.objects.filter(scope_for(user).q("location"), pk=pid)
        .select_related("location", "requested_by")
        .defer("pdf", "zip")
        .first()
    )
    if pack is None:
        raise NotFound("No evidence pack with that id.")
    return pack
