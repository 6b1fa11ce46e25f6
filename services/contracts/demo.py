"""Demo contracts for the embedded run: one in negotiation, one signed with its work allocated, and one
large enough to need the members' vote.

Member businesses only ever come from member events, so the contracts wait until the demo members'
admissions have arrived from the members service.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlalchemy import func, select

from services.contracts import allocations, buyers, contracts
from services.contracts.models import Contract, MemberBusiness
from shared.auth import Principal
from shared.db import utcnow

log = logging.getLogger(__name__)

# The demo coordinator's account: the second account the members demo creates in a new installation.
DEMO_COORDINATOR = Principal(2, ("coordinator",))
NEEDED = ("Paper Birds Cards", "Second Helpings Catering", "Wagtails Dog Grooming")

BUYERS = {
    "leaf": {"name": "Leaf & Co Gift Shops", "contact_name": "Sam Leaf", "email": "buying@leaf.example",
             "phone": "0113 496 0000", "address": "1 High Street, Leeds LS1 1AA"},
    "mill": {"name": "The Old Mill Arts Venue", "contact_name": "Robin Hale", "email": "events@oldmill.example",
             "phone": None, "address": "Mill Lane, Hebden Bridge HX7 8AA"},
    "paws": {"name": "Happy Paws Kennels", "contact_name": "Alex Marsh", "email": "alex@happypaws.example",
             "phone": None, "address": "Moor Road, Otley LS21 1AB"},
}


def _terms(lines, start: dt.date, weeks: int, milestones=(), clauses=(), payment_days: int = 30) -> dict:
    return {
        "line_items": [{"description": d, "quantity": q, "unit": u, "unit_price_pence": p} for d, q, u, p in lines],
        "milestones": [{"title": title, "due_on": str(start + dt.timedelta(weeks=week))} for title, week in milestones],
        "payment_terms_days": payment_days, "start_on": str(start),
        "end_on": str(start + dt.timedelta(weeks=weeks)), "clauses": list(clauses), "member_ids": [],
    }


def load_demo_contracts(runtime, wait_seconds: float = 180.0) -> int:
    """Create the demo contracts once the demo member businesses exist; return how many were made."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        with runtime.db.transaction() as session:
            if session.scalar(select(func.count()).select_from(Contract)):
                return 0
            members = {m.name: m for m in session.scalars(select(MemberBusiness))}
            if all(name in members for name in NEEDED):
                return _create(session, members, runtime.collaborators.settings)
        time.sleep(0.2)
    log.warning("demo member businesses did not arrive in time; no demo contracts loaded")
    return 0


def _create(session, members, settings) -> int:
    by = DEMO_COORDINATOR
    made = {key: buyers.create_buyer(session, by, fields) for key, fields in BUYERS.items()}
    start = (utcnow() + dt.timedelta(days=21)).date()
    cards = members["Paper Birds Cards"].member_id

    # In negotiation: the co-op's offer, and the buyer's counter-offer asking for more at a lower price.
    offer = _terms([("Hand-printed Christmas cards", 500, "cards", 240)], start, 8,
                   milestones=[("First 250 cards delivered", 3), ("Last 250 cards delivered", 6)],
                   clauses=["Cards packed in tens, with the co-op's story card."])
    offer["member_ids"] = [cards]
    contract = contracts.create_contract(session, by, buyer_id=made["leaf"].id, title="Christmas cards",
                                           sector="cards", terms=offer, comment="Our opening offer.")
    contracts.propose(session, by, contract.id, contract.version, respond_by=utcnow() + dt.timedelta(days=14))
    session.flush()
    counter = {**offer, "line_items": [{**offer["line_items"][0], "quantity": 600, "unit_price_pence": 220}],
               "payment_terms_days": 45}
    contracts.add_round(session, by, contract.id, contract.version, party="buyer", terms=counter,
                          comment="600 cards if the price comes down; 45 days to pay.")
    session.flush()

    # Signed, with its work allocated and accepted.
    catering = members["Second Helpings Catering"]
    lunch = _terms([("Buffet lunch", 120, "covers", 1250), ("Afternoon tea", 80, "covers", 600)], start, 1,
                   milestones=[("Open day catering served", 1)], payment_days=14)
    signed = contracts.create_contract(session, by, buyer_id=made["mill"].id, title="Open day catering",
                                         sector="catering", terms=lunch)
    for step in (lambda c: contracts.propose(session, by, c.id, c.version),
                 lambda c: contracts.agree(session, by, c.id, c.version, party="buyer", settings=settings),
                 lambda c: contracts.sign(session, by, c.id, c.version, buyer_signatory="Robin Hale")):
        step(signed)
        session.flush()
    worker = Principal(catering.account_id, ("member",), catering.member_id)
    for line, quantity in ((0, 120), (1, 80)):
        offered = allocations.allocate(session, by, signed.id, member_id=catering.member_id, line=line,
                                       quantity=quantity)
        session.flush()
        allocations.accept_allocation(session, worker, offered.id)

    # Over the approval threshold: agreed, and waiting for the members' vote (the members service opens it).
    grooming = _terms([("Grooming session, large dog", 200, "sessions", 3500)], start, 26,
                      milestones=[("First 100 sessions", 13), ("Last 100 sessions", 26)])
    large = contracts.create_contract(session, by, buyer_id=made["paws"].id, title="Kennel grooming rota",
                                        sector="grooming", terms=grooming)
    for step in (lambda c: contracts.propose(session, by, c.id, c.version),
                 lambda c: contracts.agree(session, by, c.id, c.version, party="buyer", settings=settings)):
        step(large)
        session.flush()
    return 3
