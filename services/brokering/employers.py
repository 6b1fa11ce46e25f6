"""Employers who hire through the co-op, registered by their own account and approved by a coordinator.

A decision on an employer locks its row before reading its status, so two at once are made one after
the other and the second is refused with 409.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.brokering.models import Employer
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound


def may_register(by: Principal) -> None:
    """Refuse an account that is not an employer's: only an employer's account registers an organisation."""
    if not by.has_any("employer"):
        raise Forbidden("Only an employer's account can register an organisation.")


def register(session: Session, by: Principal, fields: dict) -> Employer:
    """Register the caller's organisation as an employer, waiting for a coordinator's approval."""
    may_register(by)
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


def employers_query(status: str | None = None):
    """Select employers, newest first (those of one status, for example ``pending``)."""
    statement = select(Employer).order_by(Employer.id.desc())
    if status is not None:
        statement = statement.where(Employer.status == status)
    return statement


def waiting_for_approval(session: Session) -> list[Employer]:
    """Return the employers waiting for a coordinator's decision, oldest first."""
    return list(session.scalars(select(Employer).where(Employer.status == "pending").order_by(Employer.id)))


def get_employer(session: Session, employer_id: int) -> Employer:
    employer = session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(f"There is no employer {employer_id}.")
    return employer


def own_employer(session: Session, by: Principal) -> Employer:
    """Return the employer the caller's account registered."""
    employer = find_own_employer(session, by)
    if employer is None:
        raise NotFound("This account has not registered an employer yet.")
    return employer


def find_own_employer(session: Session, by: Principal) -> Employer | None:
    """Return the employer the caller's account registered, if it has."""
    return session.scalar(select(Employer).where(Employer.account_id == by.account_id))


def decide(session: Session, by: Principal, employer_id: int, approve: bool) -> Employer:
    """Approve or refuse a registered employer (a coordinator's job), once."""
    if not by.has_any("coordinator"):
        raise Forbidden("Only coordinators approve employers.")
    employer = locked(session, Employer, employer_id)
    if employer is None:
        raise NotFound(f"There is no employer {employer_id}.")
    if employer.status != "pending":
        raise Conflict(f"This employer is already {employer.status}.")
    employer.status = "approved" if approve else "refused"
    employer.decided_at, employer.decided_by = utcnow(), by.account_id
    return employer
