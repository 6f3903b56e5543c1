"""Who may do what: the one table every page, endpoint and service consults.

Each action names the roles granted it, one by one. There is no "every role" set: a role added
later has no access to anything until it is written into this table (the permission matrix tests
hold every role, and a role the table does not know, to it).

Scope (which location's records) is a ``Scope`` (``carebook.access.scopes``), checked by the
``access_*`` functions of each app and by list queries alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from carebook.access.models import Role, User
from carebook.core.errors import PermissionDenied


class Action(StrEnum):
    VIEW_PEOPLE = "view_people"
    VIEW_ROUND = "view_round"
    VIEW_MAR = "view_mar"
    VIEW_PRESCRIPTIONS = "view_prescriptions"
    RECORD_ADMINISTRATION = "record_administration"
    WITNESS_CONTROLLED_DRUG = "witness_controlled_drug"
    MANAGE_PRESCRIPTIONS = "manage_prescriptions"
    CHECK_TRANSCRIPTION = "check_transcription"
    CORRECT_ANY_ADMINISTRATION = "correct_any_administration"
    CORRECT_OWN_ADMINISTRATION = "correct_own_administration"
    MANAGE_OWN_API_TOKENS = "manage_own_api_tokens"
    MANAGE_STAFF_API_TOKENS = "manage_staff_api_tokens"
    CONFIRM_LATE_DOSE = "confirm_late_dose"  # a senior confirms a late time-critical dose's choice (ADR 0021)
    EDIT_PERSON_DETAILS = "edit_person_details"
    RECORD_ALLERGIES = "record_allergies"
    DECIDE_ALLERGY_MATCH = "decide_allergy_match"
    VIEW_ALERTS = "view_alerts"
    ACKNOWLEDGE_ALERT = "acknowledge_alert"
    RECORD_ALERT_ACTION = "record_alert_action"
    RESOLVE_ALERT = "resolve_alert"
    VIEW_OWN_NOTIFICATIONS = "view_own_notifications"
    VIEW_INCIDENTS = "view_incidents"
    REPORT_INCIDENT = "report_incident"
    MANAGE_INCIDENT = "manage_incident"
    SIGN_OFF_INCIDENT = "sign_off_incident"
    ASSIGN_ACTION = "assign_action"
    COMPLETE_ACTION = "complete_action"
    COMPLETE_ANY_ACTION = "complete_any_action"
    SET_ALERT_THRESHOLDS = "set_alert_thresholds"
    VIEW_REPORTS = "view_reports"
    VIEW_COMPLIANCE = "view_compliance"  # safety-prompt compliance figures (ADR 0030)
    VIEW_AUDITS = "view_audits"  # governance audits (ADR 0029)
    CONDUCT_AUDIT = "conduct_audit"
    EDIT_AUDIT_TEMPLATES = "edit_audit_templates"
    BUILD_EVIDENCE_PACK = "build_evidence_pack"  # the inspector's evidence pack (ADR 0032)
    PLAN_VISITS = "plan_visits"  # home care: put a visit on a care worker's run (ADR 0038)
    SET_MEDICINE_SETTINGS = "set_medicine_settings"  # a location's MAR cycle (ADR 0039)
    SEE_HOME_ADDRESSES = "see_home_addresses"  # home care: every address of the branch (carebook.people.whereabouts)


# Staff who read the medicines records of their locations.
_STAFF = frozenset(
    {
        Role.CARE_WORKER,
        Role.SENIOR_CARER,
        Role.TEAM_LEADER,
        Role.COORDINATOR,
        Role.REGISTERED_MANAGER,
        Role.PROVIDER_ADMIN,
    }
)
_ADMINISTERING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})
_SENIOR = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})

POLICY: Mapping[Action, frozenset[str]] = {
    Action.VIEW_PEOPLE: _STAFF,
    Action.VIEW_ROUND: _STAFF,
    Action.VIEW_MAR: _STAFF,
    Action.VIEW_PRESCRIPTIONS: _STAFF,
    Action.RECORD_ADMINISTRATION: _ADMINISTERING,
    Action.WITNESS_CONTROLLED_DRUG: _SENIOR,
    Action.MANAGE_PRESCRIPTIONS: _SENIOR,
    Action.CHECK_TRANSCRIPTION: _SENIOR,
    Action.CORRECT_ANY_ADMINISTRATION: _SENIOR,
    Action.CORRECT_OWN_ADMINISTRATION: _ADMINISTERING,
    # Make, list and revoke one's own personal API tokens.
    Action.MANAGE_OWN_API_TOKENS: frozenset(
        {
            Role.CARE_WORKER,
            Role.SENIOR_CARER,
            Role.TEAM_LEADER,
            Role.COORDINATOR,
            Role.REGISTERED_MANAGER,
            Role.PROVIDER_ADMIN,
        }
    ),
    # List and revoke the tokens of every member of staff of one's own provider.
    Action.MANAGE_STAFF_API_TOKENS: frozenset({Role.PROVIDER_ADMIN}),
    Action.CONFIRM_LATE_DOSE: _SENIOR,
    # Who the person is (today: their NHS number). Seniors only; audited with the value before and after.
    Action.EDIT_PERSON_DETAILS: _SENIOR,
    # A person's allergy status and allergies (and their corrections): seniors, named one by one (ADR 0022).
    Action.RECORD_ALLERGIES: frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER}),
    # Going on with a prescription that matches an allergy, with the reason: seniors, named one by one.
    Action.DECIDE_ALLERGY_MATCH: frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER}),
    # Alerts: the staff of a location see its alerts, and a care worker records what they were asked (a step);
    # those who run the shift acknowledge; a team leader or above (the coordinator at home) resolves.
    Action.VIEW_ALERTS: frozenset(
        {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.ACKNOWLEDGE_ALERT: frozenset(
        {Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.RECORD_ALERT_ACTION: frozenset(
        {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.RESOLVE_ALERT: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    # Safety-prompt compliance by member of staff, unit and week (ADR 0030): who supervises, not who is counted.
    Action.VIEW_COMPLIANCE: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    # One's own notifications (the list, the unread count, marking them read): never anyone else's.
    Action.VIEW_OWN_NOTIFICATIONS: frozenset(
        {
            Role.CARE_WORKER,
            Role.SENIOR_CARER,
            Role.TEAM_LEADER,
            Role.COORDINATOR,
            Role.REGISTERED_MANAGER,
            Role.PROVIDER_ADMIN,
        }
    ),
    # Medication incidents (ADR 0027): the staff of a location see its incidents (a care worker may own an action);
    # those who record doses, and the coordinator, report one; a team leader or above investigates (who was told,
    # the CQC notification, duty of candour, findings, corrective actions); only the registered manager signs off.
    Action.VIEW_INCIDENTS: frozenset(
        {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.REPORT_INCIDENT: frozenset(
        {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.MANAGE_INCIDENT: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    Action.SIGN_OFF_INCIDENT: frozenset({Role.REGISTERED_MANAGER}),
    # Corrective actions (carebook.actions, shared by incidents and, later, audits): a team leader or above sets
    # one; its owner completes it (any role that may own one), or a team leader or above completes anyone's.
    Action.ASSIGN_ACTION: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    Action.COMPLETE_ACTION: frozenset(
        {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
    ),
    Action.COMPLETE_ANY_ACTION: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    # When each alert is raised, for a location or one prescription: the registered manager's decision.
    Action.SET_ALERT_THRESHOLDS: frozenset({Role.REGISTERED_MANAGER}),
    # The governance figures of one's locations and the records behind them (carebook.reports): those who run a
    # location's governance. Not the provider admin (the drill-down names people and their doses).
    Action.VIEW_REPORTS: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    # Governance audits (ADR 0029): those who run a location's governance see its audits and do them (each
    # template also names the least senior role who may: the daily audit a team leader's, the weekly and the
    # monthly the registered manager's, audits.rules.may_conduct); only the registered manager edits templates.
    Action.VIEW_AUDITS: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    Action.CONDUCT_AUDIT: frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}),
    Action.EDIT_AUDIT_TEMPLATES: frozenset({Role.REGISTERED_MANAGER}),
    # An evidence pack holds the MAR charts of the people chosen and every incident and alert of the period: the
    # registered manager's, who answers to the inspector for it.
    Action.BUILD_EVIDENCE_PACK: frozenset({Role.REGISTERED_MANAGER}),
    # How a location keeps its MAR: the registered manager, as for the alert thresholds.
    Action.SET_MEDICINE_SETTINGS: frozenset({Role.REGISTERED_MANAGER}),
    # The office plans the runs: the coordinator, and the seniors who lead the branch.
    Action.PLAN_VISITS: frozenset({Role.COORDINATOR, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER}),
    # A home-care branch's addresses: those who plan its visits. A care worker sees the address of a person they
    # are on a visit with that day, and no other (carebook.people.whereabouts).
    Action.SEE_HOME_ADDRESSES: frozenset(
        {Role.COORDINATOR, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER}
    ),
}


# Every role some action is granted to (shown to managers; a role outside it can do nothing).
ALL_GRANTED_ROLES = frozenset(role for roles in POLICY.values() for role in roles)


def is_signed_in(user: User | object | None) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.is_active


def can(user: User | object | None, action: Action) -> bool:
    """Whether the table grants ``action`` to this user's role. Unknown actions and unknown roles: no."""
    if not is_signed_in(user):
        return False
    assert isinstance(user, User)
    return user.role in POLICY.get(action, frozenset())


def require(user: User | object | None, action: Action) -> None:
    if not can(user, action):
        role = dict(Role.choices).get(user.role, user.role) if isinstance(user, User) else "none"
        raise PermissionDenied(
            f"Your role ({role}) may not {action.value.replace('_', ' ')}.", code="forbidden", action=action.value
        )


def actions_for(user: User | object | None) -> frozenset[Action]:
    """Every action this user's role is granted (for pages that offer several)."""
    return frozenset(action for action in Action if can(user, action))


def location_ids_for_user(user: User | object | None) -> set[object]:
    """The locations whose records this member of staff may see (see ``scopes.scope_for``)."""
    from carebook.access.scopes import scope_for

    return scope_for(user).location_ids()
