"""The words of medicines administration, spelled once.

Every outcome, prompt, status and kind the medication app stores or decides on is declared here, with
the sets of them the rules reason about (which outcomes mean the person took the medicine, which a
controlled drug's witness must see). Models take their choices and their CHECK constraints from these,
the rules compare against them, the API schemas list them. No ORM: the rules import this module.
"""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class Outcome(Vocabulary):
    """The fixed internal set of administration outcomes (a provider maps its own MAR letters onto it)."""

    GIVEN = "given", "Given"
    GIVEN_PARTIAL = "given_partial", "Given, partial or different dose"
    SELF_ADMINISTERED = "self_administered", "Self-administered"
    GIVEN_BY_FAMILY = "given_by_family", "Given by family"
    REFUSED = "refused", "Refused (will offer again)"
    REFUSED_NOT_OFFERED_AGAIN = "refused_final", "Refused (will not offer again)"
    REFUSED_DESTROYED = "refused_destroyed", "Refused and destroyed"
    NAUSEA_VOMITING = "nausea_vomiting", "Nausea or vomiting"
    ASLEEP = "asleep", "Asleep (will offer again)"
    IN_HOSPITAL = "in_hospital", "In hospital"
    SOCIAL_LEAVE = "social_leave", "On social leave"
    DESTROYED = "destroyed", "Destroyed or spoilt"
    NOT_REQUIRED = "not_required", "Not required"
    NOT_AVAILABLE = "not_available", "Not available (out of stock)"
    PAPER_MAR = "paper_mar", "Paper MAR used"
    OTHER = "other", "Other (reason required)"


# The person took the medicine.
TAKEN: frozenset[str] = frozenset(
    {Outcome.GIVEN, Outcome.GIVEN_PARTIAL, Outcome.SELF_ADMINISTERED, Outcome.GIVEN_BY_FAMILY}
)
NOT_GIVEN: frozenset[str] = frozenset(o for o in Outcome if o not in TAKEN)

# Outcomes of a controlled drug that a second member of staff must witness: every dose that left the
# cupboard for the person (given, partial, self-administered under staff supervision) and every dose
# destroyed. "Given by family" (home care only) is the family's act: no staff witness can be present.
WITNESSED: frozenset[str] = frozenset(
    {Outcome.GIVEN, Outcome.GIVEN_PARTIAL, Outcome.SELF_ADMINISTERED, Outcome.REFUSED_DESTROYED, Outcome.DESTROYED}
)

# The outcomes after which a due dose is offered again (once): the record waits as "offer again" (ADR 0034).
OFFER_AGAIN_OUTCOMES: frozenset[str] = frozenset({Outcome.REFUSED, Outcome.ASLEEP})

# "Given by family" is for people supported at home.
HOME_CARE_ONLY: frozenset[str] = frozenset({Outcome.GIVEN_BY_FAMILY})

# The default key printed on the MAR chart. A given dose shows the initials of who gave it.
MAR_CODES: dict[str, str] = {
    Outcome.GIVEN: "",
    Outcome.GIVEN_PARTIAL: "P",
    Outcome.SELF_ADMINISTERED: "SA",
    Outcome.GIVEN_BY_FAMILY: "F",
    Outcome.REFUSED: "R",
    Outcome.REFUSED_NOT_OFFERED_AGAIN: "RX",
    Outcome.REFUSED_DESTROYED: "RD",
    Outcome.NAUSEA_VOMITING: "N",
    Outcome.ASLEEP: "S",
    Outcome.IN_HOSPITAL: "H",
    Outcome.SOCIAL_LEAVE: "L",
    Outcome.DESTROYED: "D",
    Outcome.NOT_REQUIRED: "NR",
    Outcome.NOT_AVAILABLE: "NA",
    Outcome.PAPER_MAR: "PM",
    Outcome.OTHER: "O",
}


class Prompt(Vocabulary):
    RIGHT_PERSON = "right_person", "Right person: picture and name match"
    RIGHT_MEDICINE = "right_medicine", "Right medicine: the label matches"
    RIGHT_DOSE = "right_dose", "Right dose"
    RIGHT_TIME = "right_time", "Right time: not too soon, not already given"
    RIGHT_ROUTE = "right_route", "Right route"
    ALLERGIES = "allergies", "Allergies checked"
    CONSENT = "consent", "The person agrees to take it"
    PULSE = "pulse", "Pulse taken"
    BLOOD_GLUCOSE = "blood_glucose", "Blood glucose taken"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure taken"


# The checks before every dose, in the order they are shown.
BASE_PROMPTS: tuple[str, ...] = (
    Prompt.RIGHT_PERSON,
    Prompt.RIGHT_MEDICINE,
    Prompt.RIGHT_DOSE,
    Prompt.RIGHT_TIME,
    Prompt.RIGHT_ROUTE,
    Prompt.ALLERGIES,
    Prompt.CONSENT,
)
READING_PROMPTS: frozenset[str] = frozenset({Prompt.PULSE, Prompt.BLOOD_GLUCOSE, Prompt.BLOOD_PRESSURE})
# One pass per person (ADR 0036): the checks that belong to the person, answered once for the visit, and those that
# belong to the medicine, answered for each by one look at its label. Every answer is still stored per medicine.
PERSON_PROMPTS: tuple[str, ...] = (Prompt.RIGHT_PERSON, Prompt.ALLERGIES, Prompt.CONSENT)
LABEL_PROMPTS: tuple[str, ...] = (Prompt.RIGHT_MEDICINE, Prompt.RIGHT_DOSE, Prompt.RIGHT_TIME, Prompt.RIGHT_ROUTE)


class PromptResult(Vocabulary):
    CONFIRMED = "confirmed", "Confirmed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class RequiredCheck(Vocabulary):
    """A clinical reading taken before the dose (the prescription may also ask for one)."""

    NONE = "", "None"
    PULSE = "pulse", "Pulse (beats per minute)"
    BLOOD_GLUCOSE = "blood_glucose", "Blood glucose (mmol/L)"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure (systolic, mmHg)"


READING_UNITS: dict[str, str] = {
    RequiredCheck.PULSE: "beats per minute",
    RequiredCheck.BLOOD_GLUCOSE: "mmol/L",
    RequiredCheck.BLOOD_PRESSURE: "mmHg (systolic)",
}


class MedicineForm(Vocabulary):
    TABLET = "tablet", "Tablet"
    CAPSULE = "capsule", "Capsule"
    LIQUID = "liquid", "Oral liquid"
    PATCH = "patch", "Transdermal patch"
    INHALER = "inhaler", "Inhaler"
    CREAM = "cream", "Cream or ointment"
    INJECTION = "injection", "Injection"
    DROPS = "drops", "Drops"
    SACHET = "sachet", "Sachet"


class OldPatch(Vocabulary):
    """What happened to the old patch when a new one went on (rules.sites)."""

    REMOVED = "removed", "Taken off"
    NOT_FOUND = "not_found", "Not found on the skin"


class ApplyHow(Vocabulary):
    """How thickly a cream or ointment goes on (rules.sites, the topical's prescription)."""

    THIN = "thin", "A thin layer, rubbed in gently"
    FINGERTIP = "fingertip", "Fingertip units, as the directions say"
    LIBERAL = "liberal", "Liberally (an emollient), smoothed on in the direction of hair growth"


# Creams and ointments record where they went (the prescription's areas).
TOPICAL_FORMS: frozenset[str] = frozenset({MedicineForm.CREAM})
# Patches and injections record (and rotate) their site.
SITE_RECORDED_FORMS: frozenset[str] = frozenset({MedicineForm.PATCH, MedicineForm.INJECTION})
# Schedule 2 and 3 controlled drugs are witnessed by a second trained member of staff.
WITNESSED_CD_SCHEDULES: frozenset[int] = frozenset({2, 3})


class ScheduleKind(Vocabulary):
    FIXED_TIMES = "fixed_times", "Every day at set times"
    DAYS_OF_WEEK = "days_of_week", "On set days of the week"
    EVERY_N_DAYS = "every_n_days", "Every N days (e.g. weekly, 72-hour patch)"
    PRN = "prn", "When required (PRN)"


class Source(Vocabulary):
    GP = "gp", "GP prescription"
    HOSPITAL_DISCHARGE = "hospital_discharge", "Hospital discharge"
    HOMELY_REMEDY = "homely_remedy", "Homely remedy"


class PrescriptionStatus(Vocabulary):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    DISCONTINUED = "discontinued", "Discontinued"
    SUPERSEDED = "superseded", "Replaced by a newer version"


class PrescriptionEventKind(Vocabulary):
    CREATED = "created", "Entered"
    CHANGED = "changed", "Replaced by a new version"
    TRANSCRIPTION_CHECKED = "transcription_checked", "Transcription checked"
    # The checker sends an entry back to the person who entered it (H07): a query asks a question and leaves the
    # check possible once answered; a rejection blocks the check until a corrected version replaces it.
    TRANSCRIPTION_QUERIED = "transcription_queried", "Transcription queried"
    TRANSCRIPTION_REJECTED = "transcription_rejected", "Transcription rejected"
    SUSPENDED = "suspended", "Suspended"
    RESUMED = "resumed", "Resumed"
    DISCONTINUED = "discontinued", "Discontinued"


class DoseState(Vocabulary):
    """Whether a due dose (a MAR slot) is waiting, has its effective record, or was withdrawn."""

    PENDING = "pending", "Due"
    RECORDED = "recorded", "Recorded"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DoseStatus(Vocabulary):
    """A due dose as the round and the person's page show it, at a moment."""

    LATER = "later", "Later"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    OFFER_AGAIN = "offer_again", "Offer again"  # refused or asleep, to be offered again by a time (ADR 0034)
    GIVEN = "given", "Given"
    NOT_GIVEN = "not_given", "Not given"


PENDING_STATUSES: frozenset[str] = frozenset(
    {DoseStatus.LATER, DoseStatus.DUE, DoseStatus.OVERDUE, DoseStatus.OFFER_AGAIN}
)


class AdministrationStatus(Vocabulary):
    COMPLETED = "completed", "Recorded"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
    # Not the dose's outcome yet: refused or asleep, to be offered again (issue 8). The dose stays on the round;
    # the outcome of the second offer is the dose's one completed record, and this one stays in its history.
    OFFER_AGAIN = "offer_again", "To offer again"


# The records that stand (not entered in error): a dose's outcome, and a refusal waiting to be offered again.
STANDING_STATUSES: tuple[str, ...] = (AdministrationStatus.COMPLETED, AdministrationStatus.OFFER_AGAIN)


class LateDoseChoice(Vocabulary):
    """What is done when a late dose, given now, would fall too close to the next dose (``rules.late``)."""

    MOVE_NEXT = "move_next", "Give it now, and move the next dose later"
    OMIT_NEXT = "omit_next", "Give it now, and do not give the next dose"
    OMIT_THIS = "omit_this", "Do not give this dose: omit it"


# The choices that give the late dose (the person takes it now).
LATE_CHOICES_GIVING: frozenset[str] = frozenset({LateDoseChoice.MOVE_NEXT, LateDoseChoice.OMIT_NEXT})


class FollowUpEffect(Vocabulary):
    EFFECTIVE = "effective", "Worked"
    PARTLY = "partly", "Partly worked"
    NOT_EFFECTIVE = "not_effective", "Did not work"


# --- Readings that can stop a dose (ADR 0017) --------------------------------------------------------


class ReadingAction(Vocabulary):
    """What the prescriber says to do when a reading is beyond one of their limits."""

    WITHHOLD = "withhold", "Do not give"
    GIVE_AND_TELL = "give_and_tell", "Give, and tell someone"


class ReadingDecision(Vocabulary):
    """What a reading meant for its dose, decided from the prescription's limits and kept with the answer.

    Blank (no decision) for a prescription without limits, a reading not taken, or a check that is not a reading.
    """

    GIVE = "give", "Within the prescribed limits: give"
    WITHHOLD = "withhold", "Outside the prescribed limits: do not give"
    GIVE_AND_TELL = "give_and_tell", "Outside the prescribed limits: give, and tell someone"


# The short name of each reading, for a sentence ("Do not give if pulse below 60 beats per minute").
READING_NAMES: dict[str, str] = {
    RequiredCheck.PULSE: "pulse",
    RequiredCheck.BLOOD_GLUCOSE: "blood glucose",
    RequiredCheck.BLOOD_PRESSURE: "systolic blood pressure",
}


class VisitLabel(Vocabulary):
    """The home-care visits of a day (ADR 0038); "other" is a visit at set times of its own."""

    MORNING = "morning", "Morning"
    LUNCH = "lunch", "Lunch"
    TEA = "tea", "Tea"
    BED = "bed", "Bed"
    OTHER = "other", "Other"
