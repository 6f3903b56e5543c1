"""The only ways an audit, a template or one of an audit's actions is fetched for a member of staff: the role (403)
and the scope (404, the same answer as missing) in one query."""

from __future__ import annotations

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.actions.access import access_source_action
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.audits.models import Audit, AuditTemplate
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid

RELATED = ("location", "template", "version", "started_by", "signed_by")


def access_audit_for_user(user: User, audit_id: object, action: Action = Action.VIEW_AUDITS) -> Audit:
    require(user, action)
    aid = as_uuid(audit_id, "audit")
    audit = Audit.objects.filter(scope_for(user).q("location"), pk=aid).select_related(*RELATED).first()
    if audit is None:
        raise NotFound("No audit with that id.")
    return audit


def access_template_for_user(user: User, template_id: object, action: Action = Action.VIEW_AUDITS) -> AuditTemplate:
    """A template of the user's own provider (another provider's, or nonsense: 404)."""
    require(user, action)
    tid = as_uuid(template_id, "template")
    template = AuditTemplate.objects.filter(provider_id=user.provider_id, pk=tid).first() if user.provider_id else None
    if template is None:
        raise NotFound("No audit template with that id.", field="template")
    return template


def access_audit_action(audit: Audit, action_id: object) -> CorrectiveAction:
    """One of this audit's corrective actions (another's, or nonsense: 404)."""
    return access_source_action(SourceKind.AUDIT, audit.pk, action_id)
