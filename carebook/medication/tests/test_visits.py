"""Home care in visits (ADR 0038, H68): the office plans visits on a care worker's run; the run lists them in order
with the medicines due in each; the key-safe note is for the care worker on the visit only; a visit closes only
when every medicine due in it has an outcome."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.access.models import Role
from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.medication import rules
from carebook.medication.models import DueDose, Visit
from carebook.medication.selectors.visits import run_for
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.visits import visit_close, visit_plan
from carebook.organisations.models import Location
from carebook.testing.factories import LocationFactory, MedicineFactory, PersonFactory, UserFactory, prescribe

DAY = dt.date(2026, 12, 4)
PLANNING = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
MORNING = dt.datetime(2026, 12, 4, 8, 30, tzinfo=dt.UTC)  # GMT: 08:30


@pytest.fixture
def branch(world):
    branch = LocationFactory(provider=world.provider, name="Oakfield at Home", kind=Location.Kind.HOME_CARE)
    hana = UserFactory(username="hana", full_name="Hana Ahmed", initials="HA", role=Role.CARE_WORKER, at=branch)
    harry = UserFactory(username="harry", full_name="Harry Walsh", initials="HW", role=Role.CARE_WORKER, at=branch)
    ravi = UserFactory(username="ravi", full_name="Ravi Patel", initials="RP", role=Role.SENIOR_CARER, at=branch)
    chloe = UserFactory(username="chloe", full_name="Chloe Morgan", initials="CM", role=Role.COORDINATOR, at=branch)
    edna = PersonFactory(
        location=branch, given_name="Edna", family_name="Price", room="12 Mill Lane", key_safe_note="Key safe 4471"
    )
    with time_machine.travel(PLANNING, tick=False):
        rx = prescribe(edna, MedicineFactory(name="Amlodipine"), by=ravi, checker=ravi_checker(branch))
    return {"branch": branch, "hana": hana, "harry": harry, "ravi": ravi, "chloe": chloe, "edna": edna, "rx": rx}


def ravi_checker(branch):
    return UserFactory(role=Role.TEAM_LEADER, at=branch)


def plan(b, *, who="hana", by="chloe", label="morning", start=dt.time(8), end=dt.time(9, 30), person=None, date=DAY):
    with time_machine.travel(PLANNING, tick=False):
        return visit_plan(
            by=b[by],
            person=person or b["edna"],
            assigned_to=b[who],
            date=date,
            label=label,
            window_start=start,
            window_end=end,
        )


def answers() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def test_a_visit_is_planned_on_a_care_workers_run_audited(world, branch):
    visit = plan(branch)
    assert (visit.assigned_to, visit.planned_by, visit.planned_at) == (branch["hana"], branch["chloe"], PLANNING)
    assert visit.window_start == dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(action="visit.planned", actor=branch["chloe"]).count() == 1


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"by": "hana"}, PermissionDenied, None),  # a care worker does not plan the runs
        ({"start": dt.time(10), "end": dt.time(9)}, ValidationFailed, "window_end"),
        ({"start": None}, ValidationFailed, "window_start"),
        ({"label": "brunch"}, ValidationFailed, "label"),
        ({"date": DAY + dt.timedelta(days=60)}, ValidationFailed, "date"),
        ({"who": "chloe"}, ValidationFailed, "assigned_to"),  # a coordinator records no medicines
    ],
)
def test_a_refused_plan_writes_nothing(world, branch, change, error, field):
    before = (Visit.objects.count(), AuditEvent.objects.count())
    with pytest.raises(error) as err:
        plan(branch, **change)
    if field:
        assert err.value.field == field
    assert (Visit.objects.count(), AuditEvent.objects.count()) == before


def test_no_visits_in_a_care_home_nor_for_someone_out_of_scope(world, branch):
    with pytest.raises(ValidationFailed):
        plan({**branch, "tia": world.tia}, by="tia", person=world.ada, who="hana")
    other = PersonFactory(location=world.elsewhere)
    with pytest.raises(NotFound):
        plan(branch, person=other)
    with pytest.raises(ValidationFailed) as err:  # a worker of another location
        plan({**branch, "carla": world.carla}, who="carla")
    assert err.value.field == "assigned_to"


def dose_at_eight(b) -> DueDose:
    return DueDose.objects.get(prescription=b["rx"], local_date=DAY)


def test_a_visit_closes_only_when_every_medicine_in_it_has_an_outcome(world, branch):
    visit = plan(branch)
    with time_machine.travel(MORNING, tick=False):
        with pytest.raises(PermissionDenied):
            visit_close(by=branch["harry"], visit=visit)  # not his visit
        before = AuditEvent.objects.count()
        with pytest.raises(ValidationFailed) as err:
            visit_close(by=branch["hana"], visit=visit)
        assert err.value.code == "visit_outcomes_missing" and "Amlodipine" in err.value.message
        assert "08:00" in err.value.message
        assert AuditEvent.objects.count() == before and Visit.objects.get().closed_at is None
        # Edna's daughter gave it before Hana came: recorded as such, then the visit closes.
        administration_record(
            by=branch["hana"],
            due_dose=dose_at_eight(branch),
            outcome="given_by_family",
            prompts=answers(),
            reason="Her daughter gave it at 07:45",
        )
        closed = visit_close(by=branch["hana"], visit=visit)
        assert (closed.closed_by, closed.closed_at) == (branch["hana"], MORNING)
        with pytest.raises(Conflict):
            visit_close(by=branch["ravi"], visit=visit)


def test_a_refusal_to_offer_again_is_not_an_outcome_to_leave_on(world, branch):
    visit = plan(branch)
    with time_machine.travel(MORNING, tick=False):
        administration_record(
            by=branch["hana"], due_dose=dose_at_eight(branch), outcome="refused", prompts=answers(), reason="Not now"
        )
        with pytest.raises(ValidationFailed):
            visit_close(by=branch["hana"], visit=visit)


def test_the_run_is_in_order_with_each_visits_medicines_and_the_key_safe_for_its_worker_only(world, branch):
    bed = plan(branch, label="bed", start=dt.time(20), end=dt.time(21))
    morning = plan(branch)
    lunch = plan(branch, label="lunch", start=dt.time(12), end=dt.time(13))
    with time_machine.travel(MORNING, tick=False):
        visits = run_for(worker=branch["hana"], date=DAY, viewer=branch["hana"])
        assert [v.visit for v in visits] == [morning, lunch, bed]
        assert [d.medicine for d in visits[0].doses] == ["Amlodipine 500 mg tablet"]
        assert visits[1].doses == [] and visits[0].key_safe_note == "Key safe 4471"
        as_senior = run_for(worker=branch["hana"], date=DAY, viewer=branch["ravi"])
        assert all(v.key_safe_note == "" for v in as_senior)  # the address, as a planner (people.whereabouts)
        as_harry = run_for(worker=branch["hana"], date=DAY, viewer=branch["harry"])
        assert all(v.key_safe_note == "" and v.address == "" for v in as_harry)
        assert visits[0].address == "12 Mill Lane"
        # Not on another day's run either.
        tomorrow = plan(branch, date=DAY + dt.timedelta(days=1))
        assert run_for(worker=branch["hana"], date=tomorrow.date, viewer=branch["hana"])[0].key_safe_note == ""


def test_the_run_costs_the_same_queries_for_more_visits(world, branch):
    plan(branch)
    with time_machine.travel(MORNING, tick=False), CaptureQueriesContext(connection) as few:
        run_for(worker=branch["hana"], date=DAY, viewer=branch["hana"])
    for n in range(5):
        person = PersonFactory(location=branch["branch"], given_name=f"P{n}")
        with time_machine.travel(PLANNING, tick=False):
            prescribe(person, MedicineFactory(), by=branch["ravi"], checker=ravi_checker(branch["branch"]))
        plan(branch, person=person, start=dt.time(8, n), end=dt.time(9, 30))
    with time_machine.travel(MORNING, tick=False), CaptureQueriesContext(connection) as many:
        assert len(run_for(worker=branch["hana"], date=DAY, viewer=branch["hana"])) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The pages ----------------------------------------------------------------------------------------------------


def test_pages_a_worker_lands_on_their_run_and_closes_a_visit(client, world, branch):
    visit = plan(branch)
    with time_machine.travel(MORNING, tick=False):
        client.force_login(branch["hana"])
        assert client.get(reverse("medication:round_start"))["Location"] == reverse("medication:run")
        run = unescape(client.get(reverse("medication:run")).content.decode())
        assert "Your run" in run and "12 Mill Lane" in run and "Key safe 4471" in run
        page = unescape(client.get(reverse("medication:visit", args=[visit.pk])).content.decode())
        assert "Start Edna's medicines (1 now)" in page and f"visit={visit.pk}" in page
        refused = client.post(reverse("medication:visit_close", args=[visit.pk]))
        assert refused.status_code == 422 and "Amlodipine" in unescape(refused.content.decode())
        client.force_login(branch["harry"])
        other = unescape(client.get(reverse("medication:visit", args=[visit.pk])).content.decode())
        assert "Key safe 4471" not in other and "12 Mill Lane" not in other  # not his visit
        assert client.post(reverse("medication:visit_close", args=[visit.pk])).status_code == 403
        client.force_login(world.otto)
        assert client.get(reverse("medication:visit", args=[visit.pk])).status_code == 404


def test_the_visit_page_says_whether_it_is_closed_and_how_many_medicines_lack_an_outcome(client, world, branch):
    visit = plan(branch)
    url = reverse("medication:visit", args=[visit.pk])
    with time_machine.travel(MORNING, tick=False):
        client.force_login(branch["chloe"])  # the office, following a "visit not closed" alert
        page = unescape(client.get(url).content.decode())
        assert "Not closed yet</strong>: 1 medicine without an outcome." in page
        administration_record(by=branch["hana"], due_dose=dose_at_eight(branch), outcome="given", prompts=answers())
        page = unescape(client.get(url).content.decode())
        assert "Not closed yet</strong>." in page and "without an outcome" not in page
        visit_close(by=branch["hana"], visit=visit)
        page = unescape(client.get(url).content.decode())
        assert "Closed by Hana Ahmed at 08:30." in page and "Not closed yet" not in page


def test_pages_the_office_plans_a_visit(client, world, branch):
    client.force_login(branch["chloe"])
    url = reverse("medication:visit_new", args=[branch["branch"].pk])
    with time_machine.travel(PLANNING, tick=False):
        assert client.get(url).status_code == 200
        body = {"person": str(branch["edna"].pk), "worker": str(branch["hana"].pk), "date": DAY.isoformat()}
        refused = client.post(url, {**body, "label": "morning", "window_start": "09:00", "window_end": "08:00"})
        assert refused.status_code == 422 and not Visit.objects.exists()
        response = client.post(url, {**body, "label": "morning", "window_start": "08:00", "window_end": "09:00"})
        assert response.status_code == 302 and Visit.objects.get().assigned_to == branch["hana"]
    client.force_login(branch["hana"])
    assert client.get(url).status_code == 403
    client.force_login(world.tia)  # a care home's team leader: not her branch
    assert client.get(url).status_code == 404


# --- Every role at every visit page, own branch and another (as tests/test_pages_permissions.py) -----------------

VIEWERS = {Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}
PLANNERS = {Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER}


@pytest.mark.parametrize("role", list(Role))
def test_every_role_at_the_visit_pages(client, world, branch, role):
    visit = plan(branch)
    elsewhere = LocationFactory(kind=Location.Kind.HOME_CARE)
    user = (
        UserFactory(role=role, provider=world.provider)
        if role == Role.PROVIDER_ADMIN
        else UserFactory(role=role, at=branch["branch"], provider=world.provider)
    )
    outsider = UserFactory(role=role, at=elsewhere)
    client.force_login(user)
    expected_view = 200 if role in VIEWERS | {Role.PROVIDER_ADMIN} else 403
    assert client.get(reverse("medication:visit", args=[visit.pk])).status_code == expected_view
    assert client.get(reverse("medication:run")).status_code == expected_view
    new = reverse("medication:visit_new", args=[branch["branch"].pk])
    assert client.get(new).status_code == (200 if role in PLANNERS else 403)
    client.force_login(outsider)
    assert client.get(reverse("medication:visit", args=[visit.pk])).status_code in (403, 404)
    assert client.get(new).status_code in (403, 404)
    if role in PLANNERS:
        assert client.get(new).status_code == 404  # another provider's branch: as if missing
        assert client.get(reverse("medication:visit", args=[visit.pk])).status_code == 404


def test_a_senior_sets_the_key_safe_note_audited_without_the_code(client, world, branch):
    from carebook.people.identity import person_key_safe_note_set

    person_key_safe_note_set(person=branch["edna"], by=branch["ravi"], note="Key safe by the shed, code 9090")
    event = AuditEvent.objects.get(action="person.key_safe_note_set")
    assert "9090" not in str(event.after) and event.after == {"key_safe_note": "recorded"}
    with pytest.raises(PermissionDenied):
        person_key_safe_note_set(person=branch["edna"], by=branch["hana"], note="x")
    with pytest.raises(ValidationFailed):
        person_key_safe_note_set(person=world.ada, by=world.sam, note="x")  # a care home resident
    client.force_login(branch["hana"])
    page = unescape(client.get(reverse("people:person", args=[branch["edna"].pk])).content.decode())
    assert "9090" not in page and "shown to the care worker on a visit that day" in page
    assert client.get(reverse("people:key_safe", args=[branch["edna"].pk])).status_code == 403
    client.force_login(branch["ravi"])
    response = client.post(reverse("people:key_safe", args=[branch["edna"].pk]), {"key_safe_note": "x" * 300})
    assert response.status_code == 422


def test_the_round_page_of_a_branch_speaks_of_areas_and_visits(client, world, branch):
    with time_machine.travel(MORNING, tick=False):
        client.force_login(branch["ravi"])
        page = unescape(client.get(reverse("medication:round", args=[branch["branch"].pk])).content.decode())
        assert "Change location or area" in page and "Your visits today" in page
        client.force_login(world.sam)
        page = unescape(client.get(reverse("medication:round", args=[world.home.pk])).content.decode())
        assert "Change location or unit" in page and "Your visits today" not in page


# --- Where the person lives (people.whereabouts) -------------------------------------------------------------------


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def test_a_home_address_is_for_the_planners_and_the_worker_on_a_visit_that_day(client, world, branch):
    from carebook.medication.api.testing import api_as

    plan(branch, date=DAY + dt.timedelta(days=1))  # Hana's visit tomorrow does not open the address today
    edna = branch["edna"]
    person_url, list_url = reverse("people:person", args=[edna.pk]), reverse("people:list")
    with time_machine.travel(MORNING, tick=False):
        for user in (branch["hana"], branch["harry"]):
            assert "12 Mill Lane" not in _page(client, user, person_url)
            assert "12 Mill Lane" not in _page(client, user, list_url)
            assert api_as(user).get(f"/people/{edna.pk}").json()["room"] == ""
        for user in (branch["ravi"], branch["chloe"]):  # those who plan the visits
            assert "12 Mill Lane" in _page(client, user, person_url)
            assert api_as(user).get("/people").json()[0]["room"] == "12 Mill Lane"
        plan(branch)  # today's morning visit: Hana, not Harry
        assert "12 Mill Lane" in _page(client, branch["hana"], person_url)
        assert "12 Mill Lane" in _page(client, branch["hana"], list_url)
        assert api_as(branch["hana"]).get(f"/people/{edna.pk}").json()["room"] == "12 Mill Lane"
        assert "12 Mill Lane" not in _page(client, branch["harry"], person_url)


def test_the_round_the_pass_the_recording_page_and_the_mar_never_show_a_home_address(client, world, branch):
    plan(branch)
    edna, hana = branch["edna"], branch["hana"]
    with time_machine.travel(MORNING, tick=False):
        urls = [
            reverse("medication:round", args=[branch["branch"].pk]),
            reverse("medication:person_pass", args=[edna.pk]),
            reverse("medication:record_dose", args=[dose_at_eight(branch).pk]),
            reverse("medication:mar", args=[edna.pk]),
        ]
        for url in urls:
            assert "12 Mill Lane" not in _page(client, hana, url), url
        # A care home's room stays on them.
        world.ada.room = "7"
        world.ada.save()
        assert "Rowan, room 7" in _page(client, world.carla, reverse("people:person", args=[world.ada.pk]))
        assert "room 7" in _page(client, world.carla, reverse("medication:mar", args=[world.ada.pk]))


def test_a_namesake_warning_in_a_branch_names_no_address(world, branch):
    from carebook.people.namesakes import namesake_warning, namesakes_of

    PersonFactory(location=branch["branch"], given_name="Edith", family_name="Price", room="3 Dam Street")
    warning = namesake_warning(namesakes_of(branch["edna"]))
    assert "Edith Price has the same surname" in warning and "Dam Street" not in warning


def test_the_people_list_reads_the_addresses_in_one_query_whatever_their_number(client, world, branch):
    from carebook.people.whereabouts import places_for

    plan(branch)
    with time_machine.travel(MORNING, tick=False):
        people = list(branch["branch"].people.select_related("location"))
        with CaptureQueriesContext(connection) as one:
            places_for(branch["hana"], people, DAY)
        for n in range(4):
            PersonFactory(location=branch["branch"], given_name=f"P{n}", room=f"{n} High Street")
        people = list(branch["branch"].people.select_related("location"))
        with CaptureQueriesContext(connection) as five:
            places = places_for(branch["hana"], people, DAY)
    assert len(one.captured_queries) == len(five.captured_queries) == 1
    assert sorted(places.values()) == ["", "", "", "", "12 Mill Lane"]
