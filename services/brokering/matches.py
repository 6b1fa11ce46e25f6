"""Ranked matches from the database: candidates for a vacancy, vacancies for a job seeker.

The scoring is ``matching.match``; here the profiles, vacancies and restrictions are read. The list of
candidates is for coordinators, to put someone forward; never for employers, since who is missing from
it would tell them who has a restriction. A job seeker is simply not shown jobs she must not do.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.brokering.matching import SeekerFit, VacancyFit, match, normalise, ranked
from services.brokering.models import Disclosure, JobSeeker, Vacancy
from shared.db import utcnow

MAX_MATCHES = 50


def seeker_fit(seeker: JobSeeker, disclosure: Disclosure | None) -> SeekerFit:
    return SeekerFit(skills=normalise(seeker.skills or []), sectors=frozenset(seeker.sectors or []),
                     travel_area=seeker.travel_area, hours_per_week=seeker.hours_per_week,
                     available_from=seeker.available_from,
                     restricted_roles=frozenset(disclosure.restricted_roles if disclosure else []))


def vacancy_fit(vacancy: Vacancy) -> VacancyFit:
    return VacancyFit(skills=normalise(vacancy.skills or []), sector=vacancy.sector, location=vacancy.location,
                      hours_per_week=vacancy.hours_per_week, closing_on=vacancy.closing_on,
                      involves=frozenset(vacancy.involves or []))


def candidates_for(session: Session, vacancy: Vacancy) -> list[dict]:
    """Rank the open, matchable job seekers for a vacancy, best first, for a coordinator (nothing disclosed)."""
    wanted = vacancy_fit(vacancy)
    seekers = session.scalars(select(JobSeeker).where(JobSeeker.status == "open",
                                                      JobSeeker.open_to_matching.is_(True))).all()
    restrictions = _restrictions(session, [seeker.id for seeker in seekers])
    found = ranked((seeker, match(seeker_fit(seeker, restrictions.get(seeker.id)), wanted)) for seeker in seekers)
    return [{"job_seeker_id": seeker.id, "reference": seeker.reference, "skills": seeker.skills,
             "sectors": seeker.sectors, "hours_per_week": seeker.hours_per_week, "travel_area": seeker.travel_area,
             "score": fit.score, "reasons": list(fit.reasons)} for seeker, fit in found[:MAX_MATCHES]]


def vacancies_for(session: Session, seeker: JobSeeker) -> list[dict]:
    """Rank the open vacancies for a job seeker, best first, with the reasons."""
    fit = seeker_fit(seeker, session.get(Disclosure, seeker.id))
    vacancies = session.scalars(select(Vacancy).where(Vacancy.status == "open",
                                                      Vacancy.closing_on >= utcnow().date())).all()
    found = ranked((vacancy, match(fit, vacancy_fit(vacancy))) for vacancy in vacancies)
    return [{"vacancy": vacancy, "score": scored.score, "reasons": list(scored.reasons)}
            for vacancy, scored in found[:MAX_MATCHES]]


def _restrictions(session: Session, seeker_ids: list[int]) -> dict[int, Disclosure]:
    # Read only to leave people out of work they must not do; nothing of it reaches the answer.
    if not seeker_ids:
        return {}
    rows = session.scalars(select(Disclosure).where(Disclosure.job_seeker_id.in_(seeker_ids))).all()
    return {row.job_seeker_id: row for row in rows}
