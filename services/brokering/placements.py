"""Placements: job starts, the co-op's check-ins at 6, 13 and 26 weeks and 6 months, and outcomes.

The outcomes funders and probation ask for: job starts, in work at 6 weeks and 6 months, jobs
sustained at 13 and 26 weeks. Counted per period and per employer, with no personal data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from services.brokering.employers import find_own_employer, waiting_for_approval
from services.brokering.events import OUTBOX
from services.brokering.job_seekers import all_profiles, get_seeker, matching_vacancies
from services.brokering.models import Application, CheckIn, Employer, JobSeeker, Placement, Vacancy
from services.brokering.rules.disclosure_calculator import add_months
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable

MILESTONES = {"6w": dt.timedelta(weeks=6), "13w": dt.timedelta(weeks=13), "26w": dt.timedelta(weeks=26)}
SUSTAINED = ("13w", "26w")  # in work at these is a job sustained, published as placement.sustained
END_REASONS = ("finished", "resigned", "dismissed", "moved_on", "health", "other")
WORK_EXPERIENCE = "work_experience"


def due_dates(start_on: dt.date) -> dict[str, dt.date]:
    """Return when each check-in of a placement starting on ``start_on`` is due."""
    return {**{name: start_on + delta for name, delta in MILESTONES.items()}, "6m": add_months(start_on, 6)}


def start_placement(session: Session, application: Application, start_on: dt.date) -> Placement:
    """Turn an accepted offer into a placement with its check-ins."""
    vacancy = application.vacancy
    kind = WORK_EXPERIENCE if vacancy.contract_type == WORK_EXPERIENCE else "paid"
    placement = Placement(application_id=application.id, job_seeker_id=application.job_seeker_id,
                          employer_id=vacancy.employer_id, kind=kind, start_on=start_on,
                          hours_per_week=vacancy.hours_per_week, status="going", created_at=utcnow())
    session.add(placement)
    session.flush()
    for milestone, due_on in due_dates(start_on).items():
        session.add(CheckIn(placement_id=placement.id, milestone=milestone, due_on=due_on))
    OUTBOX.add(session, "placement.started", {**_event(placement), "kind": kind, "start_on": start_on})
    return placement


def get_placement(session: Session, placement_id: int, for_update: bool = False) -> Placement:
    """Return a placement, or raise NotFound; ``for_update`` locks it (and so its check-ins) until commit."""
    placement = locked(session, Placement, placement_id) if for_update else session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"There is no placement {placement_id}.")
    return placement


def placements_query():
    """Select the placements, newest first."""
    return select(Placement).order_by(Placement.id.desc())


@dataclasses.dataclass(frozen=True)
class Hired:
    """A placement as its employer sees it: whom, in which job, and how it goes (no check-in notes)."""

    placement: Placement
    application_id: int
    title: str
    person: str


def employer_placements(session: Session, by: Principal) -> list[Hired]:
    """The placements at the caller's own employer, newest first: the people who accepted her offers."""
    if not by.has_any("employer"):
        raise Forbidden("This list is for employers.")
    employer = find_own_employer(session, by)
    if employer is None:
        return []
    rows = session.execute(
        select(Placement, Application.id, Vacancy.title, JobSeeker.display_name)
        .join(Application, Application.id == Placement.application_id)
        .join(Vacancy, Vacancy.id == Application.vacancy_id).join(JobSeeker, JobSeeker.id == Application.job_seeker_id)
        .where(Placement.employer_id == employer.id).order_by(Placement.id.desc())).all()
    return [Hired(*row) for row in rows]


@dataclasses.dataclass(frozen=True)
class Desk:
    """What a coordinator sees at her desk."""

    waiting: list[Employer]  # employers waiting for approval, oldest first
    placements: list[Placement]  # the latest hundred, newest first, with their check-ins
    report: dict  # this calendar year's outcomes
    today: dt.date


def coordinator_desk(session: Session, by: Principal, clock=utcnow) -> Desk:
    """Employers waiting for approval, placements and their check-ins, and this year's outcomes."""
    must_be_coordinator(by)
    today = clock().date()
    going = list(session.scalars(placements_query().limit(100)))
    return Desk(waiting_for_approval(session), going,
                outcomes(session, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)), today)


def must_be_coordinator(by: Principal) -> None:
    """Refuse anyone but a coordinator the pages of the brokering desk."""
    if not by.has_any("coordinator"):
        raise Forbidden("This page is for the co-op's coordinators.")


def desk_people(session: Session, by: Principal, last: int = 200) -> list[JobSeeker]:
    """The job seekers' profiles for a coordinator's desk, newest first (no disclosure)."""
    must_be_coordinator(by)
    return list(session.scalars(all_profiles().limit(last)))


@dataclasses.dataclass(frozen=True)
class PersonOnDesk:
    """One job seeker as a coordinator sees her: the profile, her applications, the jobs that fit her."""

    seeker: JobSeeker
    applications: list[Application]  # newest first, each with whether she agreed
    # Open vacancies that fit her, best first: none she must not do, none she is already put forward for
    # (or placed in), and none once her profile is closed.
    matches: list[dict]


def desk_person(session: Session, by: Principal, seeker_id: int) -> PersonOnDesk:
    """A job seeker's profile, applications and the open vacancies that fit her, for a coordinator."""
    must_be_coordinator(by)
    seeker = get_seeker(session, seeker_id, by)
    found = list(session.scalars(select(Application).where(Application.job_seeker_id == seeker.id)
                                 .order_by(Application.id.desc())))
    applied = {application.vacancy_id for application in found}
    fitting = [m for m in matching_vacancies(session, seeker) if m["vacancy"].id not in applied] \
        if seeker.status == "open" else []
    return PersonOnDesk(seeker, found, fitting)


def desk_placement(session: Session, by: Principal, placement_id: int) -> tuple[Placement, JobSeeker | None]:
    """A placement with its check-ins, and whose it is, for a coordinator."""
    must_be_coordinator(by)
    placement = get_placement(session, placement_id)
    return placement, session.get(JobSeeker, placement.job_seeker_id)


def outcomes_for(session: Session, by: Principal, start: dt.date, end: dt.date) -> dict:
    """A period's outcomes (``outcomes``), for a coordinator."""
    must_be_coordinator(by)
    return outcomes(session, start, end)


def record_check_in(session: Session, by: Principal, placement_id: int, milestone: str, *, in_work: bool,
                    note: str = "", today: dt.date | None = None) -> CheckIn:
    """Record the co-op's check-in at a milestone; still in work at 13 or 26 weeks is a job sustained."""
    if not by.has_any("coordinator"):
        raise Forbidden("Only coordinators record check-ins.")
    # The placement is locked before its check-ins are read: a second recording, or an ending, waits.
    placement = get_placement(session, placement_id, for_update=True)
    check_in = next((c for c in placement.check_ins if c.milestone == milestone), None)
    if check_in is None:
        raise NotFound(f"There is no {milestone} check-in; they are {', '.join(due_dates(placement.start_on))}.")
    if check_in.done_at is not None:
        raise Conflict(f"The {milestone} check-in is already recorded.")
    if check_in.due_on > (today or utcnow().date()):
        raise Conflict(f"The {milestone} check-in is not due until {check_in.due_on.isoformat()}.")
    if in_work and placement.status == "ended" and placement.ended_on < check_in.due_on:
        raise Conflict("The placement had ended by then; record the person's work through a new placement.")
    check_in.done_at, check_in.in_work, check_in.note = utcnow(), in_work, note
    if in_work and milestone in SUSTAINED:
        OUTBOX.add(session, "placement.sustained", {**_event(placement), "milestone": milestone,
                                                    "sustained_on": check_in.due_on})
    return check_in


def placement_path(placement_id: int) -> str:
    """Return where a coordinator finds a placement through the gateway: its row on her desk."""
    return f"/brokering/jobs/desk#placement-{placement_id}"


def remind_of_due_check_ins(session: Session, today: dt.date, now: dt.datetime | None = None) -> list[int]:
    """Publish placement.check_in_due, once per check-in, for each not recorded and due by ``today``
    (not those of a placement that ended before they fell due); return the check-ins reminded of.

    Each reminder is claimed by a conditional UPDATE, so of two workers at once only one publishes it.
    """
    now = now or utcnow()
    waiting = (CheckIn.due_on <= today, CheckIn.done_at.is_(None), CheckIn.reminded_at.is_(None))
    found = session.execute(
        select(CheckIn.id, CheckIn.due_on, Placement.id, Employer.name)
        .join(Placement, Placement.id == CheckIn.placement_id).join(Employer, Employer.id == Placement.employer_id)
        .where(*waiting, or_(Placement.ended_on.is_(None), Placement.ended_on >= CheckIn.due_on))
        .order_by(CheckIn.id)).all()
    reminded = []
    for check_in_id, due_on, placement_id, employer_name in found:
        claimed = session.execute(update(CheckIn).where(CheckIn.id == check_in_id, *waiting)
                                  .values(reminded_at=now).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another worker reminded of it, or it was recorded meanwhile
        OUTBOX.add(session, "placement.check_in_due", {
            "placement_id": placement_id, "check_in_id": check_in_id, "employer_name": employer_name,
            "due_on": due_on, "placement_path": placement_path(placement_id), "occurred_at": now})
        reminded.append(check_in_id)
    return reminded


def remind_of_due_check_ins_job(runtime) -> None:
    """Remind coordinators of check-ins fallen due (a periodic job of the brokering service)."""
    now = runtime.collaborators.clock()
    with runtime.db.transaction() as session:
        remind_of_due_check_ins(session, now.date(), now)


def end_placement(session: Session, by: Principal, placement_id: int, *, ended_on: dt.date, reason: str) -> Placement:
    """Record that a placement ended, and why."""
    if not by.has_any("coordinator"):
        raise Forbidden("Only coordinators record that a placement ended.")
    placement = get_placement(session, placement_id, for_update=True)
    if placement.status == "ended":
        raise Conflict("This placement has already ended.")
    if ended_on < placement.start_on:
        raise Unprocessable("A placement cannot end before it starts.")
    placement.status, placement.ended_on, placement.end_reason = "ended", ended_on, reason
    OUTBOX.add(session, "placement.ended", {**_event(placement), "ended_on": ended_on, "reason": reason})
    return placement


def outcomes(session: Session, start: dt.date, end: dt.date) -> dict:
    """Count job starts and check-in outcomes in a period, in all and per employer: no personal data."""
    placements = session.scalars(select(Placement).options(selectinload(Placement.check_ins))).all()
    totals = _empty()
    per_employer: dict[int, dict] = {}
    for placement in placements:
        counts = per_employer.setdefault(placement.employer_id, {"employer": placement.employer.name, **_empty()})
        found = []
        if start <= placement.start_on <= end:
            found.append("job_starts")
        for check_in in placement.check_ins:
            if check_in.in_work and check_in.done_at is not None and start <= check_in.due_on <= end:
                found.append(OUTCOME_OF[check_in.milestone])
        for name in found:
            totals[name] += 1
            counts[name] += 1
    rows = [row for row in per_employer.values() if any(row[name] for name in OUTCOME_NAMES)]
    return {"start": start, "end": end, "totals": totals,
            "per_employer": sorted(rows, key=lambda row: row["employer"])}


OUTCOME_OF = {"6w": "in_work_6_weeks", "13w": "sustained_13_weeks", "26w": "sustained_26_weeks",
              "6m": "in_work_6_months"}
OUTCOME_NAMES = ("job_starts", *OUTCOME_OF.values())


def _empty() -> dict:
    return dict.fromkeys(OUTCOME_NAMES, 0)


def _event(placement: Placement) -> dict:
    return {"placement_id": placement.id, "job_seeker_id": placement.job_seeker_id,
            "employer_id": placement.employer_id, "occurred_at": utcnow()}
