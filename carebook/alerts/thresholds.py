"""The alert thresholds in force: the one place that reads them (the defaults are alerts.rules.DEFAULTS).

Read in bulk for a scan (two queries whatever the number of locations and prescriptions), or for one record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.alerts import rules
from carebook.alerts.audit import AlertsAudit
from carebook.alerts.models import AlertThresholds, PrescriptionAlertThresholds
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, NotFound


def _values(row: Any, names: Iterable[str]) -> dict[str, int | None]:
    return {name: getattr(row, name) for name in names} if row is not None else {}


class ThresholdBook:
    """The thresholds of some locations and prescriptions, read once."""

    def __init__(self, locations: dict[Any, dict[str, int | None]], prescriptions: dict[Any, dict[str, int | None]]):
        self._locations = locations
        self._prescriptions = prescriptions

    def of(self, location_id: Any, prescription_id: Any = None) -> rules.Thresholds:
        return rules.merged_thresholds(self._locations.get(location_id), self._prescriptions.get(prescription_id))

    def widest(self, name: str) -> int:
        """The largest value of one setting among those read and the default: what bounds a scan's look-back."""
        values = [getattr(rules.DEFAULTS, name) or 0]
        for layer in (*self._locations.values(), *self._prescriptions.values()):
            value = layer.get(name)
            if value is not None:
                values.append(value)
        return max(values)

    def narrowest(self, name: str) -> int:
        values = [getattr(rules.DEFAULTS, name) or 0]
        values += [v for layer in self._locations.values() if (v := layer.get(name)) is not None]
        return min(values)


def threshold_book(*, prescriptions: bool = True) -> ThresholdBook:
    """Every location's settings (and every prescription's): a setting is a row only where someone changed the
    default, so these stay small whatever the history."""
    locations = {r.location_id: _values(r, rules.THRESHOLD_FIELDS) for r in AlertThresholds.objects.all()}
    per_rx = (
        {
            r.prescription_id: _values(r, rules.PRESCRIPTION_THRESHOLD_FIELDS)
            for r in PrescriptionAlertThresholds.objects.all()
        }
        if prescriptions
        else {}
    )
    return ThresholdBook(locations, per_rx)


def thresholds_for(location_id: Any, prescription_id: Any = None) -> rules.Thresholds:
    """The thresholds of one location (and one prescription): at most two queries."""
    location = AlertThresholds.objects.filter(location_id=location_id).first()
    rx = (
        PrescriptionAlertThresholds.objects.filter(prescription_id=prescription_id).first()
        if prescription_id is not None
        else None
    )
    return rules.merged_thresholds(
        _values(location, rules.THRESHOLD_FIELDS), _values(rx, rules.PRESCRIPTION_THRESHOLD_FIELDS)
    )


def location_settings(location_id: Any) -> dict[str, int | None]:
    """What a location has set (None: the default), for its page."""
    row = AlertThresholds.objects.filter(location_id=location_id).first()
    return {name: getattr(row, name, None) for name in rules.THRESHOLD_FIELDS}


def _save(model: Any, owner: dict[str, Any], values: dict[str, int | None], *, by: User, now: Any) -> None:
    """Write the settings in place (a setting, not a record; no row lock: the last save wins, each audited). Two
    first saves at once: the second meets the one-per-owner constraint and is asked to save again."""
    fields = {**values, "updated_by": by, "updated_at": now}
    try:
        with transaction.atomic():
            if not model.objects.filter(**owner).update(**fields):
                model.objects.create(**owner, **fields)
    except IntegrityError:
        raise Conflict(
            "Someone saved these thresholds at the same moment: check them and save again.", code="thresholds_changed"
        ) from None


def prescription_settings(prescription_id: Any) -> dict[str, int | None]:
    """What a prescription has set (None: the location's), for its page."""
    row = PrescriptionAlertThresholds.objects.filter(prescription_id=prescription_id).first()
    return {name: getattr(row, name, None) for name in rules.PRESCRIPTION_THRESHOLD_FIELDS}


def location_thresholds_set(*, location: Any, by: User, values: dict[str, int | None]) -> dict[str, int | None]:
    """Change a location's thresholds (None: back to the default), audited with before and after."""
    require(by, Action.SET_ALERT_THRESHOLDS)
    if not scope_for(by).allows(location.pk):
        raise NotFound("No such location.")
    unknown = set(values) - set(rules.THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not thresholds: {sorted(unknown)}")
    rules.check_thresholds(values)
    now = clock.now()
    with transaction.atomic():  # the change and its audit event, together
        before = location_settings(location.pk)
        after = {**before, **values}
        if after == before:
            return after
        _save(AlertThresholds, {"location": location}, after, by=by, now=now)
        record_event(
            actor=by,
            action=AlertsAudit.THRESHOLDS_CHANGED,
            entity=location,
            location=location.pk,
            before=before,
            after=after,
            at=now,
        )
    return after


def prescription_thresholds_set(*, prescription: Any, by: User, values: dict[str, int | None]) -> dict[str, int | None]:
    """Change one prescription's own thresholds (None: the location's), audited with before and after."""
    require(by, Action.SET_ALERT_THRESHOLDS)
    if not scope_for(by).allows(prescription.person.location_id):
        raise NotFound("No such prescription.")
    unknown = set(values) - set(rules.PRESCRIPTION_THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not prescription thresholds: {sorted(unknown)}")
    rules.check_thresholds(values)
    now = clock.now()
    location_id = prescription.person.location_id
    with transaction.atomic():  # the change and its audit event, together
        row = PrescriptionAlertThresholds.objects.filter(prescription=prescription).first()
        before = {name: getattr(row, name, None) for name in rules.PRESCRIPTION_THRESHOLD_FIELDS}
        after = {**before, **values}
        if after == before:
            return after
        _save(PrescriptionAlertThresholds, {"prescription": prescription}, after, by=by, now=now)
        record_event(
            actor=by,
            action=AlertsAudit.THRESHOLDS_CHANGED,
            entity=prescription,
            location=location_id,
            before=before,
            after=after,
            at=now,
        )
    return after
