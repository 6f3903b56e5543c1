"""A home-care branch as the browser journeys use it (ADR 0038): its staff, a visit planned on Hana's run, and the
one pass a care worker gives at a visit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from carebook.access.models import Role, User
from carebook.medication.models import Visit
from carebook.medication.services.visits import visit_plan
from carebook.organisations.models import Location
from carebook.people.models import Person
from carebook.testing.factories import LocationFactory, UserFactory


@dataclass(frozen=True)
class HomeCare:
    branch: Location
    hana: User  # the care worker on the run
    ravi: User  # a senior carer: prescribes in the tests
    tess: User  # a team leader: checks the transcription
    chloe: User  # the coordinator: plans the visits

    def plan(self, person: Person, *, date: dt.date, start: dt.time, end: dt.time) -> Visit:
        """A morning visit to ``person`` on Hana's run, planned by Chloe."""
        return visit_plan(
            by=self.chloe,
            person=person,
            assigned_to=self.hana,
            date=date,
            label="morning",
            window_start=start,
            window_end=end,
        )


def home_care_branch(world) -> HomeCare:
    branch = LocationFactory(provider=world.provider, name="Oakfield at Home", kind=Location.Kind.HOME_CARE)
    return HomeCare(
        branch=branch,
        hana=UserFactory(username="hana", full_name="Hana Ahmed", initials="HA", role=Role.CARE_WORKER, at=branch),
        ravi=UserFactory(username="ravi", full_name="Ravi Patel", role=Role.SENIOR_CARER, at=branch),
        tess=UserFactory(username="tess", full_name="Tess Leader", role=Role.TEAM_LEADER, at=branch),
        chloe=UserFactory(username="chloe", full_name="Chloe Morgan", role=Role.COORDINATOR, at=branch),
    )


def give_in_one_pass(ui, name: str, medicine: str, outcome: str = "Given") -> None:
    """From the visit page: the person's checks once, then the one medicine due, then save."""
    page = ui.page
    page.get_by_role("link", name=f"Start {name}'s medicines (1 now)").click()
    ui.check()
    for question in (f"Is this {name} ", f"Have you checked {name}'s allergies", f"Does {name} agree"):
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    card = page.get_by_test_id("pass-dose").filter(has_text=medicine)
    card.get_by_label("Yes, the label matches").check()
    card.get_by_label(outcome, exact=True).check()
    if outcome != "Given":
        card.get_by_label("Reason, if not given").fill("Her daughter gave it at 09:30, before I arrived")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
