"""Employers who hire through the co-op, approved by a coordinator, and the vacancies they post.

A decision on an employer or a vacancy locks its row before reading its status, so two at once are
made one after the other and the second is refused with 409.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.brokering.events import OUTBOX
from services.brokering.models import Employer, Vacancy
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.money import pounds
from shared.settings import Settings


def register(session: Session, by: Principal, fields: dict) -> Employer:
    """Register the caller's organisation as an employer, waiting for a coordinator's approval."""
    already = "This account has already registered an employer."
    if session.scalar(select(Employer.id).where(Employer.account_id == by.account_id)) is not None:
        raise Conflict(already)
    employer = Employer(**fields, account_id=by.account_id, status="pending", registered_at=utcnow())
    try:
        # There is no row to lock yet: the unique account id lets one of two registrations at once through.
        with session.begin_nested():
            session.add(employer)
    except IntegrityError:
        raise Conflict(already) from None
    return employer


def get_employer(session: Session, employer_id: int) -> Employer:
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(f"There is no employer {employer_id}.")
    return employer


def own_employer(session: Session, by: Principal) -> Employer:
    """Return the employer the caller's account registered."""
    employer = session.scalar(select(Employer).where(Employer.account_id == by.account_id))
    if employer is None:
        raise NotFound("This account has not registered an employer yet.")
    return employer


def decide(session: Session, by: Principal, employer_id: int, approve: bool) -> Employer:
    """Approve or refuse a registered employer (a coordinator's job), once."""
    employer = locked(session, Employer, employer_id)
    if employer is None:
        raise NotFound(f"There is no employer {employer_id}.")
    if employer.status != "pending":
        raise Conflict(f"This employer is already {employer.status}.")
    employer.status = "approved" if approve else "refused"
    employer.decided_at, employer.decided_by = utcnow(), by.account_id
    return employer


def minimum_pay_pence(settings: Settings, age_band: str | None, contract_type: str) -> int:
    """Return the National Minimum Wage a vacancy must pay an hour: its age band's, the apprentice rate for
    an apprenticeship, the rate for 21 and over when it names no band."""
    if contract_type == "apprenticeship":
        return settings.minimum_wage_apprentice_pence
    return {"18_to_20": settings.minimum_wage_18_to_20_pence,
            "under_18": settings.minimum_wage_under_18_pence}.get(age_band, settings.minimum_wage_21_plus_pence)


def post_vacancy(session: Session, by: Principal, fields: dict, settings: Settings,
                 today: dt.date | None = None) -> Vacancy:
    """Post a vacancy for the caller's approved employer, paying at least the minimum wage."""
    employer = own_employer(session, by)
    if employer.status != "approved":
        raise Forbidden("An employer posts vacancies once a coordinator has approved it.")
    if fields["closing_on"] < (today or utcnow().date()):
        raise Unprocessable("The closing date has passed.")
    least = minimum_pay_pence(settings, fields.get("age_band"), fields["contract_type"])
    if fields["pay_pence_per_hour"] < least:
        raise Unprocessable(f"The pay is below the National Minimum Wage for this job: at least {pounds(least)} "
                            "an hour.")
    if fields.get("exempt") is False and fields.get("dbs_check") in ("standard", "enhanced"):
        raise Unprocessable("Only a role exempt from the Rehabilitation of Offenders Act may ask for a standard "
                            "or enhanced DBS check.")
    vacancy = Vacancy(**fields, employer_id=employer.id, status="open", opened_at=utcnow())
    session.add(vacancy)
    session.flush()
    OUTBOX.add(session, "vacancy.opened", {
        "vacancy_id": vacancy.id, "employer_id": employer.id, "title": vacancy.title, "sector": vacancy.sector,
        "occurred_at": vacancy.opened_at})
    return vacancy


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
