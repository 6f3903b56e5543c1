"""The demo's governance audits, done through the services on the replayed clock, so that the audits pages, the
home panels and the "audits completed on time" figure show each state an inspector asks about:

- the care home's daily medicines audit by Tom (team leader) each evening since go-live, all yes on most days; now
  and then a gap on the MAR found, with a supervision for Sara that she completed; one twelve days ago whose
  action is still open after its due day (overdue); the audit of five days ago signed two days late; the audit of
  three days ago never done (overdue on Tom's home page); yesterday's started and not finished (due today);
- the home-care branch's daily audit by Chloe (coordinator), with the audit of two days ago never done;
- the weekly medicines audit of each location by Mike (registered manager) on the Tuesday after each week; the last
  one found late entries and set Tom a review that is still open, not yet due;
- the monthly review of safety-prompt compliance by Mike on the third of the month.

``AuditStories.steps(first, last)`` gives the moments of the audits of those days, in order, as (moment, action)
pairs: the months written in bulk run them merged with their own story, and the replayed week pushes them onto
its queue day by day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from carebook.audits import services
from carebook.audits.models import Audit, AuditQuestion, AuditTemplate
from carebook.core import clock

if TYPE_CHECKING:
    from carebook.access.models import User
    from carebook.organisations.models import Location

Step = tuple[dt.datetime, Callable[[], object]]
DAY = dt.timedelta(days=1)
GIVEN = {"yes_no": "yes", "number": "0", "text": "None"}
FOUND_GAP_EVERY = 14  # days between the gaps the daily audit finds (and follows up) in the months before


class AuditStories:
    def __init__(self, *, staff: dict[str, User], home: Location, branch: Location, today: dt.date) -> None:
        self.staff = staff
        self.home = home
        self.branch = branch
        self.today = today
        self.templates: dict[str, AuditTemplate] = {}
        self.open: dict[tuple[Any, dt.date], Audit] = {}

    def install(self, starts_on: dt.date) -> None:
        """The shipped templates, from go-live."""
        services.templates_install_shipped(provider_id=self.home.provider_id, starts_on=starts_on)
        self.templates = {t.key: t for t in AuditTemplate.objects.filter(provider_id=self.home.provider_id)}

    # --- The steps -------------------------------------------------------------------------------------------------

    def steps(self, first: dt.date, last: dt.date) -> list[Step]:
        """The audits' moments for the days ``first``..``last`` (the home's dates), in order."""
        found: list[Step] = []
        day = first
        while day <= last:
            found += self._daily_home(day) + self._daily_branch(day) + self._weekly(day) + self._monthly(day)
            day += DAY
        found.sort(key=lambda s: s[0])
        return found

    def _daily_home(self, day: dt.date) -> list[Step]:
        ago = (self.today - day).days
        tom, sara = self.staff["leader.tom"], self.staff["senior.sara"]
        evening = clock.local_wall_time(day, dt.time(20, 30))
        if ago == 3 or ago < 1:
            return []  # three days ago: never done (overdue); today's is still to do
        if ago == 1:  # yesterday's: started, half answered, not signed (due by the end of today)
            return [(evening, lambda: self._answer(self._start("daily", self.home, day, tom), tom, upto=5))]
        if ago == 5:  # signed two days late, the morning after it fell due
            return [
                (evening, lambda: self._answer(self._start("daily", self.home, day, tom), tom)),
                (
                    clock.local_wall_time(day + 2 * DAY, dt.time(9, 15)),
                    lambda: self._sign(self.open[(self.home.pk, day)], tom, "Finished late: the evening was short"),
                ),
            ]
        if ago == 12 or (ago > 12 and ago % FOUND_GAP_EVERY == 0):
            action_done = ago != 12
            return [
                (evening, lambda: self._gap_found(day, tom, sara)),
                *(
                    [
                        (
                            clock.local_wall_time(day + 3 * DAY, dt.time(14, 0)),
                            lambda: self._complete_last_action(day, sara),
                        )
                    ]
                    if action_done
                    else []
                ),
            ]
        return [(evening, lambda: self._done("daily", self.home, day, tom))]

    def _daily_branch(self, day: dt.date) -> list[Step]:
        ago = (self.today - day).days
        if ago < 1 or ago == 2:
            return []  # two days ago: never done (overdue)
        chloe = self.staff["coord.chloe"]
        return [(clock.local_wall_time(day, dt.time(21, 0)), lambda: self._done("daily", self.branch, day, chloe))]

    def _weekly(self, day: dt.date) -> list[Step]:
        """On a Tuesday, the week before (Monday to Sunday), at each location."""
        if day.weekday() != 1 or day >= self.today:
            return []
        week = day - 8 * DAY  # the Monday of the week before
        if week < self.templates["weekly"].starts_on:
            return []
        mike, tom = self.staff["manager.mike"], self.staff["leader.tom"]
        latest = day + 7 * DAY > self.today  # the last weekly audit done
        steps: list[Step] = []
        for n, location in enumerate((self.home, self.branch)):
            at = clock.local_wall_time(day, dt.time(11, 0 + 30 * n))
            if latest and location == self.home:
                steps.append((at, partial(self._late_entries_found, week, mike, tom)))
            else:
                steps.append((at, partial(self._done, "weekly", location, week, mike)))
        return steps

    def _monthly(self, day: dt.date) -> list[Step]:
        """On the third, last month's review of the safety prompts, at each location."""
        if day.day != 3 or day >= self.today:
            return []
        month = (day.replace(day=1) - DAY).replace(day=1)
        if month < self.templates["monthly_prompts"].starts_on:
            return []
        mike = self.staff["manager.mike"]
        return [
            (
                clock.local_wall_time(day, dt.time(10, 0 + 30 * n)),
                partial(self._done, "monthly_prompts", location, month, mike),
            )
            for n, location in enumerate((self.home, self.branch))
        ]

    # --- What each step does -------------------------------------------------------------------------------------

    def _start(self, key: str, location: Location, day: dt.date, by: User) -> Audit:
        audit = services.audit_start(by=by, location_id=location.pk, template=self.templates[key], day=day)
        self.open[(location.pk, day)] = audit
        return audit

    def _questions(self, audit: Audit) -> list[AuditQuestion]:
        return list(AuditQuestion.objects.filter(version_id=audit.version_id).order_by("position"))

    def _answer(self, audit: Audit, by: User, *, first: str = "yes", upto: int | None = None) -> Audit:
        questions = self._questions(audit)[:upto]
        rows = [services.AnswerInput(q.pk, first if q.position == 1 else GIVEN[q.answer_type]) for q in questions]
        services.audit_answers_record(audit=audit, by=by, answers=rows)
        return audit

    def _sign(self, audit: Audit, by: User, note: str = "") -> None:
        services.audit_sign(audit=audit, by=by, note=note)

    def _done(self, key: str, location: Location, day: dt.date, by: User) -> None:
        self._sign(self._answer(self._start(key, location, day, by), by), by)

    def _gap_found(self, day: dt.date, tom: User, sara: User) -> None:
        audit = self._answer(self._start("daily", self.home, day, tom), tom, first="no")
        services.audit_finding_add(
            audit=audit,
            by=tom,
            text="A lunchtime dose had no record on the MAR; the carer said it was given and made a late entry.",
            question_id=self._questions(audit)[0].pk,
            action=services.ActionInput(
                kind="supervision",
                what="Watch the lunchtime round and check each dose is recorded when it is given",
                owner_id=sara.pk,
                due_on=day + 7 * DAY,
            ),
        )
        self._sign(audit, tom, "One gap, followed up")

    def _complete_last_action(self, day: dt.date, sara: User) -> None:
        audit = self.open[(self.home.pk, day)]
        finding = audit.findings.get()
        assert finding.action is not None
        services.audit_action_complete(
            audit=audit, action=finding.action, by=sara, note="Watched the round: every dose recorded at the time."
        )

    def _late_entries_found(self, week: dt.date, mike: User, tom: User) -> None:
        audit = self._answer(self._start("weekly", self.home, week, mike), mike, first="yes")
        late = next(q for q in self._questions(audit) if q.evidence == "on_time_rate")
        services.audit_answers_record(audit=audit, by=mike, answers=[services.AnswerInput(late.pk, "no")])
        services.audit_finding_add(
            audit=audit,
            by=mike,
            text="Fewer doses than last week were recorded within their window: mostly the Willow evening round.",
            question_id=late.pk,
            action=services.ActionInput(
                kind="procedure_change",
                what="Review the Willow evening round's order with the night staff, and re-check in a week",
                owner_id=tom.pk,
                due_on=clock.today() + 7 * DAY,
            ),
        )
        self._sign(audit, mike, "Late recordings to be watched on the figures next week")
