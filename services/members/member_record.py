"""The member's record: what each member sold, earned and was paid, the contract work they had and did,
and the jobs they started and kept, projected from the other services' events.

Each handler turns one event into record entries (``RecordEntry``) in the consumer's transaction; the
inbox makes that happen once per event. Reading the record sums the entries by month. Nothing here is
typed in by hand, so the whole record can be thrown away and made again from the events
(``rebuild``): the same events give the same figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.members.models import JobSeekerLink, RecordEntry
from shared.consumer import Subscription
from shared.db import Database, InboxEntry
from shared.events import Envelope
from shared.outbox import kept_events

# What an entry records. Sales and refunds are marketplace money; work is contract work; the rest
# are counts (an entry each).
SALE, REFUND, PAYOUT = "sale", "refund", "payout"
WORK_ALLOCATED, WORK_DONE, CONTRACT_WON = "work_allocated", "work_done", "contract_won"
PLACEMENT_STARTED, PLACEMENT_ENDED = "placement_started", "placement_ended"
SUSTAINED = {"13w": "placement_sustained_13w", "26w": "placement_sustained_26w"}


def first_of_month(moment: dt.datetime | dt.date) -> dt.date:
    return dt.date(moment.year, moment.month, 1)


def _entry(event: Envelope, member_id: int | None, kind: str, subject: str, gross: int = 0,
           net: int = 0, happened_on: dt.date | None = None) -> RecordEntry:
    # The month is when the fact happened (a job start on its start date), which the event carries;
    # the time the event was published stands in only when it carries nothing better.
    occurred = event.data["occurred_at"]
    return RecordEntry(event_id=event.id, member_id=member_id, kind=kind,
                       month=first_of_month(happened_on or occurred), occurred_at=occurred, gross_pence=gross,
                       net_pence=net, subject=subject)


# -- from the marketplace ------------------------------------------------------------------------------

def order_paid(session: Session, event: Envelope) -> None:
    """A paid order is a sale for each seller in it: their gross share, and what they keep of it."""
    data = event.data
    session.add_all(_entry(event, part["seller_id"], SALE, f"order:{data['order_id']}", part["gross_pence"],
                           part["net_pence"]) for part in data["sellers"])


def refund_issued(session: Session, event: Envelope) -> None:
    """A refund takes back part or all of one seller's share of an order."""
    data = event.data
    session.add(_entry(event, data["seller_id"], REFUND, f"order:{data['order_id']}", data["gross_pence"],
                       data["net_pence"]))


def payout_paid(session: Session, event: Envelope) -> None:
    """Money paid out to a member for a period's sales."""
    data = event.data
    session.add(_entry(event, data["seller_id"], PAYOUT, f"payout:{data['payout_id']}", data["amount_pence"],
                       data["amount_pence"]))


# -- from contracts -----------------------------------------------------------------------------------

def contract_signed(session: Session, event: Envelope) -> None:
    """A contract signed is a contract the co-op won, worth its total."""
    data = event.data
    session.add(_entry(event, None, CONTRACT_WON, f"contract:{data['contract_id']}", data["total_pence"]))


def work_allocated(session: Session, event: Envelope) -> None:
    """Contract work given to a member, at its value."""
    data = event.data
    session.add(_entry(event, data["member_id"], WORK_ALLOCATED, f"allocation:{data['allocation_id']}",
                       data["value_pence"]))


def contract_completed(session: Session, event: Envelope) -> None:
    """A completed contract's shares: each member's work done, and what they earned by it."""
    data = event.data
    session.add_all(_entry(event, share["member_id"], WORK_DONE, f"contract:{data['contract_id']}",
                           share["gross_pence"], share["net_pence"]) for share in data["shares"])


# -- from job brokering -------------------------------------------------------------------------------

def job_seeker_registered(session: Session, event: Envelope) -> None:
    """Learn which member a job seeker is, so that their placements reach their record."""
    data = event.data
    if session.get(JobSeekerLink, data["job_seeker_id"]) is None:
        session.add(JobSeekerLink(job_seeker_id=data["job_seeker_id"], member_id=data["member_id"]))


def _placement(kind_of: callable, day_field: str):
    def handle(session: Session, event: Envelope) -> None:
        data = event.data
        link = session.get(JobSeekerLink, data["job_seeker_id"])
        if link is None:
            # A placement is only made for a registered job seeker, whose event came first; if it has
            # not arrived yet, failing makes the consumer try again (then park it for an operator).
            raise LookupError(f"job seeker {data['job_seeker_id']} is not known yet")
        session.add(_entry(event, link.member_id, kind_of(data), f"placement:{data['placement_id']}",
                           happened_on=data.get(day_field)))

    return handle


placement_started = _placement(lambda _data: PLACEMENT_STARTED, "start_on")
placement_sustained = _placement(lambda data: SUSTAINED[data["milestone"]], "sustained_on")
placement_ended = _placement(lambda _data: PLACEMENT_ENDED, "ended_on")

# -- reading ------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Month:
    """One month of a member's record; money in pence."""

    month: dt.date
    sales_pence: int = 0
    refunds_pence: int = 0
    earnings_pence: int = 0  # what the member keeps: sales and contract work, less refunds
    paid_out_pence: int = 0
    work_allocated_pence: int = 0
    work_done_pence: int = 0
    placements_started: int = 0
    sustained_13_weeks: int = 0
    sustained_26_weeks: int = 0
    placements_ended: int = 0


def add_entry(month: Month, kind: str, gross: int, net: int, count: int = 1) -> None:
    """Add entries of one kind (their summed amounts, and how many) to a month."""
    if kind == SALE:
        month.sales_pence += gross
        month.earnings_pence += net
    elif kind == REFUND:
        month.refunds_pence += gross
        month.earnings_pence -= net
    elif kind == PAYOUT:
        month.paid_out_pence += net
    elif kind == WORK_ALLOCATED:
        month.work_allocated_pence += gross
    elif kind == WORK_DONE:
        month.work_done_pence += gross
        month.earnings_pence += net
    elif kind == PLACEMENT_STARTED:
        month.placements_started += count
    elif kind == SUSTAINED["13w"]:
        month.sustained_13_weeks += count
    elif kind == SUSTAINED["26w"]:
        month.sustained_26_weeks += count
    elif kind == PLACEMENT_ENDED:
        month.placements_ended += count


def member_record(session: Session, member_id: int) -> list[Month]:
    """Return a member's record, month by month, oldest first (months with nothing in them left out)."""
    rows = session.execute(
        select(RecordEntry.month, RecordEntry.kind, func.sum(RecordEntry.gross_pence),
               func.sum(RecordEntry.net_pence), func.count())
        .where(RecordEntry.member_id == member_id)
        .group_by(RecordEntry.month, RecordEntry.kind)
        .order_by(RecordEntry.month)
    ).all()
    months: dict[dt.date, Month] = {}
    for month, kind, gross, net, count in rows:
        add_entry(months.setdefault(month, Month(month)), kind, int(gross or 0), int(net or 0), count)
    return list(months.values())


# -- rebuilding ---------------------------------------------------------------------------------------

def events_from_outboxes(databases: Iterable[Database], event_types: list[str]) -> list[Envelope]:
    """Gather the record's events from the other services' outboxes, oldest first across services."""
    events = [event for db in databases for event in kept_events(db, event_types)]
    return sorted(events, key=lambda event: event.occurred_at)


def rebuild(session: Session, events: Iterable[Envelope], subscriptions: dict[str, Subscription]) -> int:
    """Empty the record and apply the events again, in the order given; return how many were applied.

    ``subscriptions`` are the record's (handlers.RECORD_SUBSCRIPTIONS): each event's data is read with
    the consumer's own schema and given to the same handler as when it arrives.
    The inbox is reset for these event types too, so a message still on its way afterwards is known
    as already applied, and one that was never applied is applied once.
    """
    session.execute(delete(RecordEntry))
    session.execute(delete(JobSeekerLink))
    session.execute(delete(InboxEntry).where(InboxEntry.event_type.in_(list(subscriptions))))
    applied = 0
    for event in events:
        subscription = subscriptions.get(event.type)
        if subscription is None:
            continue
        event = event.with_data(subscription.schema().load(event.data))
        session.add(InboxEntry(event_id=event.id, event_type=event.type))
        subscription.handler(session, event)
        session.flush()
        applied += 1
    return applied
