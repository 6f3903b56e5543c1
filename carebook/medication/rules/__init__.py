"""Clinical rules as pure functions over plain values. No ORM, no clock (the caller passes ``now``).

Each refusal is a DomainError with a stable code, a plain-English message and, where it helps the
carer, the time the dose becomes allowed. The modules:

- ``schedules``: which days and times a prescription's doses fall on;
- ``windows``: a dose's window, the rounds and the care day, a dose's status, the PRN follow-up;
- ``prn``: the minimum interval and the 24-hour maximum of when-required medicines;
- ``prompts``: the safety prompts and whether their answers allow the outcome;
- ``witness``: controlled-drug witnessing;
- ``readings``: the prescriber's limits for a reading, and what a reading decides (give, do not give, tell);
- ``lifecycle``: which statuses of a prescription allow each change;
- ``recording``: every check a record must pass, composed (``check_record``, ``offer_refusal``).

The names below are the rules' public surface: ``from carebook.medication import rules``, then ``rules.X``.
"""

from carebook.medication.rules.lifecycle import OPEN_STATUSES, Change, lifecycle_allows, statuses_allowing
from carebook.medication.rules.prn import (
    PRN_HISTORY,
    MaxDailyDoseReached,
    PrnDose,
    PrnLimits,
    TooSoon,
    check_prn,
    prn_next_allowed,
    prn_refusal,
)
from carebook.medication.rules.prompts import Answer, check_prompt_answers, check_reason, prompts_for
from carebook.medication.rules.readings import (
    ReadingOutsideLimits,
    ReadingRule,
    ReadingVerdict,
    check_readings,
    check_rule,
    decide,
)
from carebook.medication.rules.recording import (
    CLOCK_SKEW_ALLOWED,
    LATE_ENTRY_LIMIT,
    AlreadyRecorded,
    PrescriptionFacts,
    PrescriptionNotActive,
    RecordContext,
    RecordDecision,
    RecordedBy,
    Recording,
    SlotFacts,
    TranscriptionCheckRequired,
    check_dose_quantity,
    check_record,
    nothing_recordable,
    offer_refusal,
    prescription_refusal,
    prn_next_allowed_for,
    when_given,
)
from carebook.medication.rules.schedules import Schedule, Slot, parse_times, schedule_occurs_on, scheduled_slots
from carebook.medication.rules.windows import (
    DAY_STARTS,
    DEFAULT_WINDOW,
    FOLLOW_UP_AFTER,
    FOLLOW_UP_WINDOW,
    ROUNDS,
    TIME_CRITICAL_WINDOW,
    NotYetDue,
    RoundDefinition,
    care_day,
    care_day_of_slot,
    check_not_too_early,
    current_round,
    dose_status,
    dose_status_label,
    dose_window,
    follow_up_state,
    minutes_late,
    not_yet_due,
    round_for_time,
    timing_of,
    window_bounds,
)
from carebook.medication.rules.witness import (
    WITNESSED_OUTCOMES,
    WitnessFacts,
    WitnessRequired,
    check_witness,
    check_witness_eligible,
)
from carebook.medication.vocab import BASE_PROMPTS, READING_PROMPTS

__all__ = [
    "BASE_PROMPTS",
    "CLOCK_SKEW_ALLOWED",
    "DAY_STARTS",
    "DEFAULT_WINDOW",
    "FOLLOW_UP_AFTER",
    "FOLLOW_UP_WINDOW",
    "LATE_ENTRY_LIMIT",
    "OPEN_STATUSES",
    "PRN_HISTORY",
    "READING_PROMPTS",
    "ROUNDS",
    "TIME_CRITICAL_WINDOW",
    "WITNESSED_OUTCOMES",
    "AlreadyRecorded",
    "Answer",
    "Change",
    "MaxDailyDoseReached",
    "NotYetDue",
    "PrescriptionFacts",
    "PrescriptionNotActive",
    "PrnDose",
    "PrnLimits",
    "ReadingOutsideLimits",
    "ReadingRule",
    "ReadingVerdict",
    "RecordContext",
    "RecordDecision",
    "RecordedBy",
    "Recording",
    "RoundDefinition",
    "Schedule",
    "Slot",
    "SlotFacts",
    "TooSoon",
    "TranscriptionCheckRequired",
    "WitnessFacts",
    "WitnessRequired",
    "care_day",
    "care_day_of_slot",
    "check_dose_quantity",
    "check_not_too_early",
    "check_prn",
    "check_prompt_answers",
    "check_readings",
    "check_reason",
    "check_record",
    "check_rule",
    "check_witness",
    "check_witness_eligible",
    "current_round",
    "decide",
    "dose_status",
    "dose_status_label",
    "dose_window",
    "follow_up_state",
    "lifecycle_allows",
    "minutes_late",
    "not_yet_due",
    "nothing_recordable",
    "offer_refusal",
    "parse_times",
    "prescription_refusal",
    "prn_next_allowed",
    "prn_next_allowed_for",
    "prn_refusal",
    "prompts_for",
    "round_for_time",
    "schedule_occurs_on",
    "scheduled_slots",
    "statuses_allowing",
    "timing_of",
    "when_given",
    "window_bounds",
]
