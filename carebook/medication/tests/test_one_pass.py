"""One pass per person (ADR 0036): the person's checks once for the visit, then each medicine's label and outcome;
every answer stored per medicine with its time; all of the pass or none of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import NotFound, ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine, PromptAnswer
from carebook.medication.selectors.round import OWN_PAGE_WITNESS, person_pass
from carebook.medication.services.administrations import (
    PassDoseRecording,
    PassRefused,
    doses_record_in_one_pass,
)
from carebook.medication.vocab import BASE_PROMPTS, LABEL_PROMPTS, PERSON_PROMPTS
from carebook.people.namesakes import Names, namesakes_of, shared_name
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
MINUTE = dt.timedelta(minutes=1)


def person_yes(at: dt.datetime | None = None) -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed", answered_at=at) for p in PERSON_PROMPTS]


# --- The rule -----------------------------------------------------------------------------------------------------


def test_the_person_and_label_checks_are_the_seven_rights_between_them():
    assert set(PERSON_PROMPTS) | set(LABEL_PROMPTS) == set(BASE_PROMPTS)
    assert not set(PERSON_PROMPTS) & set(LABEL_PROMPTS)


def test_a_label_checked_confirms_the_four_checks_of_the_medicine_at_the_time_of_the_look():
    at = MORNING + 2 * MINUTE
    walk = rules.one_pass_walk(person=person_yes(MORNING), label="confirmed", label_at=at)
    assert [a.prompt for a in walk] == [*PERSON_PROMPTS, *LABEL_PROMPTS]
    assert {a.answered_at for a in walk if a.prompt in LABEL_PROMPTS} == {at}
    rules.check_prompt_answers(required=rules.prompts_for(""), answers=walk, outcome="given", taken=True)


def test_a_label_that_does_not_match_stops_the_walk_at_the_right_medicine():
    walk = rules.one_pass_walk(person=person_yes(), label="failed")
    failed = [a for a in walk if a.result == "failed"]
    assert [(a.prompt, a.note) for a in failed] == [("right_medicine", rules.LABEL_DOES_NOT_MATCH)]
    with pytest.raises(ValidationFailed) as err:
        rules.check_prompt_answers(required=rules.prompts_for(""), answers=walk, outcome="given", taken=True)
    assert err.value.field == "outcome"
    rules.check_prompt_answers(required=rules.prompts_for(""), answers=walk, outcome="refused", taken=False)


def test_no_label_look_leaves_a_given_outcome_refused_in_words():
    walk = rules.one_pass_walk(person=person_yes(), label="")
    with pytest.raises(ValidationFailed) as err:
        rules.check_prompt_answers(required=rules.prompts_for(""), answers=walk, outcome="given", taken=True)
    assert "right medicine, right dose, right time, right route" in err.value.message
    assert err.value.details["missing"] == list(LABEL_PROMPTS)


def test_only_the_person_s_checks_are_answered_once_for_the_visit():
    with pytest.raises(ValidationFailed):
        rules.one_pass_walk(person=[rules.Answer("right_dose", "confirmed")], label="confirmed")


@pytest.mark.parametrize(
    ("a", "b", "shares"),
    [
        (Names("Ada", "Lovelace"), Names("Ada", "Lovelace"), "the same name"),
        (Names("Ada", "Lovelace"), Names("Bert", "lovelace "), "the same surname"),
        (Names("Ada", "Lovelace", "Addie"), Names("Addie", "Jones"), "the same first name"),
        (Names("Élise", "Brun"), Names("élise", "Noir"), "the same first name"),
        (Names("Ada", "Lovelace"), Names("Bert", "Jones"), ""),
    ],
)
def test_two_people_share_a_name(a, b, shares):
    assert shared_name(a, b) == shares


def test_namesakes_are_looked_for_in_the_person_s_own_unit(world):
    twin = PersonFactory(location=world.home, unit=world.rowan, given_name="Ada", family_name="Byron", room="9")
    PersonFactory(location=world.home, unit=world.willow, given_name="Ada", family_name="Lovelace")  # another unit
    found = namesakes_of(world.ada)
    assert [(n.full_name, n.shares) for n in found] == [(twin.full_name, "the same first name")]
    assert found[0].text == "Ada Byron (room 9) has the same first name"


# --- The service --------------------------------------------------------------------------------------------------


@pytest.fixture
def morning(world):
    """Addie has three medicines due at 08:00: two tablets and one that asks for her pulse first."""
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rxs = [
            prescribe(world.ada, MedicineFactory(name="Amlodipine", strength="5 mg"), by=world.sam, checker=world.tia),
            prescribe(world.ada, MedicineFactory(name="Sertraline", strength="50 mg"), by=world.sam, checker=world.tia),
            prescribe(
                world.ada,
                MedicineFactory(name="Digoxin", strength="125 micrograms"),
                by=world.sam,
                checker=world.tia,
                required_check="pulse",
            ),
        ]
    return [DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10)) for rx in rxs]


def given(dose: DueDose, *, label_at: dt.datetime | None = None, **fields: object) -> PassDoseRecording:
    return PassDoseRecording(due_dose_id=dose.pk, outcome="given", label="confirmed", label_at=label_at, **fields)


def pulse(value: str = "72") -> rules.Answer:
    return rules.Answer("pulse", "confirmed", value=Decimal(value))


def test_a_pass_records_each_medicine_with_the_person_s_checks_and_its_own_label(world, morning):
    amlodipine, sertraline, digoxin = morning
    start = MORNING + 2 * MINUTE
    with time_machine.travel(MORNING + 6 * MINUTE, tick=False):
        written = doses_record_in_one_pass(
            by=world.carla,
            person=world.ada,
            person_answers=person_yes(start),
            doses=[
                given(amlodipine, label_at=MORNING + 3 * MINUTE),
                PassDoseRecording(
                    due_dose_id=sertraline.pk, outcome="refused", label="confirmed", reason="Said she felt sick"
                ),
                given(digoxin, reading=pulse()),
            ],
        )
    assert [a.outcome for a in written] == ["given", "refused", "given"]
    assert written[1].status == Administration.Status.OFFER_AGAIN  # a refusal waits to be offered again
    for admin in written:
        assert admin.recorded_by == world.carla and admin.recorded_at == MORNING + 6 * MINUTE
        answers = {a.prompt: a for a in PromptAnswer.objects.filter(administration=admin)}
        assert {answers[p].answered_at for p in PERSON_PROMPTS} == {start}  # once for the visit, stored on each
        assert AuditEvent.objects.filter(action="administration.recorded", entity_id=str(admin.pk)).count() == 1
    first = {a.prompt: a.answered_at for a in PromptAnswer.objects.filter(administration=written[0])}
    assert {first[p] for p in LABEL_PROMPTS} == {MORNING + 3 * MINUTE}  # the time of the look at this label
    assert PromptAnswer.objects.get(administration=written[2], prompt="pulse").value == Decimal("72")


def test_one_medicine_refused_and_nothing_of_the_pass_is_written(world, morning):
    amlodipine, sertraline, digoxin = morning
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False), pytest.raises(PassRefused) as err:
        doses_record_in_one_pass(
            by=world.carla,
            person=world.ada,
            person_answers=person_yes(),
            doses=[
                given(amlodipine),
                PassDoseRecording(due_dose_id=sertraline.pk, outcome="refused", label="confirmed"),  # no reason
                given(digoxin),  # no pulse
            ],
        )
    told = {(r.due_dose_id, r.field) for r in err.value.refusals}
    assert told == {(sertraline.pk, "reason"), (digoxin.pk, "prompts")}  # every refusal, not only the first
    assert not Administration.objects.filter(person=world.ada).exists()
    assert not AuditEvent.objects.filter(action="administration.recorded").exists()
    assert set(DueDose.objects.filter(pk__in=[d.pk for d in morning]).values_list("state", flat=True)) == {"pending"}


def test_right_person_not_confirmed_refuses_every_medicine(world, morning):
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False), pytest.raises(PassRefused) as err:
        doses_record_in_one_pass(
            by=world.carla, person=world.ada, person_answers=[], doses=[given(d) for d in morning[:2]]
        )
    assert {r.field for r in err.value.refusals} == {"prompts"}
    assert {r.details["missing"][0] for r in err.value.refusals} == {"right_person"}


def test_another_person_s_dose_is_not_found_and_nothing_is_written(world, morning):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.bert, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    berts = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False), pytest.raises(NotFound):
        doses_record_in_one_pass(
            by=world.carla, person=world.ada, person_answers=person_yes(), doses=[given(morning[0]), given(berts)]
        )
    assert not Administration.objects.exists()


def test_a_dose_already_recorded_is_told_beside_it(world, morning):
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        doses_record_in_one_pass(by=world.sam, person=world.ada, person_answers=person_yes(), doses=[given(morning[0])])
        with pytest.raises(PassRefused) as err:
            doses_record_in_one_pass(
                by=world.carla, person=world.ada, person_answers=person_yes(), doses=[given(morning[0])]
            )
    assert err.value.refusals[0].code == "already_recorded" and "Sam Senior" in err.value.message


def test_an_empty_pass_or_a_dose_twice_is_refused(world, morning):
    with pytest.raises(ValidationFailed):
        doses_record_in_one_pass(by=world.carla, person=world.ada, person_answers=person_yes(), doses=[])
    with pytest.raises(ValidationFailed):
        doses_record_in_one_pass(
            by=world.carla, person=world.ada, person_answers=person_yes(), doses=[given(morning[0])] * 2
        )


def test_a_controlled_drug_goes_to_its_own_page_and_the_pass_refuses_it_without_a_witness(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Oxycodone", form=Medicine.Form.CAPSULE, controlled_drug_schedule=2),
            by=world.sam,
            checker=world.tia,
        )
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        view = person_pass(person=world.ada, round_name="morning")
        assert [(d.view.medicine, d.own_page) for d in view.elsewhere] == [(str(rx.medicine), OWN_PAGE_WITNESS)]
        with pytest.raises(PassRefused) as err:
            doses_record_in_one_pass(by=world.carla, person=world.ada, person_answers=person_yes(), doses=[given(dose)])
    assert err.value.refusals[0].field == "witness"


# --- The page -----------------------------------------------------------------------------------------------------


def url(person) -> str:
    return reverse("medication:person_pass", args=[person.pk])


def test_the_page_shows_the_person_once_and_each_medicine_due(client, world, morning):
    client.force_login(world.carla)
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        response = client.get(url(world.ada) + "?round=morning")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="pass-dose"') == 3
    assert html.count('name="prompt_right_person"') == 2  # yes and no, once for the visit
    assert "Is this Ada Lovelace?" in html and "Does Addie agree to take their medicines?" in html
    assert f'name="reading-{morning[2].pk}"' in html  # the pulse, on the digoxin card only
    assert " checked>" not in html  # nothing safety-relevant is pre-ticked


def test_posting_the_pass_records_and_returns_to_the_person_on_the_round(client, world, morning):
    client.force_login(world.carla)
    data = {"round": "morning", **{f"prompt_{p}": "confirmed" for p in PERSON_PROMPTS}}
    for dose in morning:
        data[f"label-{dose.pk}"] = "confirmed"
        data[f"outcome-{dose.pk}"] = "given"
    data[f"reading-{morning[2].pk}"] = "64"
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        response = client.post(url(world.ada), data, follow=True)
    assert response.redirect_chain[-1][0].endswith(f"#person-{world.ada.pk}")
    assert Administration.objects.effective().filter(person=world.ada, outcome="given").count() == 3
    html = response.content.decode()
    assert "Given: Amlodipine 5 mg tablet for Addie, 08:00 dose." in html


def test_a_refused_pass_keeps_what_was_typed_and_says_which_medicine(client, world, morning):
    client.force_login(world.carla)
    data = {"round": "morning", **{f"prompt_{p}": "confirmed" for p in PERSON_PROMPTS}}
    data[f"label-{morning[0].pk}"] = "confirmed"
    data[f"outcome-{morning[0].pk}"] = "given"
    data[f"outcome-{morning[1].pk}"] = "refused"  # no reason
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        response = client.post(url(world.ada), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert f'href="#reason-{morning[1].pk}"' in html and "Sertraline 50 mg tablet: Say in words why" in html
    assert f'id="reason-{morning[1].pk}-error"' in html
    given_radio = f'id="outcome-{morning[0].pk}" name="outcome-{morning[0].pk}" type="radio" value="given"'
    assert f'{given_radio} data-taken="true" checked>' in html
    assert not Administration.objects.exists()


def test_nothing_chosen_is_a_clear_error(client, world, morning):
    client.force_login(world.carla)
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        response = client.post(url(world.ada), {"round": "morning"})
    assert response.status_code == 422 and "Choose what happened to at least one medicine." in response.content.decode()


def test_a_person_out_of_scope_is_not_found(client, world):
    client.force_login(world.carla)
    assert client.get(url(world.stranger)).status_code == 404
    assert client.post(url(world.stranger), {}).status_code == 404


def test_the_round_card_opens_the_pass(client, world, morning):
    client.force_login(world.carla)
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        html = client.get(reverse("medication:round", args=[world.home.pk]) + "?round=morning").content.decode()
    assert "Start Addie's medicines (3 now)" in html and url(world.ada) in html


def test_a_tap_is_timed_by_the_server(client, world, morning):
    client.force_login(world.carla)
    answer = url(world.ada) + "answer/"
    with time_machine.travel(MORNING + 2 * MINUTE, tick=False):
        assert client.post(answer, {"prompt": "right_person", "result": "confirmed"}).status_code == 204
        assert client.post(answer, {"prompt": f"label:{morning[0].pk}", "result": "confirmed"}).status_code == 204
        assert client.post(answer, {"prompt": "right_dose", "result": "confirmed"}).status_code == 422
    data = {"round": "morning", **{f"prompt_{p}": "confirmed" for p in PERSON_PROMPTS}}
    data[f"label-{morning[0].pk}"] = "confirmed"
    data[f"outcome-{morning[0].pk}"] = "given"
    with time_machine.travel(MORNING + 9 * MINUTE, tick=False):
        client.post(url(world.ada), data)
    answers = dict(PromptAnswer.objects.values_list("prompt", "answered_at"))
    assert answers["right_person"] == answers["right_medicine"] == MORNING + 2 * MINUTE
    assert answers["consent"] == MORNING + 9 * MINUTE  # not reported: timed when saved


def test_the_pass_page_reads_the_same_number_of_queries_for_two_medicines_or_six(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.carla)
    counts = []
    for extra in (2, 4):
        with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
            for i in range(extra):
                prescribe(world.ada, MedicineFactory(name=f"Tablet {extra}-{i}"), by=world.sam, checker=world.tia)
        with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
            client.get(url(world.ada) + "?round=morning")  # the first look writes the showings
            with CaptureQueriesContext(connection) as queries:
                html = client.get(url(world.ada) + "?round=morning").content.decode()
        counts.append(len(queries))
        assert html.count('data-testid="pass-dose"') == (2 if extra == 2 else 6)
    assert counts[0] == counts[1], counts


def test_each_record_of_the_pass_is_linked_to_the_prompts_shown(client, world, morning):
    from carebook.medication.models import PromptShowing

    client.force_login(world.carla)
    with time_machine.travel(MORNING + 2 * MINUTE, tick=False):
        client.get(url(world.ada) + "?round=morning")
        client.get(url(world.ada) + "?round=morning")  # a second look opens no second walk
    assert PromptShowing.objects.filter(source="page").count() == 3
    data = {"round": "morning", **{f"prompt_{p}": "confirmed" for p in PERSON_PROMPTS}}
    data[f"label-{morning[0].pk}"] = "confirmed"
    data[f"outcome-{morning[0].pk}"] = "given"
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        client.post(url(world.ada), data)
    admin = Administration.objects.get()
    assert PromptShowing.objects.get(due_dose=morning[0]).administration == admin
    assert PromptShowing.objects.filter(administration__isnull=True).count() == 2  # still open for the other two


def test_the_round_card_and_the_dose_page_warn_of_a_similar_name(client, world, morning):
    PersonFactory(location=world.home, unit=world.rowan, given_name="Adam", family_name="Lovelace", room="3")
    client.force_login(world.carla)
    with time_machine.travel(MORNING + 5 * MINUTE, tick=False):
        round_html = client.get(reverse("medication:round", args=[world.home.pk]) + "?round=morning").content.decode()
        dose_html = client.get(reverse("medication:record_dose", args=[morning[0].pk])).content.decode()
    warning = "Adam Lovelace (room 3) has the same surname"
    assert warning in round_html and warning in dose_html
