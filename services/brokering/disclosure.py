"""A job seeker's disclosure: only what they choose to say, read only by those who must, every reading logged.

The person sets it themselves. A coordinator may read it (logged, with a purpose). An employer never
reads it here: only the copy shared for one application, after a conditional offer, with consent.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.brokering.jobseekers import is_self, lock_profile
from services.brokering.models import Disclosure, DisclosureAccess, JobSeeker
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden

UNSPENT_ANSWERS = ("yes", "no", "not_stated")
# Kinds of work a licence condition or order may forbid; vacancies say which of them they involve.
RESTRICTABLE_WORK = ("children", "vulnerable_adults", "cash_handling", "driving", "security", "healthcare",
                     "home_visits", "alcohol", "internet_use", "working_alone")


def set_disclosure(session: Session, seeker: JobSeeker, by: Principal, fields: dict) -> Disclosure:
    """Record what the job seeker chooses to disclose; nobody else can write it for them."""
    if not is_self(seeker, by):
        raise Forbidden("Only the job seeker can say what they disclose.")
    # Locked first: a closing at this moment deletes what is written here, or comes before it and refuses it;
    # and of two first writings at once, the second finds the first's row and changes it.
    lock_profile(session, seeker.id)
    if seeker.status != "open":
        raise Conflict("This profile is closed.")
    disclosure = session.get(Disclosure, seeker.id) or Disclosure(job_seeker_id=seeker.id)
    disclosure.unspent = fields["unspent"]
    # Nothing more is kept than the answer needs: no date without unspent convictions, and with "no"
    # no restriction either (what was kept from an earlier answer is cleared with it).
    disclosure.unspent_until = fields.get("unspent_until") if fields["unspent"] == "yes" else None
    kept_roles = fields.get("restricted_roles", []) if fields["unspent"] != "no" else []
    disclosure.restricted_roles = sorted(set(kept_roles))
    disclosure.statement = fields.get("statement", "")
    disclosure.updated_at = utcnow()
    session.add(disclosure)
    return disclosure


def read_disclosure(session: Session, seeker: JobSeeker, by: Principal, purpose: str) -> Disclosure | None:
    """Return the disclosure to the job seeker, or to a coordinator, whose reading is logged."""
    if is_self(seeker, by):
        return session.get(Disclosure, seeker.id)
    if not by.has_any("coordinator"):
        raise Forbidden("Only the job seeker and the co-op's coordinators can read a disclosure.")
    session.add(DisclosureAccess(job_seeker_id=seeker.id, account_id=by.account_id, role="coordinator",
                                 purpose=purpose, at=utcnow()))
    return session.get(Disclosure, seeker.id)


def log_employer_reading(session: Session, seeker_id: int, by: Principal, employer_name: str,
                         application_id: int) -> None:
    """Write an employer's reading of a shared disclosure to the job seeker's access log."""
    session.add(DisclosureAccess(job_seeker_id=seeker_id, account_id=by.account_id, role="employer",
                                 employer_name=employer_name, application_id=application_id,
                                 purpose="Reading the disclosure shared after a conditional offer.", at=utcnow()))


def access_log(seeker: JobSeeker):
    """Select who read this job seeker's disclosure, newest first."""
    return (select(DisclosureAccess).where(DisclosureAccess.job_seeker_id == seeker.id)
            .order_by(DisclosureAccess.id.desc()))
