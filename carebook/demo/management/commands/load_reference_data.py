"""manage.py load_reference_data: the substances, allergen classes and cross-sensitivities, then the curated
medicines and what each contains. The same data step as the demo seed; safe to run again (nothing changes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carebook.demo.medicines import MEDICINES, ensure_medicines
from carebook.medication.models import MedicineIngredient
from carebook.substances.reference import load_reference_data


class Command(BaseCommand):
    help = "Load the curated substances, allergen classes and medicines with their ingredients. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_reference_data()
        self.stdout.write(report.summary())
        for name in report.not_in_data:
            self.stdout.write(f"  kept, no longer in the data: {name}")
        medicines = ensure_medicines()
        ingredients = MedicineIngredient.objects.filter(medicine__in=medicines.values()).count()
        self.stdout.write(f"Medicines: {len(MEDICINES)} curated, {ingredients} ingredients.")
