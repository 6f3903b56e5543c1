"""The safety prompts before a dose: which are shown, and whether the answers allow the outcome chosen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.errors import ValidationFailed
from carebook.medication.vocab import (
    BASE_PROMPTS,
    LABEL_PROMPTS,
    PERSON_PROMPTS,
    READING_PROMPTS,
    Outcome,
    Prompt,
    PromptResult,
)


def prompts_for(required_check: str) -> tuple[str, ...]:
    """The prompts shown before a dose, in order: the seven rights, then the prescription's reading."""
    return BASE_PROMPTS + ((required_check,) if required_check else ())


@dataclass(frozen=True)
class Answer:
    prompt: str
    result: str  # a PromptResult
    value: Decimal | None = None
    note: str = ""
    answered_at: dt.datetime | None = None  # the server's time of the tap, where the page reported it


def prompt_names(prompts: Sequence[str]) -> str:
    """The checks in words, for a message: "right medicine, right dose"."""
    return ", ".join(Prompt.label_of(p).split(":")[0].lower() for p in prompts)


LABEL_DOES_NOT_MATCH = "The label does not match this record."


def one_pass_walk(
    *,
    person: Sequence[Answer],
    label: str,
    label_at: dt.datetime | None = None,
    reading: Answer | None = None,
) -> list[Answer]:
    """One medicine's walk in a pass per person (ADR 0036): the answers stored with its record.

    - ``person``: the checks that belong to the person (``PERSON_PROMPTS``), answered once for the visit, each with
      its own time; every medicine of the visit stores them as they were given.
    - ``label``: one look at the medicine's label, confirmed ("Label checked": right medicine, dose, time and
      route, each stored as confirmed at the time of that look) or failed ("does not match": right medicine failed,
      and the walk stops there), or "" (not answered: nothing stored, so a taken outcome is refused).
    - ``reading``: the medicine's reading (pulse, glucose, blood pressure), if it asks for one.

    ``check_prompt_answers`` then judges the walk exactly as it judges one walked prompt by prompt.
    """
    for answer in person:
        if answer.prompt not in PERSON_PROMPTS:
            raise ValidationFailed(f'"{answer.prompt}" is not a check of the person.', field="prompts")
    walk = list(person)
    if label == PromptResult.CONFIRMED:
        walk += [Answer(prompt=p, result=PromptResult.CONFIRMED, answered_at=label_at) for p in LABEL_PROMPTS]
    elif label == PromptResult.FAILED:
        walk.append(
            Answer(
                prompt=Prompt.RIGHT_MEDICINE,
                result=PromptResult.FAILED,
                note=LABEL_DOES_NOT_MATCH,
                answered_at=label_at,
            )
        )
    elif label:
        raise ValidationFailed(f'"{label}" is not an answer: use confirmed or failed.', field="label")
    if reading is not None:
        walk.append(reading)
    return walk


def check_prompt_answers(*, required: Sequence[str], answers: Sequence[Answer], outcome: str, taken: bool) -> None:
    """The prompts must be walked before an outcome is chosen.

    - A taken outcome needs every prompt answered; none may have failed, and
      only a reading (pulse, glucose, BP) may be skipped, with a note why.
    - A confirmed reading needs its value.
    - A failed prompt stops the dose: only a not-given outcome may follow.
    - A not-given outcome needs the prompts up to the one that stopped it; the
      right-person prompt is always required.
    """
    by_prompt: dict[str, Answer] = {}
    for answer in answers:
        if answer.prompt not in required:
            raise ValidationFailed(f'"{answer.prompt}" is not a check for this dose.', field="prompts")
        if answer.prompt in by_prompt:
            raise ValidationFailed(f'"{answer.prompt}" was answered twice.', field="prompts")
        if answer.result not in PromptResult.values:
            raise ValidationFailed(
                f'"{answer.result}" is not an answer: use confirmed, failed or skipped.', field="prompts"
            )
        if answer.result == PromptResult.CONFIRMED and answer.prompt in READING_PROMPTS and answer.value is None:
            raise ValidationFailed("Enter the reading you took.", field=f"prompts.{answer.prompt}")
        if answer.result == PromptResult.SKIPPED and answer.prompt not in READING_PROMPTS:
            raise ValidationFailed(
                "This check cannot be skipped: confirm it, or say it failed and record why the dose was not given.",
                field=f"prompts.{answer.prompt}",
            )
        if answer.result == PromptResult.SKIPPED and not answer.note.strip():
            raise ValidationFailed("Say why the reading was not taken.", field=f"prompts.{answer.prompt}")
        by_prompt[answer.prompt] = answer

    failed = [p for p in required if p in by_prompt and by_prompt[p].result == PromptResult.FAILED]
    if taken:
        if failed:  # first: a check that failed says more than one not reached after it
            raise ValidationFailed(
                f"The check '{prompt_names(failed[:1])}' failed, so the dose cannot be recorded as given. "
                "Choose a not-given outcome and say why.",
                field="outcome",
            )
        missing = [p for p in required if p not in by_prompt]
        if missing:
            raise ValidationFailed(
                "Complete every safety check before recording the dose as given: " + prompt_names(missing) + ".",
                field="prompts",
                missing=missing,
            )
        return
    # Not given: the walk must reach the point where it stopped.
    if Prompt.RIGHT_PERSON not in by_prompt:
        raise ValidationFailed("Confirm who the person is before recording an outcome.", field="prompts.right_person")
    if failed:
        stop = required.index(failed[0])
        missing = [p for p in required[:stop] if p not in by_prompt]
        if missing:
            raise ValidationFailed(
                "Answer the checks before the one that failed: " + prompt_names(missing) + ".",
                field="prompts",
                missing=missing,
            )


def check_reason(*, outcome: str, taken: bool, reason: str) -> None:
    if not taken and not reason.strip():
        raise ValidationFailed("Say in words why the dose was not given.", field="reason")
    if outcome == Outcome.GIVEN_PARTIAL and not reason.strip():
        raise ValidationFailed("Say why a partial or different dose was given.", field="reason")
