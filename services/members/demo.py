"""A small, realistic demo co-op, loaded on the first embedded run and never over existing data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.members import accounts, membership
from services.members.app import build_runtime
from services.members.models import Account
from services.members.proposals import open_proposal
from shared.auth import Principal
from shared.db import utcnow
from shared.settings import Settings

DEMO_PASSWORD = "co-op-demo-2026"

STAFF = [
    ("admin@demo.coop", "Ada Admin", ["admin"]),
    ("coordinator@demo.coop", "Cora Coordinator", ["coordinator"]),
    ("customer@demo.coop", "Cass Customer", ["customer"]),
    ("employer@demo.coop", "Robin Green (Green Kitchen)", ["employer"]),
]
# A member who decided self-employment is not for her, and asked the co-op to help her find a job.
SEEKING_WORK = "threadbare@demo.coop"

# (email, person, business, kind, sectors, description)
MEMBERS = [
    ("paperbirds@demo.coop", "Jo", "Paper Birds Cards", "producer", ["cards"],
     "Hand-printed greetings cards and wedding stationery."),
    ("silverlining@demo.coop", "Mags", "Silver Lining Jewellery", "producer", ["jewellery"],
     "Recycled silver rings, pendants and earrings."),
    ("wagtails@demo.coop", "Dee", "Wagtails Dog Grooming", "producer", ["grooming"],
     "Mobile dog grooming in the city and nearby villages."),
    ("secondhelpings@demo.coop", "Priya", "Second Helpings Catering", "producer", ["catering"],
     "Buffets and lunches for events, meetings and funerals."),
    ("threadbare@demo.coop", "Kez", "Threadbare Fashion", "producer", ["fashion", "crafts"],
     "Upcycled clothing and alterations."),
    ("newroots@demo.coop", "Sam (New Roots)", "New Roots Resettlement Trust", "agency", [],
     "Support for women leaving prison: housing, benefits, mentoring."),
    ("openpath@demo.coop", "Lee (Open Path)", "Open Path Women's Centre", "agency", [],
     "A women's centre offering courses and a community sentence programme."),
]

APPLICANT = ("bloom@demo.coop", "Tasha", "Bloom & Bake", "producer", ["catering"],
             "Celebration cakes, starting out.")


def load_demo_data(settings: Settings) -> str:
    """Create the demo co-op if the members database is empty; return what a newcomer should read."""
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    try:
        with runtime.db.transaction() as session:
            if accounts.count_accounts(session):
                # Only a demo installation gets the demo logins repeated: never a real one.
                demo = session.scalar(select(Account.id).where(Account.email == STAFF[1][0]))
                if demo is None:
                    return "Existing data found: no demo loaded."
                return "Existing data found: the demo co-op was not loaded again.\n" + logins_text()
            _create(session)
    finally:
        runtime.db.dispose()
    return "Loaded the demo co-op.\n" + logins_text()


def _create(session) -> None:
    made = {email: accounts.create_account(session, email, DEMO_PASSWORD, name, roles)
            for email, name, roles in STAFF}
    coordinator = Principal(made["coordinator@demo.coop"].id, ("coordinator",))
    for email, person, business, kind, sectors, description in MEMBERS:
        account = accounts.create_account(session, email, DEMO_PASSWORD, person, [])
        member = membership.apply_for_membership(session, account, kind, business, sectors, description)
        membership.change_status(session, member.id, "admit", coordinator, "demo: founding member")
        if email == SEEKING_WORK:
            membership.ask_for_job_brokering(session, member.id, Principal(account.id, ()))
    email, person, business, kind, sectors, description = APPLICANT
    account = accounts.create_account(session, email, DEMO_PASSWORD, person, ["customer"])
    membership.apply_for_membership(session, account, kind, business, sectors, description,
                                    how_they_came="Referred by Open Path Women's Centre.")
    open_proposal(
        session, coordinator,
        title="Adopt the 2027 marketing plan",
        text="Spend up to £1,200 of the marketing fund on a joint stall at the spring craft fairs.",
        closes_at=utcnow() + dt.timedelta(days=7),
        quorum_fraction=0.25, quorum_minimum=2,
    )


def logins_text() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {email:<28} {', '.join(roles)}" for email, _name, roles in STAFF]
    lines += [f"  {email:<28} {kind} member: {business}"
              + (" (also looking for a job)" if email == SEEKING_WORK else "")
              for email, _p, business, kind, *_ in MEMBERS]
    lines.append(f"  {APPLICANT[0]:<28} applied to join: {APPLICANT[2]}")
    return "\n".join(lines)
