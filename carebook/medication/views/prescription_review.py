"""Before a prescription is saved: what Carebook found (allergy matches, ingredients shared with the person's other
current prescriptions), shown so it cannot be missed (ADR 0022, 0023).

The first save of an entry (or a change) that has findings stops and shows them; the senior then saves again,
having seen exactly those findings (a fingerprint of them travels in the form). Where an allergy matches, they
choose: record the decision now, with the reason, or save and hold every dose until a senior decides. Nothing is
saved without one of these choices. The service records the decision (``allergy_reason``); this module only asks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carebook.access.policy import Action, can
from carebook.medication.contents import PrescriptionSafety, current_prescriptions_of, safety_of
from carebook.medication.models import Medicine, Prescription
from carebook.people.allergies import AllergyStatement, allergy_statement
from carebook.people.models import Person

CONFIRM = "confirm"
HOLD = "hold"


@dataclass
class Review:
    """The findings for the medicine chosen, and what the senior chose to do about them."""

    safety: PrescriptionSafety | None = None
    medicine: str = ""
    fingerprint: str = ""
    stop: bool = False  # show the findings (again) instead of saving
    choice: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.safety is not None and bool(self.safety.findings or self.safety.shared)

    @property
    def allergy_reason(self) -> str:
        """What the service records as the senior's decision ("" to hold the doses)."""
        return self.reason if self.choice == CONFIRM else ""


def _fingerprint(safety: PrescriptionSafety) -> str:
    text = "\n".join([*(f.text for f in safety.findings), *(s.text for s in safety.shared)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def preview(
    person: Person, medicine_id: Any, *, replaces: Prescription | None = None
) -> tuple[PrescriptionSafety, str] | None:
    """The findings a prescription of this medicine would have for this person (None: no such medicine)."""
    text = str(medicine_id or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 12):
        return None
    medicine = Medicine.objects.filter(pk=int(text)).first()
    if medicine is None:
        return None
    draft = Prescription(person=person, medicine=medicine, supersedes=replaces)
    safety = safety_of([draft], current=current_prescriptions_of([person.pk]))[draft.pk]
    return safety, str(medicine)


def entry_review(
    request: HttpRequest, *, person: Person, medicine_id: Any, replaces: Prescription | None = None
) -> Review:
    """On a POST of the prescription form: stop and show the findings, or let it save (with the senior's choice)."""
    found = preview(person, medicine_id, replaces=replaces)
    if found is None:
        return Review()
    safety, medicine = found
    review = Review(safety=safety, medicine=medicine, fingerprint=_fingerprint(safety))
    if not review.shown:
        return review
    review.choice = request.POST.get("allergy_choice", "")
    review.reason = request.POST.get("allergy_reason", "").strip()
    if request.POST.get("reviewed", "") != review.fingerprint:
        review.stop = True  # not seen yet (or the findings changed since): show them
        return review
    if safety.held:
        if review.choice not in (CONFIRM, HOLD):
            review.errors["allergy_choice"] = (
                "Choose whether a senior's decision is recorded now, or the doses are held."
            )
        elif review.choice == CONFIRM and not can(request.user, Action.DECIDE_ALLERGY_MATCH):
            review.errors["allergy_choice"] = "Only a senior may record the decision: choose to hold the doses."
        elif review.choice == CONFIRM and not review.reason:
            review.errors["allergy_reason"] = (
                "Give the reason it is safe to go on, for example: GP confirmed the earlier reaction was an "
                "intolerance, not an allergy."
            )
        review.stop = bool(review.errors)
    return review


def review_context(review: Review | None, person: Person) -> dict[str, Any]:
    """What the form's "Check before saving" panel shows."""
    if review is None or not review.shown:
        return {"review": None}
    return {"review": review, "review_allergy": _statement(person)}


def _statement(person: Person) -> AllergyStatement:
    return allergy_statement(person.allergy_status, list(person.allergies.all()))


def safety_context(request: HttpRequest, prescription: Prescription) -> dict[str, Any]:
    """The allergy findings, decisions and shared ingredients of a saved prescription (its page and its check)."""
    person = prescription.person
    safety = safety_of([prescription], current=current_prescriptions_of([person.pk]))[prescription.pk]
    may_decide = can(request.user, Action.DECIDE_ALLERGY_MATCH) and prescription.status in ("active", "suspended")
    return {
        "safety": safety,
        "safety_allergy": _statement(person),
        "decide_url": reverse("medication:prescription_allergy_decision", args=[prescription.pk])
        if may_decide and safety.held
        else "",
    }
