"""Job seekers: profiles made from member.seeking_work or by a coordinator for a referred person.

Skills first: nothing about convictions is asked to register. The disclosure, if the person chooses to
give one, is kept apart (``disclosures.py``). A job seeker's matches are ranked here (the score is
``rules/matching.py``); she is simply not shown jobs she must not do.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.brokering.events import OUTBOX
from services.brokering.models import Application, Disclosure, JobSeeker, SharedDisclosure, Vacancy
from services.brokering.rules.matching import match, ranked, seeker_fit, vacancy_fit
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.events import Envelope

log = logging.getLogger(__name__)

PROFILE_FIELDS = ("display_name", "skills", "sectors", "qualifications", "hours_per_week", "available_from",
                  "travel_area", "preferences", "open_to_matching")


def profile_from_member(session: Session, event: Envelope) -> None:
    """Open a profile for a member who asked for job brokering; once, however often the event comes."""
    data = event.data
    if session.scalar(select(JobSeeker.id).where(JobSeeker.member_id == data["member_id"])) is not None:
        return
    seeker = JobSeeker(member_id=data["member_id"], account_id=data["account_id"],
                       display_name=data["display_name"], status="open")
    session.add(seeker)
    session.flush()
    _publish(session, "job_seeker.registered", seeker, causation=event)


def close_for_departed_member(session: Session, event: Envelope) -> None:
    """Close the profile of a member who left the co-op, deleting their disclosure."""
    seeker_id = session.scalar(select(JobSeeker.id).where(JobSeeker.member_id == event.data["member_id"]))
    seeker = lock_profile(session, seeker_id) if seeker_id is not None else None
    if seeker is not None and seeker.status == "open":
        close(session, seeker, "The member left the co-op.", causation=event)


def close_for_member_no_longer_seeking(session: Session, event: Envelope) -> None:
    """Close the profile of a member who changed her mind about job brokering, deleting her disclosure."""
    seeker_id = session.scalar(select(JobSeeker.id).where(JobSeeker.member_id == event.data["member_id"]))
    seeker = lock_profile(session, seeker_id) if seeker_id is not None else None
    if seeker is not None and seeker.status == "open":
        close(session, seeker, "The member no longer asks for job brokering.", causation=event)


def refer(session: Session, by: Principal, fields: dict) -> JobSeeker:
    """Open a profile for someone a support agency referred (a coordinator's job); ``fields`` are the
    profile's and ``referred_by_member_id``."""
    if not by.has_any("coordinator"):
        raise Forbidden("Only a coordinator opens a profile for a referred person.")
    fields = dict(fields)
    referred_by_member_id = fields.pop("referred_by_member_id", None)
    seeker = JobSeeker(**fields, referred_by_member_id=referred_by_member_id, status="open")
    session.add(seeker)
    session.flush()
    _publish(session, "job_seeker.registered", seeker)
    return seeker


def all_profiles():
    """Select every job seeker's profile, newest first (for coordinators; no disclosure)."""
    return select(JobSeeker).order_by(JobSeeker.id.desc())


def get_seeker(session: Session, seeker_id: int, by: Principal) -> JobSeeker:
    """Return a profile the caller may see in full: their own, or any for a coordinator."""
    seeker = session.get(JobSeeker, seeker_id)
    if seeker is None:
        raise NotFound(f"There is no job seeker {seeker_id}.")
    if not (by.has_any("coordinator") or is_self(seeker, by)):
        raise Forbidden("Only the job seeker themselves or a coordinator can see this profile.")
    return seeker


def lock_profile(session: Session, seeker_id: int) -> JobSeeker:
    """Read a profile afresh and lock it until commit: every change of a profile, its disclosure, or what
    is shared from it takes this lock first, so a closing and a change at the same moment never interleave."""
    return locked(session, JobSeeker, seeker_id)


def own_profile(session: Session, by: Principal) -> JobSeeker:
    """Return the caller's own profile."""
    seeker = session.scalar(select(JobSeeker).where(JobSeeker.account_id == by.account_id))
    if seeker is None:
        raise NotFound("You have no job seeker profile. Members ask for job brokering from their membership "
                       "page; others are referred by a support agency.")
    return seeker


def update_own_profile(session: Session, by: Principal, changes: dict) -> JobSeeker:
    """The job seeker changes her skills, sectors, hours, area, availability or preferences."""
    return update_profile(session, own_profile(session, by), changes)


def update_someones_profile(session: Session, by: Principal, seeker_id: int, changes: dict) -> JobSeeker:
    """A coordinator changes a profile for a job seeker (for example, a referred person without an account)."""
    return update_profile(session, get_seeker(session, seeker_id, by), changes)


def update_profile(session: Session, seeker: JobSeeker, changes: dict) -> JobSeeker:
    """Change what a profile says about skills, sectors, hours, area and preferences."""
    lock_profile(session, seeker.id)
    _ensure_open(seeker)
    for name in PROFILE_FIELDS:
        if name in changes:
            setattr(seeker, name, changes[name])
    seeker.changed_at = utcnow()
    return seeker


def close_own_profile(session: Session, by: Principal) -> JobSeeker:
    """The job seeker closes her own profile: her disclosure is deleted."""
    return close(session, own_profile(session, by), "Closed by the job seeker.")


def close_someones_profile(session: Session, by: Principal, seeker_id: int) -> JobSeeker:
    """A coordinator closes a profile: it leaves matching and its disclosure is deleted."""
    return close(session, get_seeker(session, seeker_id, by), "Closed by a coordinator.")


def close(session: Session, seeker: JobSeeker, reason: str, causation: Envelope | None = None) -> JobSeeker:
    """Close a profile: it leaves matching, and the disclosure and everything shared from it is deleted."""
    lock_profile(session, seeker.id)
    _ensure_open(seeker)
    now = utcnow()
    seeker.status, seeker.closed_at, seeker.changed_at, seeker.open_to_matching = "closed", now, now, False
    session.execute(delete(Disclosure).where(Disclosure.job_seeker_id == seeker.id))
    session.execute(delete(SharedDisclosure).where(SharedDisclosure.application_id.in_(
        select(Application.id).where(Application.job_seeker_id == seeker.id))))
    _publish(session, "job_seeker.closed", seeker, causation=causation)
    log.info("job seeker profile closed", extra={"job_seeker_id": seeker.id, "reason": reason})
    return seeker


def my_matches(session: Session, by: Principal) -> list[dict]:
    """Rank the open vacancies for the caller's own profile, best first, with the reasons."""
    return matching_vacancies(session, own_profile(session, by))


def matches_to_show(session: Session, seeker: JobSeeker) -> list[dict]:
    """The matches her page shows: none once her profile is closed."""
    return matching_vacancies(session, seeker) if seeker.status == "open" else []


def matching_vacancies(session: Session, seeker: JobSeeker) -> list[dict]:
    """Rank the open vacancies for a job seeker, best first, with the reasons: not those she is already
    put forward for (a job she was accepted for, or applied for, is among her applications, not offered again)."""
    mine = session.get(Disclosure, seeker.id)
    fit = seeker_fit(seeker, mine.restricted_roles if mine else ())
    already = select(Application.vacancy_id).where(Application.job_seeker_id == seeker.id)
    vacancies = session.scalars(select(Vacancy).where(Vacancy.status == "open", Vacancy.closing_on >= utcnow().date(),
                                                      Vacancy.id.not_in(already))).all()
    found = ranked((vacancy, match(fit, vacancy_fit(vacancy))) for vacancy in vacancies)
    return [{"vacancy": vacancy, "score": scored.score, "reasons": list(scored.reasons)} for vacancy, scored in found]


def is_self(seeker: JobSeeker, by: Principal) -> bool:
    return seeker.account_id is not None and seeker.account_id == by.account_id


def _ensure_open(seeker: JobSeeker) -> None:
    if seeker.status != "open":
        raise Conflict("This profile is closed.")


def _publish(session: Session, event_type: str, seeker: JobSeeker, causation: Envelope | None = None) -> None:
    # Only ids: nothing about the person travels on the bus.
    OUTBOX.add(session, event_type, {"job_seeker_id": seeker.id, "member_id": seeker.member_id,
                                     "occurred_at": utcnow()}, causation=causation)
