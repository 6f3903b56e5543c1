from carebook.medication.models.administrations import (
    Administration,
    AdministrationCorrection,
    Outcome,
    PrnFollowUp,
    Prompt,
    PromptAnswer,
    PromptResult,
)
from carebook.medication.models.allergies import AllergyDecision
from carebook.medication.models.doses import DueDose
from carebook.medication.models.late import LateDoseDecision
from carebook.medication.models.medicines import Medicine, MedicineIngredient, RequiredCheck
from carebook.medication.models.prescriptions import (
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    ScheduleKind,
    Source,
    TranscriptionCheck,
)

__all__ = [
    "Administration",
    "AdministrationCorrection",
    "AllergyDecision",
    "DueDose",
    "LateDoseDecision",
    "Medicine",
    "MedicineIngredient",
    "Outcome",
    "Prescription",
    "PrescriptionEvent",
    "PrescriptionStatus",
    "PrnFollowUp",
    "Prompt",
    "PromptAnswer",
    "PromptResult",
    "RequiredCheck",
    "ScheduleKind",
    "Source",
    "TranscriptionCheck",
]
