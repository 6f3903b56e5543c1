"""Model → JSON. Plain functions, no queries beyond what the caller selected."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from carebook.access.models import User
from carebook.medication.contents import MedicineContents, PrescriptionSafety
from carebook.medication.models import Administration, AllergyDecision, DueDose, Medicine, Prescription
from carebook.medication.models.prescriptions import format_quantity
from carebook.medication.reading_text import answer_reading_text, reading_limits
from carebook.medication.vocab import READING_UNITS
from carebook.people.api.present import person_ref


def decimal_text(value: Decimal | None) -> str | None:
    """A quantity as JSON: the same digits as the pages ("2.5"), or null when there is none."""
    return None if value is None else format_quantity(value)


def _related(obj: Any, name: str) -> Any:
    """A reverse one-to-one that may be missing."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def staff(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"username": user.username, "full_name": user.display_name, "initials": user.initials}


def medicine(med: Medicine, contents: MedicineContents | None = None) -> dict[str, Any]:
    return {
        "id": med.pk,
        "name": med.name,
        "strength": med.strength,
        "form": med.form,
        "dose_unit": med.dose_unit,
        "default_route": med.default_route,
        "dmd_code": med.dmd_code,
        "controlled_drug_schedule": med.controlled_drug_schedule,
        "needs_witness": med.needs_witness,
        "time_critical": med.time_critical,
        "high_risk": med.high_risk,
        "required_check": med.required_check,
        "ingredients": ingredients(contents) if contents is not None else None,
    }


def ingredients(contents: MedicineContents) -> list[dict[str, Any]]:
    amounts = dict(contents.amounts)
    caps = {code: cap for code, _, cap in contents.listing}
    return [
        {
            "substance": s.code,
            "name": s.name,
            "amount_mg": decimal_text(amounts.get(s.code)),
            "max_24h_mg": decimal_text(caps.get(s.code)),
            "classes": [c.code for c in s.classes],
        }
        for s in contents.ingredients
    ]


def _decision(d: AllergyDecision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"id": d.pk, "reason": d.reason, "decided_by": staff(d.decided_by), "decided_at": d.decided_at}


def safety(found: PrescriptionSafety) -> dict[str, Any]:
    return {
        "allergy_findings": [
            {
                "allergy_id": row.finding.allergy_id,
                "allergen": row.finding.allergy,
                "kind": row.finding.kind,
                "matched_by": row.finding.matched_by,
                "matched": row.finding.matched,
                "severity": row.finding.severity,
                "text": row.finding.text,
                "needs_decision": row.finding.needs_decision,
                "decision": _decision(row.decision),
            }
            for row in found.rows
        ],
        "allergy_decision_needed": bool(found.held),
        "shared_ingredients": [
            {
                "ingredient": s.code,
                "name": s.name,
                "other_prescription_id": s.other_id,
                "other_medicine": s.other_medicine,
                "max_24h_mg": decimal_text(s.max_24h_mg),
                "text": s.text,
            }
            for s in found.shared
        ],
    }


def dose(rx: Prescription) -> dict[str, Any]:
    return {
        "min": decimal_text(rx.dose_min),
        "max": decimal_text(rx.dose_max),
        "unit": rx.dose_unit,
        "text": rx.dose_text,
    }


PRESCRIPTION_RELATED = ("medicine", "entered_by", "transcription_check__checked_by", "superseded_by")


def prescription(
    rx: Prescription, found: PrescriptionSafety | None = None, contents: MedicineContents | None = None
) -> dict[str, Any]:
    """A prescription; ``found`` and ``contents`` from ``contents.safety_of`` and ``contents_of`` (batched)."""
    check = _related(rx, "transcription_check")
    newer = _related(rx, "superseded_by")
    return {
        **safety(found or PrescriptionSafety()),
        "id": rx.pk,
        "person_id": rx.person_id,
        "medicine": medicine(rx.medicine, contents),
        "status": rx.status,
        "dose": dose(rx),
        "route": rx.route,
        "directions": rx.directions,
        "indication": rx.indication,
        "instructions": rx.instructions,
        "required_check": rx.effective_check,
        "reading_limits": reading_limits(rx),
        "schedule": {
            "kind": rx.schedule_kind,
            "times": list(rx.times),
            "days_of_week": [int(d) for d in rx.days_of_week],
            "interval_days": rx.interval_days,
            "start_date": rx.start_date,
            "end_date": rx.end_date,
            "course_days": rx.course_days,
            "course_doses": rx.course_doses,
            "course_first_dose_at": rx.course_first_dose_at,
            "course_last_dose_at": rx.course_last_dose_at,
            "min_gap_minutes": rx.min_gap_minutes,
            "site_gap": rx.site_gap,
            "dose_from_instructions": rx.dose_from_instructions,
            "apply_to": list(rx.apply_to),
            "apply_how": rx.apply_how,
            "prn_min_interval_minutes": rx.prn_min_interval_minutes,
            "prn_max_quantity_24h": decimal_text(rx.prn_max_quantity_24h),
        },
        "prescriber": rx.prescriber,
        "source": rx.source,
        "entered_by": staff(rx.entered_by),
        "entered_at": rx.entered_at,
        "transcription_check_required": rx.transcription_check_required,
        "transcription_checked_by": staff(check.checked_by) if check is not None else None,
        "transcription_checked_at": check.checked_at if check is not None else None,
        "supersedes": rx.supersedes_id,
        "superseded_by": newer.pk if newer is not None else None,
    }


ADMINISTRATION_RELATED = ("prescription__medicine", "recorded_by", "witness")
ADMINISTRATION_DETAIL_RELATED = (
    *ADMINISTRATION_RELATED,
    "correction__by",
    "follow_up__recorded_by",
    "late_decision__decided_by",
    "late_decision__confirmed_by",
    "late_decision__moved_to",
)


def administration(a: Administration) -> dict[str, Any]:
    return {
        "id": a.pk,
        "due_dose_id": a.due_dose_id,
        "prescription_id": a.prescription_id,
        "person_id": a.person_id,
        "medicine_name": str(a.prescription.medicine),
        "outcome": a.outcome,
        "outcome_label": a.get_outcome_display(),
        "mar_code": a.mar_code,
        "status": a.status,
        "offer_again_until": a.offer_again_until,
        "reason": a.reason,
        "dose_given": decimal_text(a.dose_given),
        "dose_unit": a.dose_unit,
        "administered_at": a.administered_at,
        "recorded_at": a.recorded_at,
        "recorded_by": staff(a.recorded_by),
        "late_entry": a.late_entry,
        "minutes_late": a.minutes_late,
        "witness": staff(a.witness),
        "witnessed_at": a.witnessed_at,
        "site": a.site,
        "old_patch": a.old_patch,
        "old_patch_site": a.old_patch_site,
        "observations": a.observations,
        "prn_reason": a.prn_reason,
        "idempotency_key": a.idempotency_key,
        "corrects": a.corrects_id,
    }


def late_decision(decision: Any) -> dict[str, Any] | None:
    if decision is None:
        return None
    moved = decision.moved_to
    return {
        "choice": decision.choice,
        "reason": decision.reason,
        "given_at": decision.given_at,
        "gap_minutes": decision.gap_minutes,
        "next_due_dose_id": decision.next_due_dose_id,
        "next_scheduled_at": decision.next_scheduled_at,
        "moved_to": (
            {"due_dose_id": moved.pk, "scheduled_at": moved.scheduled_at, "window_opens_at": moved.window_opens_at}
            if moved is not None
            else None
        ),
        "next_omission_id": decision.next_omission_id,
        "decided_by": staff(decision.decided_by),
        "decided_at": decision.decided_at,
        "confirmed_by": staff(decision.confirmed_by),
        "confirmed_at": decision.confirmed_at,
    }


def administration_detail(a: Administration) -> dict[str, Any]:
    correction = _related(a, "correction")
    follow_up = _related(a, "follow_up")
    return {
        **administration(a),
        "prompts": [
            {
                "position": p.position,
                "prompt": p.prompt,
                "result": p.result,
                "value": decimal_text(p.value),
                "unit": READING_UNITS.get(p.prompt, ""),
                "note": p.note,
                "answered_at": p.answered_at,
                "decision": p.decision or None,
                "reading_text": answer_reading_text(p, a.prescription),
            }
            for p in a.prompt_answers.all()
        ],
        "correction": (
            {"reason": correction.reason, "by": staff(correction.by), "at": correction.at}
            if correction is not None
            else None
        ),
        "follow_up": (
            {
                "effect": follow_up.effect,
                "note": follow_up.note,
                "recorded_by": staff(follow_up.recorded_by),
                "recorded_at": follow_up.recorded_at,
            }
            if follow_up is not None
            else None
        ),
        "late_decision": late_decision(_related(a, "late_decision")),
    }


def due_dose(d: DueDose, effective: Administration | None) -> dict[str, Any]:
    rx = d.prescription
    return {
        "id": d.pk,
        "person": person_ref(d.person),
        "prescription_id": d.prescription_id,
        "medicine": medicine(rx.medicine),
        "dose": dose(rx),
        "route": rx.route,
        "scheduled_at": d.scheduled_at,
        "local_date": d.local_date,
        "local_time": d.local_time.strftime("%H:%M"),
        "state": d.state,
        "moved_from": d.moved_from_id,
        "administration": administration(effective) if effective is not None else None,
    }
