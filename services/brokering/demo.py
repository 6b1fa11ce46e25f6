"""Demo brokering for the embedded run: an approved employer with vacancies, and a job seeker (a demo
member who asked for work) placed in one of them, her first check-in done.

The job seeker's profile only ever comes from member.seeking_work, so the demo waits for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy import func, select

from services.brokering import applications, disclosures, employers, job_seekers, placements, vacancies
from services.brokering.models import Employer, JobSeeker, Placement
from shared.auth import Principal
from shared.db import utcnow

log = logging.getLogger(__name__)

# The demo accounts: the members demo creates them in this order in a new installation.
DEMO_COORDINATOR = Principal(2, ("coordinator",))
DEMO_EMPLOYER = Principal(4, ("employer",))

VACANCIES = [
    {"title": "Shop floor assistant", "sector": "retail", "skills": ["customer service", "sewing", "stock taking"],
     "location": "LS1", "hours_per_week": 24, "pay_pence_per_hour": 1300, "contract_type": "part_time"},
    {"title": "Kitchen assistant", "sector": "catering", "skills": ["food hygiene", "cooking"],
     "location": "LS6", "hours_per_week": 30, "pay_pence_per_hour": 1350, "contract_type": "permanent"},
    {"title": "Breakfast club helper", "sector": "catering", "skills": ["cooking"], "location": "LS6",
     "hours_per_week": 10, "pay_pence_per_hour": 1300, "contract_type": "part_time", "involves": ["children"],
     "exempt": True, "dbs_check": "enhanced"},
]


def load_demo_brokering(runtime, wait_seconds: float = 180.0) -> int:
    """Create the demo employer, vacancies and placement once the demo job seeker exists."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        with runtime.db.transaction() as session:
            if session.scalar(select(func.count()).select_from(Employer)):
                return 0
            seeker = session.scalar(select(JobSeeker).where(JobSeeker.member_id.is_not(None)))
            if seeker is not None:
                return _create(session, seeker, runtime.collaborators.settings)
        time.sleep(0.2)
    log.warning("the demo job seeker did not arrive in time; no demo brokering loaded")
    return 0


def _create(session, seeker: JobSeeker, settings) -> int:
    employer = employers.register(session, DEMO_EMPLOYER, {
        "name": "Green Kitchen Ltd", "contact_name": "Robin Green", "email": "jobs@greenkitchen.example",
        "sector": "catering", "about": "Cafes and a shop in Leeds; we hire people with convictions."})
    employers.decide(session, DEMO_COORDINATOR, employer.id, approve=True)
    started = (utcnow() - dt.timedelta(weeks=7)).date()
    closing = (utcnow() + dt.timedelta(days=28)).date()
    posted = [vacancies.post_vacancy(session, DEMO_EMPLOYER, {**fields, "closing_on": closing}, settings)
              for fields in VACANCIES]
    person = Principal(seeker.account_id, ("member",), seeker.member_id)
    job_seekers.update_profile(session, seeker, {
        "skills": ["sewing", "customer service", "alterations"], "sectors": ["retail", "fashion"],
        "hours_per_week": 25, "travel_area": "LS7", "preferences": "Daytime hours; near a bus route."})
    disclosures.set_disclosure(session, seeker, person, {
        "unspent": "yes", "unspent_until": (utcnow() + dt.timedelta(days=400)).date(),
        "restricted_roles": ["children"], "statement": "I am on licence and doing well; my probation officer "
                                                      "can confirm my progress."})
    application = applications.apply(session, person, posted[0].id)
    session.flush()
    for stage in ("interview", "conditional_offer", "offer_confirmed"):
        applications.move(session, DEMO_EMPLOYER, application.id, stage)
    applications.move(session, person, application.id, "accepted", start_on=started)
    session.flush()
    placement = session.scalar(select(Placement).where(Placement.application_id == application.id))
    placements.record_check_in(session, DEMO_COORDINATOR, placement.id, "6w", in_work=True,
                               note="Settled in; the manager is pleased.")
    return len(posted) + 1

