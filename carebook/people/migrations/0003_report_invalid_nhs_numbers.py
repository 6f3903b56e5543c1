"""Before the database holds NHS numbers to their shape (0004), find every stored number that is not valid.

Nothing is changed silently. Each finding is written out while migrating (person id, location, what is
wrong) and kept as an audit event (``person.nhs_number_invalid_found``) with the stored value, so the
registered manager can have it corrected on the person's page. What happens to each kind of finding
(docs/adr/0018-nhs-numbers-validated-everywhere.md):

- 10 digits with a wrong check digit: kept as stored. The database allows its shape; every page that
  shows it says it is not valid, until a senior corrects it ("Change NHS number").
- The right number written with spaces or dashes (SQLite does not hold a column to its length): stored
  as its 10 digits, the old form kept in the event.
- Anything else (letters, too few or too many digits): it cannot be an NHS number and the database
  will no longer hold it. It is cleared, and the value is kept in the event's ``before`` and in the output.
"""

import datetime as dt
import sys

from django.db import migrations

from carebook.audit_log.models import event_content  # the canonical text of an event (ADR 0006)
from carebook.people.nhs_numbers import nhs_number_problem, normalise_nhs_number

ACTION = "person.nhs_number_invalid_found"


def findings(stored: str) -> tuple[str, str]:
    """(what is stored afterwards, what was wrong) for a stored value; ("", "") when it is valid or blank."""
    if not stored or not nhs_number_problem(stored):
        return stored, ""
    digits = normalise_nhs_number(stored)
    if digits != stored and not nhs_number_problem(digits):
        return digits, "written with spaces or dashes: stored as its 10 digits"
    if len(stored) == 10 and stored.isascii() and stored.isdigit():
        return stored, "the check digit is wrong: kept as stored, shown as not valid until corrected"
    return "", "not an NHS number (it is not 10 digits): cleared, the stored value is kept in the audit log"


def report_invalid_nhs_numbers(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    AuditEvent = apps.get_model("audit_log", "AuditEvent")
    at = dt.datetime.now(tz=dt.UTC)
    found = 0
    rows = Person.objects.using(schema_editor.connection.alias).exclude(nhs_number="").select_related("location")
    for person in rows.order_by("id").iterator():
        after, problem = findings(person.nhs_number)
        if not problem:
            continue
        found += 1
        sys.stdout.write(
            f"\n  NHS number of person {person.pk} at {person.location.name}: {problem} ({person.nhs_number!r})"
        )
        event = {
            "at": at,
            "actor_id": None,
            "action": ACTION,
            "entity_type": "people.person",
            "entity_id": str(person.pk),
            "location_id": person.location_id,
        }
        AuditEvent.objects.using(schema_editor.connection.alias).create(
            **event,
            content=event_content(
                **event, before={"nhs_number": person.nhs_number}, after={"nhs_number": after, "problem": problem}
            ),
        )
        if after != person.nhs_number:
            Person.objects.using(schema_editor.connection.alias).filter(pk=person.pk).update(nhs_number=after)
    if found:
        sys.stdout.write(f"\n  {found} stored NHS number(s) were not valid: see the audit events {ACTION}.\n")


class Migration(migrations.Migration):
    dependencies = [
        ("audit_log", "0003_append_only_triggers"),
        ("people", "0002_allergy_severity_valid"),
    ]

    operations = [migrations.RunPython(report_invalid_nhs_numbers, migrations.RunPython.noop, elidable=False)]
