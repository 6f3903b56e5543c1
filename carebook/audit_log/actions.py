"""Audit actions: a typed registry that each app adds to (ADR 0006).

``audit_log`` is a low layer and never imports the apps above it. Each app declares what it
audits in its own ``audit.py``, as an ``AuditAction`` enum whose members carry the stored text
and a human description (for the audit log page), and registers it::

    @register_actions
    class MedicationAudit(AuditAction):
        ADMINISTRATION_RECORDED = "administration.recorded", "A dose was recorded, given or not given"

``record_event`` refuses anything that is not a member of a registered enum. The stored text
never changes once used (history must read the same); add a member instead of renaming one.
``AuditLogConfig.ready`` imports every app's ``audit.py``, so ``registered_actions()`` is complete.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, TypeVar

ACTION_TEXT = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_LENGTH = 80  # AuditEvent.action

_REGISTRY: dict[str, AuditAction] = {}

E = TypeVar("E", bound=type["AuditAction"])


class AuditAction(StrEnum):
    """Base of every app's audit actions: ``NAME = "text.stored", "What happened, in words"``."""

    description: str

    def __new__(cls, value: str, description: str = "") -> AuditAction:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class UnknownAuditAction(ValueError):
    """``record_event`` was given an action that no app registered."""


def register_actions(enum: E) -> E:
    """Add an app's ``AuditAction`` enum to the registry (a class decorator). Refuses clashes."""
    if not (isinstance(enum, type) and issubclass(enum, AuditAction)):
        raise TypeError("register_actions takes an AuditAction enum")
    for member in enum:
        text = member.value
        if not ACTION_TEXT.match(text) or len(text) > MAX_LENGTH:
            raise ValueError(f"{enum.__name__}.{member.name}: {text!r} is not an action text such as 'thing.done'")
        if not member.description.strip():
            raise ValueError(f"{enum.__name__}.{member.name}: describe the action for the audit log page")
        existing = _REGISTRY.get(text)
        if existing is not None and existing is not member:
            raise ValueError(f"{text!r} is declared twice: {type(existing).__name__} and {enum.__name__}")
    _REGISTRY.update({member.value: member for member in enum})
    return enum


def require_registered(action: Any) -> AuditAction:
    """``action`` if it is a registered ``AuditAction``; otherwise a clear error."""
    if isinstance(action, AuditAction) and _REGISTRY.get(action.value) is action:
        return action
    if isinstance(action, AuditAction):
        raise UnknownAuditAction(
            f"Audit action {type(action).__name__}.{action.name} is not registered: "
            "decorate its enum with @register_actions in the app's audit.py."
        )
    raise UnknownAuditAction(
        f"Audit action {action!r} is not a registered AuditAction: declare it in the app's audit.py "
        "(an AuditAction enum decorated with @register_actions) and pass the member, not a string."
    )


def registered_actions() -> list[AuditAction]:
    """Every registered action, in order of its stored text."""
    return [_REGISTRY[text] for text in sorted(_REGISTRY)]


def action_for(text: str) -> AuditAction | None:
    """The registered action a stored text stands for (for reading history), or None."""
    return _REGISTRY.get(text)
