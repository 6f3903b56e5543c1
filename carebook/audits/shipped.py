"""The three audits Carebook ships, written from good UK practice (NICE SC1 "Managing medicines in care homes",
NICE NG67 for home care, the CQC's expectations of medicines governance): the team leader's daily medicines
audit, the registered manager's weekly medicines audit and the monthly safety-prompt compliance review.

A provider edits them as new versions (``services.template_version_add``); these words are only the first
version. ``evidence`` names the governance figure shown beside a question for the audit's period
(``carebook.reports.figures``; "audits_on_time" is this app's own).
"""

from __future__ import annotations

from dataclasses import dataclass

from carebook.audits.vocab import AnswerType, ConductedBy, Frequency


@dataclass(frozen=True)
class ShippedQuestion:
    text: str
    guidance: str = ""
    answer_type: str = AnswerType.YES_NO
    no_needs_action: bool = False
    evidence: str = ""


@dataclass(frozen=True)
class ShippedTemplate:
    key: str
    title: str
    purpose: str
    frequency: str
    conducted_by: str
    grace_days: int
    questions: tuple[ShippedQuestion, ...]


Q = ShippedQuestion

DAILY = ShippedTemplate(
    key="daily",
    title="Daily medicines audit",
    purpose=(
        "The team leader's check, at the end of each day or the next morning, that every medicine due was given "
        "or has the right code and a reason, that what went wrong was followed up, and that the records were made "
        "at the time."
    ),
    frequency=Frequency.DAILY,
    conducted_by=ConductedBy.TEAM_LEADER,
    grace_days=1,
    questions=(
        Q(
            "Every dose due on the day has an outcome recorded on the MAR: there are no gaps.",
            "Open the omissions beside this question: a dose with no record after its window is a gap. Find out "
            "whether it was given; a late entry, or an incident, follows.",
            no_needs_action=True,
            evidence="omissions",
        ),
        Q(
            "Doses not given carry the right code, with a reason where one is needed.",
            "Refused, asleep, nausea, not available, hospital, leave: the code says why. 'Other' needs a note.",
            no_needs_action=True,
            evidence="omissions",
        ),
        Q(
            "Refusals were offered again or escalated as the person's care plan says.",
            "A refusal of a time-critical medicine, or a second refusal in a row, needs advice from the GP or "
            "pharmacist.",
            no_needs_action=True,
            evidence="refusals",
        ),
        Q(
            "When-required (PRN) doses have the reason given and the effect recorded.",
            "Each PRN dose should say why it was given and, later, whether it worked.",
            no_needs_action=True,
            evidence="prn_given",
        ),
        Q(
            "Records were made at the time; late entries say why.",
            "A record written more than an hour after the dose is a late entry.",
            no_needs_action=True,
            evidence="late_entries",
        ),
        Q(
            "Safety prompts were confirmed before each dose, and any skipped or failed were followed up.",
            "Identity, medicine, dose, time, route, allergies and the readings a medicine needs.",
            no_needs_action=True,
            evidence="prompt_compliance",
        ),
        Q(
            "Every alert of the day was acknowledged in time and has an outcome or is being followed.",
            "Open the alerts dashboard: overdue and missed doses, refusals, prompts, readings.",
            no_needs_action=True,
            evidence="alert_acknowledged_minutes",
        ),
        Q(
            "Controlled drugs given were witnessed, and the register balance agrees with the stock.",
            "Count the stock of each controlled drug given today against the register.",
            no_needs_action=True,
        ),
        Q(
            "How many doses needed advice from a GP, pharmacist or NHS 111 today?",
            "A count; write 0 if none.",
            answer_type=AnswerType.NUMBER,
        ),
        Q(
            "Anything else seen (storage, fridge temperatures, stock running low).",
            "Write 'None' if nothing.",
            answer_type=AnswerType.TEXT,
        ),
    ),
)

WEEKLY = ShippedTemplate(
    key="weekly",
    title="Weekly medicines audit",
    purpose=(
        "The registered manager's review of the week: that the daily audits were done and acted on, how doses "
        "were given against the weeks before, and that incidents and corrective actions are moving."
    ),
    frequency=Frequency.WEEKLY,
    conducted_by=ConductedBy.REGISTERED_MANAGER,
    grace_days=3,
    questions=(
        Q(
            "The week's daily audits were all completed on time, and their findings have actions.",
            "Beside: the share of audits due this week signed by their due day.",
            no_needs_action=True,
            evidence="audits_on_time",
        ),
        Q(
            "On-time administration held at the home's usual level; any fall has been looked into.",
            "Compare with the weeks before on the governance dashboard.",
            no_needs_action=True,
            evidence="on_time_rate",
        ),
        Q(
            "Omissions were investigated and, where a dose was missed, reported as an incident.",
            no_needs_action=True,
            evidence="omissions",
        ),
        Q(
            "Repeated refusals were reviewed with the person, their family or advocate, and the prescriber.",
            no_needs_action=True,
            evidence="refusals",
        ),
        Q(
            "When-required use was reviewed: each has a protocol and use follows it.",
            "Frequent use may mean a regular medicine is needed: ask for a review.",
            no_needs_action=True,
            evidence="prn_given",
        ),
        Q(
            "New and changed prescriptions were entered and checked by a second trained person.",
            "The transcription check: no dose may be given from an unchecked entry.",
            no_needs_action=True,
        ),
        Q(
            "The controlled drugs register was checked: every balance agrees with the stock.",
            no_needs_action=True,
        ),
        Q(
            "The week's medication incidents have immediate actions and are being investigated.",
            no_needs_action=True,
            evidence="incidents",
        ),
        Q(
            "Corrective actions due by now are completed.",
            "Overdue actions are listed beside.",
            no_needs_action=True,
            evidence="overdue_actions",
        ),
        Q(
            "How many medicines were sampled in this week's stock check?",
            "A count of the medicines whose stock you counted against the records.",
            answer_type=AnswerType.NUMBER,
        ),
    ),
)

MONTHLY_PROMPTS = ShippedTemplate(
    key="monthly_prompts",
    title="Monthly safety-prompt compliance review",
    purpose=(
        "The registered manager's monthly look at whether the safety checks before each dose are being done: "
        "compliance against the month before, who needs support, and whether a prompt or a procedure should change."
    ),
    frequency=Frequency.MONTHLY,
    conducted_by=ConductedBy.REGISTERED_MANAGER,
    grace_days=7,
    questions=(
        Q(
            "Safety-prompt compliance for the month is at or above the home's expected level.",
            "Beside: prompts confirmed of prompts shown, including walks stopped or abandoned.",
            no_needs_action=True,
            evidence="prompt_compliance",
        ),
        Q(
            "Staff with repeated skipped or failed prompts have had supervision, clarification or retraining.",
            "Open the compliance page by member of staff.",
            no_needs_action=True,
            evidence="prompt_compliance",
        ),
        Q(
            "Doses recorded without their full prompts were reviewed and the reasons are understood.",
            no_needs_action=True,
            evidence="prompt_compliance",
        ),
        Q(
            "Compliance improved on (or held at) the month before.",
            "The governance dashboard shows the period beside the previous one.",
            no_needs_action=True,
        ),
        Q(
            "Actions from earlier reviews are complete.",
            no_needs_action=True,
            evidence="overdue_actions",
        ),
        Q(
            "Prompts most often skipped, and what will change (the prompt, the procedure, the training).",
            "Write 'None' if none stands out.",
            answer_type=AnswerType.TEXT,
        ),
    ),
)

SHIPPED: tuple[ShippedTemplate, ...] = (DAILY, WEEKLY, MONTHLY_PROMPTS)
