"""Load the curated table (``data.py``) into the database: idempotent, one transaction, audited.

The demo seed and ``manage.py load_reference_data`` both call :func:`load_reference_data`. A second run
changes nothing and says so. Rows are created or brought up to date; a class or substance no longer in
the data is left in place (an allergy may point at it) and reported; a cross-sensitivity no longer in the
data is removed (nothing points at those).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from carebook.audit_log.services import record_event
from carebook.substances import data
from carebook.substances.audit import SubstancesAudit
from carebook.substances.models import AllergenClass, CrossSensitivity, Substance


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    not_in_data: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return "Substances and allergen classes: up to date, nothing changed."
        parts = [f"{len(self.created)} created", f"{len(self.updated)} updated", f"{len(self.removed)} removed"]
        return "Substances and allergen classes: " + ", ".join(parts) + "."


def check_data() -> list[str]:
    """Problems in the curated data itself (a test holds this to an empty list)."""
    problems = []
    class_codes = [c.code for c in data.CLASSES]
    substance_codes = [s.code for s in data.SUBSTANCES]
    for kind, codes in (("class", class_codes), ("substance", substance_codes)):
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            problems.append(f"duplicate {kind} codes: {sorted(duplicates)}")
    for entry in data.SUBSTANCES:
        unknown = set(entry.classes) - set(class_codes)
        if unknown:
            problems.append(f"{entry.code}: unknown classes {sorted(unknown)}")
        if entry.max_24h_mg is not None and (Decimal(entry.max_24h_mg) <= 0 or not entry.max_24h_source):
            problems.append(f"{entry.code}: a 24-hour maximum needs a positive figure and its source")
    for cross in data.CROSS_SENSITIVITIES:
        if {cross.allergy_class, cross.caution_class} - set(class_codes) or cross.allergy_class == cross.caution_class:
            problems.append(f"cross-sensitivity {cross.allergy_class} → {cross.caution_class}: unknown or the same")
    return problems


def _sync(row: Any, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save(update_fields=changed)
    return bool(changed)


def load_reference_data() -> LoadReport:
    """Bring the database's classes, substances and cross-sensitivities to what ``data.py`` says."""
    problems = check_data()
    if problems:
        raise ValueError("The curated substance data has problems: " + "; ".join(problems))
    report = LoadReport()
    with transaction.atomic():
        classes = {c.code: c for c in AllergenClass.objects.all()}
        for entry in data.CLASSES:
            values = {
                "name": entry.name,
                "snomed_code": entry.snomed,
                "whole_class": entry.whole_class,
                "terms": list(entry.terms),
                "note": entry.note,
            }
            row = classes.get(entry.code)
            if row is None:
                classes[entry.code] = AllergenClass.objects.create(code=entry.code, **values)
                report.created.append(f"class {entry.code}")
            elif _sync(row, values):
                report.updated.append(f"class {entry.code}")

        substances = {s.code: s for s in Substance.objects.prefetch_related("classes")}
        for s_entry in data.SUBSTANCES:
            values = {
                "name": s_entry.name,
                "snomed_code": s_entry.snomed,
                "dmd_vtm_code": s_entry.dmd_vtm,
                "terms": list(s_entry.terms),
                "max_24h_mg": Decimal(s_entry.max_24h_mg) if s_entry.max_24h_mg is not None else None,
                "max_24h_source": s_entry.max_24h_source,
            }
            substance = substances.get(s_entry.code)
            if substance is None:
                substance = Substance.objects.create(code=s_entry.code, **values)
                substance.classes.set([classes[c] for c in s_entry.classes])
                report.created.append(f"substance {s_entry.code}")
                continue
            changed = _sync(substance, values)
            wanted = {classes[c].pk for c in s_entry.classes}
            if {c.pk for c in substance.classes.all()} != wanted:
                substance.classes.set(list(wanted))
                changed = True
            if changed:
                report.updated.append(f"substance {s_entry.code}")

        existing = {
            (x.allergy_class.code, x.caution_class.code): x
            for x in CrossSensitivity.objects.select_related("allergy_class", "caution_class")
        }
        wanted_pairs = set()
        for cross in data.CROSS_SENSITIVITIES:
            key = (cross.allergy_class, cross.caution_class)
            wanted_pairs.add(key)
            found = existing.get(key)
            if found is None:
                CrossSensitivity.objects.create(
                    allergy_class=classes[cross.allergy_class],
                    caution_class=classes[cross.caution_class],
                    note=cross.note,
                )
                report.created.append(f"cross-sensitivity {key[0]} → {key[1]}")
            elif _sync(found, {"note": cross.note}):
                report.updated.append(f"cross-sensitivity {key[0]} → {key[1]}")
        for key, stale in existing.items():
            if key not in wanted_pairs:
                stale.delete()
                report.removed.append(f"cross-sensitivity {key[0]} → {key[1]}")

        report.not_in_data = sorted(
            [f"class {c}" for c in classes if c not in {e.code for e in data.CLASSES}]
            + [f"substance {s}" for s in substances if s not in {e.code for e in data.SUBSTANCES}]
        )
        if report.changed:
            record_event(
                actor=None,
                action=SubstancesAudit.REFERENCE_LOADED,
                entity=AllergenClass.objects.order_by("pk").first() or "substances",
                after={"created": report.created, "updated": report.updated, "removed": report.removed},
            )
    return report
