"""A job seeker's disclosure: only what they choose to say, read only by those who must, every reading logged.

Who may read a disclosure is decided here: the person sets and reads it herself; a coordinator may read
it (``read_with_purpose``: logged, with a purpose). An employer never reads it here: only the copy shared
for one application, after a conditional offer, with consent (``applications.shared_disclosure_for_employer``).
Every logged reading also publishes disclosure.read, so that she is told: who read it and when, never
what it says nor the purpose given.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.brokering.events import OUTBOX
from services.brokering.job_seekers import get_seeker, is_self, lock_profile, own_profile
from services.brokering.models import Disclosure, DisclosureAccess, JobSeeker
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden

# How a coordinator's reading is named to the job seeker: brokering does not know coordinators' names.
COORDINATOR_NAME = "a co-op coordinator"
UNSPENT_ANSWERS = ("yes", "no", "not_stated")
# Kinds of work a licence condition or order may forbid; vacancies say which of them they involve.
RESTRICTABLE_WORK = ("children", "vulnerable_adults", "cash_handling", "driving", "security", "healthcare",
                     "home_visits", "alcohol", "internet_use", "working_alone")


def my_disclosure(session: Session, by: Principal) -> Disclosure | None:
    """Return what the caller chose to disclose (None until she says anything)."""
    return read_disclosure(session, own_profile(session, by), by, "")


def write_my_disclosure(session: Session, by: Principal, fields: dict) -> Disclosure:
    """The job seeker says what she chooses to disclose (never offence details)."""
    return set_disclosure(session, own_profile(session, by), by, fields)


def read_with_purpose(session: Session, by: Principal, seeker_id: int, purpose: str) -> Disclosure | None:
    """A coordinator reads a job seeker's disclosure, saying why; the reading goes to the log she can see."""
    return read_disclosure(session, get_seeker(session, seeker_id, by), by, purpose)


def my_access_log(session: Session, by: Principal):
    """Select who read the caller's disclosure, when and why, newest first."""
    return access_log(own_profile(session, by))


def recent_readings(session: Session, seeker: JobSeeker, last: int = 50) -> list[DisclosureAccess]:
    """Return the latest readings of a job seeker's disclosure, newest first (for her own page)."""
    return list(session.scalars(access_log(seeker).limit(last)))


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
    reading = DisclosureAccess(job_seeker_id=seeker.id, account_id=by.account_id, role="coordinator",
                               purpose=purpose, at=utcnow())
    session.add(reading)
    _publish_reading(session, reading, seeker.account_id, COORDINATOR_NAME)
    return session.get(Disclosure, seeker.id)


def log_employer_reading(session: Session, seeker_id: int, by: Principal, employer_name: str,
                         application_id: int) -> None:
    """Write an employer's reading of a shared disclosure to the job seeker's access log."""
    reading = DisclosureAccess(job_seeker_id=seeker_id, account_id=by.account_id, role="employer",
                               employer_name=employer_name, application_id=application_id,
                               purpose="Reading the disclosure shared after a conditional offer.", at=utcnow())
    session.add(reading)
    seeker = session.get(JobSeeker, seeker_id)
    _publish_reading(session, reading, seeker.account_id if seeker else None, employer_name)


def _publish_reading(session: Session, reading: DisclosureAccess, account_id: int | None, reader_name: str) -> None:
    # Who read it and when, for the job seeker to be told: never what it says nor the stated purpose.
    OUTBOX.add(session, "disclosure.read", {
        "job_seeker_id": reading.job_seeker_id, "job_seeker_account_id": account_id, "reader_name": reader_name,
        "reader_role": reading.role, "read_at": reading.at, "occurred_at": reading.at})


def access_log(seeker: JobSeeker):
    """Select who read this job seeker's disclosure, newest first."""
    return (select(DisclosureAccess).where(DisclosureAccess.job_seeker_id == seeker.id)
            .order_by(DisclosureAccess.id.desc()))
