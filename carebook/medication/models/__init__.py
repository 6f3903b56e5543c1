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
from carebook.medication.models.dosing import DosingInstruction, DosingInstructionCheck
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
from carebook.medication.models.showings import SHOWING_OPEN_FOR, PromptShowing, ShowingSource
from carebook.medication.models.visits import Visit

__all__ = [
    "SHOWING_OPEN_FOR",
    "Administration",
    "AdministrationCorrection",
    "AllergyDecision",
    "DosingInstruction",
    "DosingInstructionCheck",
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
    "PromptShowing",
    "RequiredCheck",
    "ScheduleKind",
    "ShowingSource",
    "Source",
    "TranscriptionCheck",
    "Visit",
]
