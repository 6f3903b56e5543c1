"""The medicine list: the same search as the prescription form's."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from carebook.access.policy import Action, require
from carebook.medication.api import present
from carebook.medication.api.common import READ_ERRORS, caller
from carebook.medication.api.schemas import MedicineOut, ShortText
from carebook.medication.contents import contents_of
from carebook.medication.selectors.prescriptions import medicine_search

router = Router(tags=["medicines"])

MEDICINE_SEARCH_LIMIT = 50


@router.get("/medicines", response={200: list[MedicineOut], **READ_ERRORS}, operation_id="medicines_search")
def medicines_search(request: HttpRequest, q: Query[ShortText] = "") -> list[dict]:
    """Medicines whose name, strength or dm+d code match every word of ``q`` (at least 2 characters; at most 50)."""
    require(caller(request), Action.VIEW_PRESCRIPTIONS)
    found = medicine_search(q, limit=MEDICINE_SEARCH_LIMIT)
    medicines = [option.medicine for option in found.options]
    contents = contents_of(medicines)
    return [present.medicine(m, contents[m.pk]) for m in medicines]
