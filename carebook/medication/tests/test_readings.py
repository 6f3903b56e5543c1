"""Readings can stop a dose (ADR 0017): the prescriber's limits decide give, do not give, or give and tell someone.

Addie (Ada Lovelace) takes digoxin, "do not give if pulse below 60", and insulin glargine, "below 4 mmol/L follow
the hypoglycaemia plan, do not give; above 20 mmol/L give it and tell the GP". Carla the carer records her doses;
Sam the senior enters the prescriptions and Tia the team leader checks them.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, DueDose, Prescription, PromptAnswer
from carebook.medication.pdf import render_mar_pdf_html
from carebook.medication.rules.readings import ReadingOutsideLimits
from carebook.medication.selectors.mar import mar_chart, mar_chart_as_json
from carebook.medication.services.administrations import administration_record
from carebook.medication.vocab import ReadingAction, ReadingDecision
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 5, tzinfo=dt.UTC)  # 08:05 BST, the morning round
PULSE_RULE = rules.ReadingRule("pulse", below=Decimal(60), below_action=ReadingAction.WITHHOLD, plan="Tell the GP.")
GLUCOSE_RULE = rules.ReadingRule(
    "blood_glucose",
    below=Decimal(4),
    below_action=ReadingAction.WITHHOLD,
    above=Decimal(20),
    above_action=ReadingAction.GIVE_AND_TELL,
    plan="Follow the hypoglycaemia plan.",
)
HYPO_PLAN = "Below 4 mmol/L: follow the hypoglycaemia plan in the care plan and call the GP."


def walked(check: str, value: str | None = None, *, result: str = "confirmed", note: str = "") -> list[rules.Answer]:
    """Every check confirmed, and the reading as the carer entered it."""
    answers = [rules.Answer(p, "confirmed") for p in rules.BASE_PROMPTS]
    answers.append(rules.Answer(check, result, Decimal(value) if value is not None else None, note))
    return answers


# --- The rule, pure -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "check", "value", "decision"),
    [
        (PULSE_RULE, "pulse", "59.9", ReadingDecision.WITHHOLD),
        (PULSE_RULE, "pulse", "60", ReadingDecision.GIVE),  # "below 60" gives at 60
        (PULSE_RULE, "pulse", "140", ReadingDecision.GIVE),  # no upper limit written
        (GLUCOSE_RULE, "blood_glucose", "3.9", ReadingDecision.WITHHOLD),
        (GLUCOSE_RULE, "blood_glucose", "4", ReadingDecision.GIVE),
        (GLUCOSE_RULE, "blood_glucose", "20", ReadingDecision.GIVE),
        (GLUCOSE_RULE, "blood_glucose", "20.1", ReadingDecision.GIVE_AND_TELL),
    ],
)
def test_a_reading_decides_by_the_prescribers_limits(rule, check, value, decision):
    verdict = rules.decide(rule, check=check, value=Decimal(value))
    assert verdict is not None and verdict.decision == decision


def test_no_limits_decide_nothing_and_a_rule_is_only_for_its_own_reading():
    assert rules.decide(None, check="pulse", value=Decimal(40)) is None
    assert rules.decide(PULSE_RULE, check="blood_glucose", value=Decimal(2)) is None


def test_the_rule_and_the_decision_in_words():
    assert PULSE_RULE.lines() == ["Do not give if pulse below 60 beats per minute"]
    assert GLUCOSE_RULE.lines() == [
        "Do not give if blood glucose below 4 mmol/L",
        "If blood glucose above 20 mmol/L, give it and tell someone",
    ]
    low = rules.decide(PULSE_RULE, check="pulse", value=Decimal(52))
    assert low is not None and low.message == "Pulse 52 beats per minute is below 60: do not give."
    high = rules.decide(GLUCOSE_RULE, check="blood_glucose", value=Decimal("22.5"))
    assert high is not None and high.message == "Blood glucose 22.5 mmol/L is above 20: give it, and tell someone."


limits = st.decimals(min_value=Decimal(20), max_value=Decimal(250), places=1)
actions = st.sampled_from(list(ReadingAction))


@given(
    below=st.none() | limits,
    below_action=actions,
    above=st.none() | limits,
    above_action=actions,
    value=st.decimals(min_value=Decimal(20), max_value=Decimal(300), places=1),
)
def test_a_dose_is_never_given_when_a_do_not_give_limit_is_crossed(below, below_action, above, above_action, value):
    if below is not None and above is not None and above <= below:
        return
    rule = rules.ReadingRule("pulse", below, below_action if below else "", above, above_action if above else "", "x")
    verdict = rules.decide(rule, check="pulse", value=value)
    crossed = None  # the oracle: the first limit the reading is beyond, and its action
    if below is not None and value < below:
        crossed = below_action
    elif above is not None and value > above:
        crossed = above_action
    if not rule.has_limits:
        assert verdict is None
        return
    assert verdict is not None
    if crossed is None:
        assert verdict.decision == ReadingDecision.GIVE
    else:
        expected = ReadingDecision.WITHHOLD if crossed == ReadingAction.WITHHOLD else ReadingDecision.GIVE_AND_TELL
        assert verdict.decision == expected
    try:
        rules.check_readings(rule, [rules.Answer("pulse", "confirmed", value)], taken=True)
        refused = False
    except ReadingOutsideLimits:
        refused = True
    assert refused == (verdict.decision == ReadingDecision.WITHHOLD)


@pytest.mark.parametrize(
    ("rule", "field", "says"),
    [
        (
            rules.ReadingRule("", below=Decimal(60), below_action="withhold", plan="x"),
            "required_check",
            "need a reading",
        ),
        (rules.ReadingRule("pulse", below=Decimal(60), plan="x"), "reading_below_action", "do not give, or give"),
        (rules.ReadingRule("pulse", below_action="withhold", plan="x"), "reading_below", "leave the action empty"),
        (rules.ReadingRule("pulse", below=Decimal(60), below_action="withhold"), "reading_plan", "Copy what"),
        (rules.ReadingRule("pulse", below=Decimal(600), below_action="withhold", plan="x"), "reading_below", "between"),
        (rules.ReadingRule("pulse", below=Decimal("60.25"), below_action="withhold", plan="x"), "reading_below", "one"),
        (
            rules.ReadingRule("blood_glucose", Decimal(10), "withhold", Decimal(4), "give_and_tell", "x"),
            "reading_above",
            "more than the lower",
        ),
        (rules.ReadingRule("pulse", plan="Tell the GP"), "reading_below", "limit the plan applies to"),
    ],
)
def test_a_rule_is_entered_whole_or_refused_on_its_field(rule, field, says):
    with pytest.raises(ValidationFailed) as refused:
        rules.check_rule(rule)
    assert refused.value.field == field and says in refused.value.message


def test_a_reading_no_person_could_have_is_taken_again_not_judged():
    with pytest.raises(ValidationFailed) as refused:
        rules.check_readings(PULSE_RULE, [rules.Answer("pulse", "confirmed", Decimal(600))], taken=False)
    assert refused.value.field == "prompts.pulse" and "cannot be right" in refused.value.message


def test_the_refusal_gives_the_plan_and_what_to_record_instead():
    with pytest.raises(ReadingOutsideLimits) as refused:
        rules.check_readings(GLUCOSE_RULE, walked("blood_glucose", "3.2"), taken=True)
    message = refused.value.message
    assert message.startswith("Blood glucose 3.2 mmol/L is below 4: do not give.")
    assert "The prescriber's plan: Follow the hypoglycaemia plan." in message and "“Not required”" in message
    assert refused.value.field == "outcome" and refused.value.details["decision"] == "withhold"


def test_a_skipped_reading_stays_allowed_and_decides_nothing():
    assert rules.check_readings(PULSE_RULE, walked("pulse", result="skipped", note="Asleep"), taken=True) == {}


# --- Recording: the service ----------------------------------------------------------------------------


@pytest.fixture
def digoxin(world):
    medicine = MedicineFactory(name="Digoxin", strength="125 micrograms", required_check="pulse")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            directions="Take ONE tablet each morning. Do not give if pulse below 60.",
            reading_below="60",
            reading_below_action="withhold",
            reading_plan="Tell the senior on shift and the GP surgery the same day.",
        )


@pytest.fixture
def glargine(world):
    medicine = MedicineFactory(name="Insulin glargine", dose_unit="unit", form="injection")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            dose_min="16",
            directions="Inject 16 units each morning.",
            required_check="blood_glucose",
            reading_below="4",
            reading_below_action="withhold",
            reading_above="20",
            reading_above_action="give_and_tell",
            reading_plan=HYPO_PLAN,
        )


def todays(rx) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=MORNING.date())


def test_a_limit_on_a_medicine_that_asks_for_the_reading_names_that_reading_on_the_prescription(digoxin):
    assert (
        digoxin.required_check == "pulse"
    )  # the medicine asked for it; the row now says which reading its limits are for
    assert digoxin.reading_rule == rules.ReadingRule(
        "pulse", Decimal(60), "withhold", None, "", "Tell the senior on shift and the GP surgery the same day."
    )


@time_machine.travel(MORNING, tick=False)
def test_carla_cannot_record_digoxin_as_given_when_addies_pulse_is_52(world, digoxin):
    dose = todays(digoxin)
    with pytest.raises(ReadingOutsideLimits) as refused:
        administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=walked("pulse", "52"))
    assert "Pulse 52 beats per minute is below 60: do not give." in refused.value.message
    assert "Tell the senior on shift and the GP surgery the same day." in refused.value.message
    assert not Administration.objects.exists() and not AuditEvent.objects.filter(action="administration.recorded")

    record = administration_record(
        by=world.carla,
        due_dose=dose,
        outcome="not_required",
        prompts=walked("pulse", "52"),
        reason="Pulse 52: withheld. Told Sam and the surgery.",
    ).administration
    pulse = PromptAnswer.objects.get(administration=record, prompt="pulse")
    assert pulse.value == Decimal(52) and pulse.decision == ReadingDecision.WITHHOLD
    event = AuditEvent.objects.get(action="administration.recorded")
    assert {"prompt": "pulse", "result": "confirmed", "value": "52", "note": "", "decision": "withhold"} in event.after[
        "prompts"
    ]


@time_machine.travel(MORNING, tick=False)
def test_a_high_glucose_is_given_and_the_record_says_someone_must_be_told(world, glargine):
    record = administration_record(
        by=world.carla,
        due_dose=todays(glargine),
        outcome="given",
        prompts=walked("blood_glucose", "22.4"),
        site="Left abdomen",
    ).administration
    assert PromptAnswer.objects.get(administration=record, prompt="blood_glucose").decision == "give_and_tell"


@time_machine.travel(MORNING, tick=False)
def test_a_reading_in_range_is_kept_with_its_decision_and_one_without_limits_with_none(world, digoxin):
    record = administration_record(
        by=world.carla, due_dose=todays(digoxin), outcome="given", prompts=walked("pulse", "72")
    ).administration
    assert PromptAnswer.objects.get(administration=record, prompt="pulse").decision == ReadingDecision.GIVE
    plain = prescribe(world.bert, MedicineFactory(required_check="pulse"), by=world.sam, checker=world.tia)
    other = administration_record(
        by=world.carla, due_dose=todays(plain), outcome="given", prompts=walked("pulse", "44")
    ).administration
    assert PromptAnswer.objects.get(administration=other, prompt="pulse").decision == ""


@time_machine.travel(MORNING, tick=False)
def test_a_pulse_not_taken_with_a_note_still_allows_the_dose_as_today(world, digoxin):
    prompts = walked("pulse", result="skipped", note="Could not find a pulse: senior to check")
    record = administration_record(by=world.carla, due_dose=todays(digoxin), outcome="given", prompts=prompts)
    assert PromptAnswer.objects.get(administration=record.administration, prompt="pulse").decision == ""


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize(
    ("prompt", "result", "value"),
    [("consent", "confirmed", None), ("pulse", "skipped", None), ("pulse", "confirmed", None)],
)
def test_the_database_keeps_a_decision_only_on_a_reading_taken(world, digoxin, prompt, result, value):
    asleep = administration_record(
        by=world.carla,
        due_dose=todays(digoxin),
        outcome="asleep",
        prompts=[rules.Answer("right_person", "confirmed")],
        reason="Asleep",
    ).administration
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptAnswer.objects.create(
            administration=asleep,
            position=5,
            prompt=prompt,
            result=result,
            value=value,
            answered_at=MORNING,
            decision="withhold",
        )


@pytest.mark.parametrize(
    "broken",
    [
        {"reading_below_action": ""},  # a limit without its action
        {"reading_plan": ""},  # limits without the plan
        {"reading_above": Decimal(50), "reading_above_action": "give_and_tell"},  # upper below lower
        {"required_check": "", "medicine_id": None},  # limits on no reading
    ],
)
def test_the_database_holds_a_rule_whole_whatever_wrote_it(world, digoxin, broken):
    fields = {f.attname: getattr(digoxin, f.attname) for f in Prescription._meta.concrete_fields if f.attname != "id"}
    if broken.pop("medicine_id", False) is None:
        fields["medicine_id"] = MedicineFactory(required_check="").pk
    fields.update(broken)
    with pytest.raises(IntegrityError), transaction.atomic():
        Prescription.objects.create(**fields)


# --- Entering the limits: the form and the API ------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_sam_enters_digoxins_pulse_limit_on_the_form_and_it_shows_on_the_prescription(client, world):
    medicine = MedicineFactory(name="Digoxin", required_check="pulse")
    client.force_login(world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    form = client.get(url).content.decode()
    assert 'id="reading_below"' in form and 'id="reading_below_action-0"' in form and 'id="reading_plan"' in form
    body = {
        "medicine_id": medicine.pk,
        "dose_min": "1",
        "directions": "ONE each morning. Do not give if pulse below 60.",
        "schedule_kind": "fixed_times",
        "time_1": "08:00",
        "start_date": "2026-06-10",
        "prescriber": "Dr Khan",
        "source": "gp",
        "reading_below": "60",
        "reading_below_action": "withhold",
        "reading_above_action": "give_and_tell",  # chosen, but no upper limit typed: ignored, as the page says
    }
    missing_plan = client.post(url, body)
    assert missing_plan.status_code == 422 and 'href="#reading_plan"' in missing_plan.content.decode()
    saved = client.post(url, {**body, "reading_plan": "Tell the GP the same day."})
    assert saved.status_code == 302
    page = client.get(saved["Location"]).content.decode()
    assert "Do not give if pulse below 60 beats per minute. Tell the GP the same day." in page


def test_the_api_takes_the_limits_refuses_a_half_rule_and_gives_them_back(world):
    medicine = MedicineFactory(name="Bisoprolol")
    api = api_as(world.sam)
    body = {
        "medicine_id": medicine.pk,
        "dose_min": "1",
        "directions": "ONE daily. Do not give if systolic BP below 100.",
        "times": ["08:00"],
        "prescriber": "Dr Khan",
        "required_check": "blood_pressure",
        "reading_below": "100",
    }
    half = api.post(f"/people/{world.ada.pk}/prescriptions", body)
    assert half.status_code == 422 and half.json()["field"] == "reading_below_action"
    body |= {"reading_below_action": "withhold", "reading_plan": "Tell the GP."}
    made = api.post(f"/people/{world.ada.pk}/prescriptions", body)
    assert made.status_code == 201, made.content
    assert made.json()["reading_limits"] == {
        "check": "blood_pressure",
        "unit": "mmHg (systolic)",
        "below": "100",
        "below_action": "withhold",
        "above": None,
        "above_action": "",
        "plan": "Tell the GP.",
        "lines": ["Do not give if systolic blood pressure below 100 mmHg (systolic)"],
    }


def test_the_openapi_documents_the_limits_and_the_decision(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert {"reading_below", "reading_below_action", "reading_above", "reading_plan"} <= set(
        schemas["PrescriptionIn"]["properties"]
    )
    assert "reading_limits" in schemas["PrescriptionOut"]["properties"]
    assert {"decision", "unit", "reading_text"} <= set(schemas["PromptAnswerOut"]["properties"])


# --- Recording: the page and the API ------------------------------------------------------------------


def _page_body(value: str, outcome: str, **extra: str) -> dict[str, str]:
    body = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("pulse")}
    return {**body, "prompt_pulse_value": value, "outcome": outcome, **extra}


@time_machine.travel(MORNING, tick=False)
def test_the_recording_page_states_the_limit_and_tells_carla_the_decision_before_saving(client, world, digoxin):
    client.force_login(world.carla)
    url = reverse("medication:record_dose", args=[todays(digoxin).pk])
    html = client.get(url).content.decode()
    assert "Do not give if pulse below 60 beats per minute." in html
    assert "Tell the senior on shift and the GP surgery the same day." in html

    # Without JavaScript: "Check the reading" posts the page; it comes back with the decision, nothing saved.
    checked = client.post(url, {**_page_body("52", ""), "check_reading": "pulse"})
    page = checked.content.decode()
    assert checked.status_code == 200 and 'data-reading-decision="withhold"' in page
    assert "Pulse 52 beats per minute is below 60: do not give." in page and "There is a problem" not in page
    # With JavaScript: htmx asks with the reading alone, and swaps in the same box.
    hint = client.get(url, {"check_reading": "pulse", "prompt_pulse_value": "75"}, headers={"HX-Request": "true"})
    assert 'data-reading-decision="give"' in hint.content.decode()
    assert not Administration.objects.exists()

    refused = client.post(url, _page_body("52", "given"))
    page = refused.content.decode()
    assert refused.status_code == 422 and 'href="#outcome"' in page
    assert "Pulse 52 beats per minute is below 60: do not give." in page and "“Not required”" in page
    assert not Administration.objects.exists()

    saved = client.post(url, _page_body("52", "not_required", reason="Pulse 52: withheld, told Sam and the GP."))
    assert saved.status_code == 302
    after = client.get(saved["Location"]).content.decode()
    assert "Withheld on the prescriber&#x27;s instruction. Pulse 52 beats per minute: below 60, do not give." in after


@time_machine.travel(MORNING, tick=False)
def test_the_api_refuses_a_given_dose_below_the_limit_and_shows_every_reading_with_its_unit(world, digoxin):
    api = api_as(world.carla)
    prompts = [
        {"prompt": a.prompt, "result": a.result, "value": str(a.value) if a.value else None}
        for a in walked("pulse", "52")
    ]
    dose = str(todays(digoxin).pk)
    refused = api.post("/administrations", {"due_dose_id": dose, "outcome": "given", "prompts": prompts})
    assert refused.status_code == 422
    assert refused.json()["code"] == "reading_outside_limits" and refused.json()["field"] == "outcome"
    body = {"due_dose_id": dose, "outcome": "not_required", "prompts": prompts, "reason": "Pulse 52"}
    made = api.post("/administrations", body)
    assert made.status_code == 201, made.content
    record = api.get(f"/administrations/{made.json()['id']}").json()
    pulse = next(p for p in record["prompts"] if p["prompt"] == "pulse")
    assert pulse["value"] == "52" and pulse["unit"] == "beats per minute" and pulse["decision"] == "withhold"
    assert pulse["reading_text"] == "Pulse 52 beats per minute: below 60, do not give"
    consent = next(p for p in record["prompts"] if p["prompt"] == "consent")
    assert consent["decision"] is None and consent["unit"] == "" and consent["reading_text"] == ""


# --- Every reading visible where its record is ------------------------------------------------------------


@pytest.fixture
def withheld_and_told(world, digoxin, glargine):
    with time_machine.travel(MORNING, tick=False):
        administration_record(
            by=world.carla,
            due_dose=todays(digoxin),
            outcome="not_required",
            prompts=walked("pulse", "52"),
            reason="Pulse 52: withheld.",
        )
        administration_record(
            by=world.carla,
            due_dose=todays(glargine),
            outcome="given",
            prompts=walked("blood_glucose", "22.4"),
            site="Left abdomen",
        )


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_addies_page_shows_each_reading_with_its_unit_and_decision(client, world, withheld_and_told):
    client.force_login(world.carla)
    html = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "Pulse 52 beats per minute: below 60, do not give" in html and "Withheld: reading outside the limits" in html
    assert "Blood glucose 22.4 mmol/L: above 20, give and tell someone" in html and "tell someone</strong>" in html


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_the_mar_shows_the_readings_in_the_cell_the_list_the_json_and_the_pdf(client, world, withheld_and_told):
    chart = mar_chart(world.ada, MORNING.date())
    assert [r.text for e in chart.readings for r in e.readings] == [
        "Pulse 52 beats per minute: below 60, do not give",
        "Blood glucose 22.4 mmol/L: above 20, give and tell someone",
    ]
    digoxin_row = next(rx for rx in chart.prescriptions if rx.medicine_name == "Digoxin")
    assert digoxin_row.reading_limits.startswith("Do not give if pulse below 60 beats per minute.")
    cell = next(c for row in digoxin_row.rows for c in row.cells if c.entries)
    assert "Pulse 52 beats per minute: below 60, do not give" in cell.entries[0].description

    client.force_login(world.carla)
    html = client.get(reverse("medication:mar", args=[world.ada.pk]), {"month": "2026-06"}).content.decode()
    assert (
        'data-testid="mar-readings"' in html
        and "<strong>Pulse 52 beats per minute: below 60, do not give</strong>" in html
    )
    body = json.loads(json.dumps(mar_chart_as_json(chart)))
    assert body["readings"][0]["readings"][0]["decision"] == "withhold"
    assert body["readings"][0]["readings"][0]["unit"] == "beats per minute"
    api = api_as(world.carla).get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"}).json()
    assert api["readings"][1]["readings"][0]["text"] == "Blood glucose 22.4 mmol/L: above 20, give and tell someone"
    pdf_html = render_mar_pdf_html(chart)
    assert "Readings before doses" in pdf_html and "Pulse 52 beats per minute: below 60, do not give" in pdf_html
    # In the cell too, beside the mark: bold when outside the prescriber's limits, and in the key.
    assert 'data-testid="mar-cell-reading">P 52</abbr>' in html and "cb-mar-reading--outside" in html
    assert "<strong>P 52</strong>" in pdf_html
    assert next(k for k in chart.key if k.symbol == "P 68").used


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_the_correction_page_shows_the_reading_of_the_record_being_corrected(client, world, withheld_and_told):
    record = Administration.objects.get(prescription__medicine__name="Digoxin")
    client.force_login(world.sam)
    html = client.get(reverse("medication:administration_entered_in_error", args=[record.pk])).content.decode()
    assert "Pulse 52 beats per minute: below 60, do not give" in html
