"""Vacancies an approved employer posts, paying at least the minimum wage, and who fits them.

Who may see a vacancy's candidates is decided here, once (``candidates``): coordinators only, to put
someone forward. Employers never see that list: who is left out of it would tell them who has a
restriction. They see only the people who applied, or whom a coordinator put forward and who agreed
(``review``). A closing locks the vacancy's row before reading its status, so two at once are made
one after the other and the second is refused with 409.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.brokering.employers import find_own_employer, own_employer
from services.brokering.events import OUTBOX
from services.brokering.models import Application, Disclosure, Employer, JobSeeker, Vacancy
from services.brokering.rules.matching import match, ranked, seeker_fit, vacancy_fit
from services.brokering.rules.minimum_wage import minimum_pay_pence
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.money import pounds


def post_vacancy(session: Session, by: Principal, fields: dict, settings,
                 clock: Callable[[], dt.datetime] = utcnow) -> Vacancy:
    """Post a vacancy for the caller's approved employer, paying at least the minimum wage
    (``settings``: BrokeringSettings)."""
    employer = own_employer(session, by)
    if employer.status != "approved":
        raise Forbidden("An employer posts vacancies once a coordinator has approved it.")
    _check_terms(fields, settings, clock)
    vacancy = Vacancy(**fields, employer_id=employer.id, status="open", opened_at=utcnow())
    session.add(vacancy)
    session.flush()
    OUTBOX.add(session, "vacancy.opened", {
        "vacancy_id": vacancy.id, "employer_id": employer.id, "title": vacancy.title, "sector": vacancy.sector,
        "occurred_at": vacancy.opened_at})
    return vacancy


EDITABLE = ("title", "sector", "description", "skills", "location", "hours_per_week", "pay_pence_per_hour",
            "contract_type", "age_band", "involves", "exempt", "dbs_check", "closing_on")


def vacancy_to_edit(session: Session, by: Principal, vacancy_id: int) -> Vacancy:
    """Return an open vacancy of the caller's own employer, to show its form for changing it."""
    vacancy = get_vacancy(session, vacancy_id)
    _may_edit(vacancy, by)
    return vacancy


def edit_vacancy(session: Session, by: Principal, vacancy_id: int, changes: dict, settings,
                 clock: Callable[[], dt.datetime] = utcnow) -> Vacancy:
    """Change an open vacancy of the caller's own employer; the whole of it, as changed, is checked again as
    a new one would be (closing date, minimum wage, DBS check only for an exempt role). Nothing said here
    tells the employer anything of the people already put forward."""
    vacancy = locked(session, Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(f"There is no vacancy {vacancy_id}.")
    _may_edit(vacancy, by)
    terms = {name: changes.get(name, getattr(vacancy, name)) for name in EDITABLE}
    _check_terms(terms, settings, clock)
    for name, value in terms.items():
        setattr(vacancy, name, value)
    return vacancy


def _may_edit(vacancy: Vacancy, by: Principal) -> None:
    if not by.has_any("employer") or vacancy.employer.account_id != by.account_id:
        raise Forbidden("Only the employer who posted the vacancy can change it.")
    if vacancy.status != "open":
        raise Conflict("This vacancy is closed; it can no longer be changed.")


def _check_terms(fields: dict, settings, clock: Callable[[], dt.datetime]) -> None:
    if fields["closing_on"] < clock().date():
        raise Unprocessable("The closing date has passed.")
    least = minimum_pay_pence(settings, fields.get("age_band"), fields["contract_type"])
    if fields["pay_pence_per_hour"] < least:
        raise Unprocessable(f"The pay is below the National Minimum Wage for this job: at least {pounds(least)} "
                            "an hour.")
    if not fields.get("exempt") and fields.get("dbs_check") in ("standard", "enhanced"):
        raise Unprocessable("Only a role exempt from the Rehabilitation of Offenders Act may ask for a standard "
                            "or enhanced DBS check.")


def get_vacancy(session: Session, vacancy_id: int) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(f"There is no vacancy {vacancy_id}.")
    return vacancy


def close_vacancy(session: Session, by: Principal, vacancy_id: int) -> Vacancy:
    """Close a vacancy: the employer's own, or any for a coordinator."""
    vacancy = locked(session, Vacancy, vacancy_id)
    if vacancy is None:
        raise NotFound(f"There is no vacancy {vacancy_id}.")
    if not by.has_any("coordinator") and vacancy.employer.account_id != by.account_id:
        raise Forbidden("Only the employer who posted the vacancy, or a coordinator, can close it.")
    if vacancy.status != "open":
        raise Conflict("This vacancy is already closed.")
    vacancy.status = "closed"
    return vacancy


def vacancies_query(status: str | None = "open", employer_id: int | None = None, sector: str | None = None):
    """Select vacancies, newest first."""
    statement = select(Vacancy).order_by(Vacancy.id.desc())
    if status:
        statement = statement.where(Vacancy.status == status)
    if employer_id:
        statement = statement.where(Vacancy.employer_id == employer_id)
    if sector:
        statement = statement.where(Vacancy.sector == sector)
    return statement


def own_vacancies(session: Session, by: Principal) -> tuple[Employer | None, list[Vacancy]]:
    """Return the caller's registered employer (None before she registers) and all its vacancies."""
    if not by.has_any("employer"):
        raise Forbidden("This page is for employers.")
    employer = find_own_employer(session, by)
    vacancies = list(session.scalars(vacancies_query(None, employer.id))) if employer else []
    return employer, vacancies


def candidates(session: Session, by: Principal, vacancy_id: int) -> list[dict]:
    """Rank the open, matchable job seekers who fit a vacancy, best first, with the reasons: for a
    coordinator to put someone forward (nothing disclosed). Nobody else sees this list."""
    if not by.has_any("coordinator"):
        raise Forbidden("Only the co-op's coordinators see who fits a vacancy.")
    wanted = vacancy_fit(get_vacancy(session, vacancy_id))
    # Not those already put forward for it (accepted for it, say): they are among its applications.
    already = select(Application.job_seeker_id).where(Application.vacancy_id == vacancy_id)
    seekers = session.scalars(select(JobSeeker).where(JobSeeker.status == "open", JobSeeker.open_to_matching.is_(True),
                                                      JobSeeker.id.not_in(already))).all()
    restrictions = _restrictions(session, [seeker.id for seeker in seekers])
    found = ranked((seeker, match(seeker_fit(seeker, restrictions.get(seeker.id, ())), wanted))
                   for seeker in seekers)
    return [{"job_seeker_id": seeker.id, "reference": seeker.reference, "skills": seeker.skills,
             "sectors": seeker.sectors, "hours_per_week": seeker.hours_per_week, "travel_area": seeker.travel_area,
             "score": fit.score, "reasons": list(fit.reasons)} for seeker, fit in found]


@dataclasses.dataclass(frozen=True)
class Review:
    """A vacancy as the one reviewing it sees it."""

    vacancy: Vacancy
    applications: list[Application]  # the employer's: only those the job seeker agreed to
    candidates: list[dict] | None  # who fits it: for a coordinator only


def review(session: Session, by: Principal, vacancy_id: int) -> Review:
    """A vacancy as its employer sees it: the people who applied or agreed to be put forward (a coordinator
    sees all its applications, and who fits, to put someone forward)."""
    vacancy = get_vacancy(session, vacancy_id)
    coordinator = by.has_any("coordinator")
    if not coordinator and vacancy.employer.account_id != by.account_id:
        raise Forbidden("Only the employer who posted the vacancy, or a coordinator, sees this page.")
    received = select(Application).where(Application.vacancy_id == vacancy.id).order_by(Application.id)
    if not coordinator:
        received = received.where(Application.agreed_at.is_not(None))
    return Review(vacancy, list(session.scalars(received)),
                  candidates(session, by, vacancy.id) if coordinator else None)


def _restrictions(session: Session, seeker_ids: list[int]) -> dict[int, list[str]]:
    # Read only to leave people out of work they must not do; nothing of it reaches the answer.
    if not seeker_ids:
        return {}
    rows = session.scalars(select(Disclosure).where(Disclosure.job_seeker_id.in_(seeker_ids))).all()
    return {row.job_seeker_id: row.restricted_roles for row in rows}
