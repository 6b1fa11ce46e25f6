"""Splitting a signed contract's work between member businesses, and following who does what.

Allocations of a line never add up to more than its quantity; a member suspended or gone has their
open allocations flagged for a coordinator to hand on, not dropped.

Every change here locks in one order, so that two changes at once run one after the other and never
deadlock: the member business the work goes to first (as a member event's handler does: the member's
row, then her contracts), then the contract, then the allocation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.contracts.contracts import contract_for_change, get_contract
from services.contracts.events import OUTBOX
from services.contracts.models import Allocation, Contract, MemberBusiness, MemberShare
from services.contracts.rules import lifecycle
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import Envelope

# Allocations that hold part of a line: offered, taken on, or waiting to be handed on.
LIVE = ("offered", "accepted", "needs_reallocation")


def locked_allocation(session: Session, allocation_id: int) -> tuple[Contract, Allocation]:
    """Return an allocation and its contract, both read afresh and locked (the contract first)."""
    contract_id = session.scalar(select(Allocation.contract_id).where(Allocation.id == allocation_id))
    if contract_id is None:
        raise NotFound(f"There is no allocation {allocation_id}.")
    contract = contract_for_change(session, contract_id)
    return contract, locked(session, Allocation, allocation_id)


def agreed_lines(contract: Contract) -> list[dict]:
    """Return the line items of the terms the contract was signed on."""
    return contract.latest_round.terms["line_items"]


def allocated_per_line(session: Session, contract_id: int) -> dict[int, int]:
    """Return how much of each line is held by live allocations."""
    rows = session.execute(
        select(Allocation.line, func.sum(Allocation.quantity))
        .where(Allocation.contract_id == contract_id, Allocation.state.in_(LIVE))
        .group_by(Allocation.line)).all()
    return {line: int(quantity) for line, quantity in rows}


def line_summary(session: Session, contract: Contract) -> list[dict]:
    """Say, for each line, how much is allocated and how much is left to allocate."""
    allocated = allocated_per_line(session, contract.id)
    return [
        {"line": index, "description": line["description"], "unit": line.get("unit", ""),
         "quantity": line["quantity"], "allocated": allocated.get(index, 0),
         "remaining": line["quantity"] - allocated.get(index, 0)}
        for index, line in enumerate(agreed_lines(contract))
    ]


def allocate(session: Session, by: Principal, contract_id: int, *, member_id: int, line: int,
             quantity: int) -> Allocation:
    """Offer part of a line of a signed contract to an active member business whose sectors fit."""
    locked(session, MemberBusiness, member_id)
    contract = contract_for_change(session, contract_id)
    _check_under_way(contract)
    lines = agreed_lines(contract)
    if not 0 <= line < len(lines):
        raise Unprocessable(f"Contract {contract.reference} has lines 0 to {len(lines) - 1}; there is no line {line}.")
    member = _member_who_can_take(session, contract, member_id)
    remaining = lines[line]["quantity"] - allocated_per_line(session, contract.id).get(line, 0)
    if quantity > remaining:
        raise Conflict(f"Only {remaining} of line {line} ('{lines[line]['description']}') is left to allocate; "
                       f"{quantity} is too many.")
    allocation = Allocation(contract_id=contract.id, member_id=member.member_id, line=line, quantity=quantity,
                            state="offered", created_by=by.account_id, created_at=utcnow())
    session.add(allocation)
    session.flush()
    allocation.contract = contract
    OUTBOX.add(session, "contract.work_allocated", work_allocated_event(allocation, lines[line], member))
    return allocation


def accept_allocation(session: Session, by: Principal, allocation_id: int) -> Allocation:
    """Let a member business accept work offered to it."""
    return respond(session, by, allocation_id, accept=True)


def decline_allocation(session: Session, by: Principal, allocation_id: int) -> Allocation:
    """Let a member business decline work offered to it: it goes back to be allocated to someone else."""
    return respond(session, by, allocation_id, accept=False)


def respond(session: Session, by: Principal, allocation_id: int, *, accept: bool) -> Allocation:
    """Let a member business accept or decline work offered to it (declined work is free to reallocate)."""
    contract, allocation = locked_allocation(session, allocation_id)
    if by.member_id is None or allocation.member_id != by.member_id:
        raise Forbidden("Only the member business this work was offered to can answer the offer.")
    member = session.get(MemberBusiness, by.member_id)
    if member is None or not member.can_take_work:
        # Her token may still say "member" for a few minutes; this service's own copy of her status rules.
        raise Forbidden("Only active producer members can answer offers of work.")
    _check_under_way(contract)
    if allocation.state != "offered":
        raise Conflict(f"This allocation is {allocation.state.replace('_', ' ')}; only an offered one can be "
                       "accepted or declined.")
    allocation.state = "accepted" if accept else "declined"
    allocation.responded_at = utcnow()
    _publish_change(session, allocation, None)
    return allocation


def reallocate(session: Session, by: Principal, allocation_id: int, *, member_id: int,
               contract_id: int | None = None) -> Allocation:
    """Hand the work of a flagged allocation to another member business; return the new allocation.

    With ``contract_id`` (the desk's work page of one contract), the allocation must be of that contract.
    """
    locked(session, MemberBusiness, member_id)
    contract, old = locked_allocation(session, allocation_id)
    if contract_id is not None and contract.id != contract_id:
        raise NotFound(f"There is no allocation {allocation_id} of contract {contract_id}.")
    _check_under_way(contract)
    if old.state not in ("offered", "needs_reallocation"):
        raise Conflict(f"This allocation is {old.state.replace('_', ' ')}; only one offered or flagged for "
                       "reallocation can be handed on.")
    if member_id == old.member_id:
        raise Conflict("The work is already allocated to that member business.")
    member = _member_who_can_take(session, contract, member_id)
    new = Allocation(contract_id=contract.id, member_id=member.member_id, line=old.line, quantity=old.quantity,
                     state="offered", created_by=by.account_id, created_at=utcnow())
    session.add(new)
    session.flush()
    new.contract = contract
    old.state, old.replaced_by = "reallocated", new.id
    _publish_change(session, old, f"Handed on to member {member.member_id}.")
    OUTBOX.add(session, "contract.work_allocated", work_allocated_event(new, agreed_lines(contract)[new.line], member))
    return new


def flag_open_allocations(session: Session, member: MemberBusiness, event: Envelope) -> None:
    """Flag a suspended or departed member's open work on contracts under way for reallocation."""
    reason = ("The member business left the co-op." if event.type == "member.left"
              else "The member business is suspended.")
    open_work = (Allocation.member_id == member.member_id, Allocation.state.in_(("offered", "accepted")))
    # The member's row is locked already (handlers.deactivate_member); then her contracts, in id order, as
    # every allocation change locks them after the member. So work allocated or accepted at this moment
    # is flagged here, or comes after and sees the member inactive and is refused.
    for contract_id in session.scalars(select(Allocation.contract_id).where(*open_work).distinct()
                                       .order_by(Allocation.contract_id)):
        contract_for_change(session, contract_id)
    allocations = session.scalars(
        select(Allocation).join(Contract, Contract.id == Allocation.contract_id)
        .where(*open_work, Contract.state.in_(lifecycle.UNDER_WAY)).order_by(Allocation.id)
        .with_for_update(of=Allocation).execution_options(populate_existing=True)).all()
    for allocation in allocations:
        allocation.state, allocation.flagged_reason = "needs_reallocation", reason
        _publish_change(session, allocation, reason, causation=event)


def allocations_query(contract_id: int | None = None, member_id: int | None = None, state: str | None = None):
    """Select allocations, newest first, of one contract and/or one member business."""
    statement = select(Allocation).order_by(Allocation.id.desc())
    if contract_id is not None:
        statement = statement.where(Allocation.contract_id == contract_id)
    if member_id is not None:
        statement = statement.where(Allocation.member_id == member_id)
    if state is not None:
        statement = statement.where(Allocation.state == state)
    return statement


def my_member_id(by: Principal) -> int:
    """Return the member business the caller acts for, or refuse an account that acts for none."""
    if by.member_id is None:
        raise Forbidden("This account does not act for a member business.")
    return by.member_id


def my_allocations_query(by: Principal, state: str | None = None):
    """Select the work allocated to the caller's business, newest first."""
    return allocations_query(member_id=my_member_id(by), state=state)


def my_allocation(session: Session, by: Principal, allocation_id: int) -> Allocation:
    """Return one allocation of the caller's business (NotFound for anyone else's: its existence is not told)."""
    allocation = session.get(Allocation, allocation_id)
    if allocation is None or allocation.member_id != my_member_id(by):
        raise NotFound(f"You have no allocation {allocation_id}.")
    return allocation


def my_work(session: Session, by: Principal) -> dict:
    """Return a member business's own contract work: offers waiting for her answer, the rest of her work, what
    she has earned from completed contracts (after the co-op's fee) and how much of it is paid."""
    mine = [member_view(a) for a in session.scalars(my_allocations_query(by))]
    shares = [{"contract_reference": contract.reference, "contract_title": contract.title,
               "gross_pence": share.gross_pence, "fee_pence": share.fee_pence, "net_pence": share.net_pence,
               "recorded_at": share.recorded_at, "paid_at": share.paid_at}
              for share, contract in session.execute(
                  select(MemberShare, Contract).join(Contract, Contract.id == MemberShare.contract_id)
                  .where(MemberShare.member_id == my_member_id(by)).order_by(MemberShare.id.desc()))]
    earned = sum(share["net_pence"] for share in shares)
    paid = sum(share["net_pence"] for share in shares if share["paid_at"] is not None)
    to_do = sum(a["value_pence"] for a in mine if a["state"] == "accepted" and a["contract_state"] != "completed")
    return {"offered": [a for a in mine if a["state"] == "offered"],
            "others": [a for a in mine if a["state"] != "offered"], "shares": shares,
            "earned_pence": earned, "paid_pence": paid, "owed_pence": earned - paid, "to_do_pence": to_do}


def contract_allocations_query(session: Session, contract_id: int, state: str | None = None):
    """Select the allocations of one contract's work, newest first (NotFound for an unknown contract)."""
    get_contract(session, contract_id)
    return allocations_query(contract_id=contract_id, state=state)


def members_who_can_take_work_query():
    """Select the active producer members, who can take work, by name."""
    return (select(MemberBusiness)
            .where(MemberBusiness.active.is_(True), MemberBusiness.kind == "producer")
            .order_by(MemberBusiness.name, MemberBusiness.member_id))


def work_of(session: Session, contract_id: int) -> dict:
    """Return a signed contract's work: its lines, its allocations and the members who could take more."""
    contract = get_contract(session, contract_id)
    if contract.state not in lifecycle.UNDER_WAY and contract.state != "completed":
        raise NotFound(f"Contract {contract.reference} is {contract.state}: its work is allocated once it is signed.")
    members = [m for m in session.scalars(select(MemberBusiness).order_by(MemberBusiness.name))
               if m.can_take_work and contract.sector in (m.sectors or [])]
    allocations = session.scalars(allocations_query(contract_id=contract.id)).all()
    return {"contract": contract, "lines": line_summary(session, contract), "members": members,
            "allocations": allocations}


def value_pence(allocation: Allocation) -> int:
    """Return what an allocation's work is worth at the agreed unit price."""
    line = agreed_lines(allocation.contract)[allocation.line]
    return allocation.quantity * line["unit_price_pence"]


def member_view(allocation: Allocation) -> dict:
    """What a member business sees of its allocation: its own line, never the rest of the deal."""
    contract = allocation.contract
    line = agreed_lines(contract)[allocation.line]
    terms = contract.latest_round.terms
    return {
        "id": allocation.id, "state": allocation.state, "flagged_reason": allocation.flagged_reason,
        "contract_reference": contract.reference, "contract_title": contract.title,
        "buyer_name": contract.buyer.name, "contract_state": contract.state,
        "description": line["description"], "unit": line.get("unit", ""), "quantity": allocation.quantity,
        "unit_price_pence": line["unit_price_pence"], "value_pence": value_pence(allocation),
        "start_on": terms.get("start_on"), "end_on": terms.get("end_on"),
        "milestones": [{"title": m.title, "due_on": m.due_on, "done": m.done_at is not None}
                       for m in contract.milestones],
        "created_at": allocation.created_at, "responded_at": allocation.responded_at,
    }


def allocation_event(allocation: Allocation, line: dict) -> dict:
    """Return what allocation events say: the member's part and its value, not the whole deal."""
    return {
        "contract_id": allocation.contract_id, "reference": allocation.contract.reference,
        "allocation_id": allocation.id, "member_id": allocation.member_id, "description": line["description"],
        "quantity": allocation.quantity, "value_pence": allocation.quantity * line["unit_price_pence"],
        "occurred_at": utcnow(),
    }


def work_allocated_event(allocation: Allocation, line: dict, member: MemberBusiness) -> dict:
    """Return what contract.work_allocated says: the allocation, whom to tell (the member business's
    account) and by when she should answer (``respond_by``)."""
    return {**allocation_event(allocation, line), "account_id": member.account_id,
            "respond_by": respond_by(allocation.contract)}


def respond_by(contract: Contract) -> dt.date | None:
    """Return the day an offer of work should be answered by: allocations have no deadline of their own,
    so the contract's start date while it is still ahead; None when it has none or it has passed."""
    start_on = contract.latest_round.terms.get("start_on")
    if not start_on:
        return None
    start = dt.date.fromisoformat(str(start_on))
    return start if start >= utcnow().date() else None


def _publish_change(session, allocation: Allocation, reason: str | None, causation: Envelope | None = None):
    line = agreed_lines(allocation.contract)[allocation.line]
    OUTBOX.add(session, "contract.allocation_changed",
               {**allocation_event(allocation, line), "state": allocation.state, "reason": reason},
               causation=causation)


def _check_under_way(contract: Contract) -> None:
    if contract.state not in lifecycle.UNDER_WAY:
        raise Conflict(f"Contract {contract.reference} is {contract.state}; work is allocated only once it is "
                       "signed and until it is completed.")


def _member_who_can_take(session: Session, contract: Contract, member_id: int) -> MemberBusiness:
    # Locked (before the contract, by the caller): a suspension arriving now waits, then flags this work;
    # or it came first, and the member cannot take it.
    member = locked(session, MemberBusiness, member_id)
    if member is None:
        raise Unprocessable(f"There is no member business {member_id}.")
    if not member.can_take_work:
        raise Conflict(f"{member.name} cannot take work now: only active producer members can.")
    if contract.sector not in (member.sectors or []):
        raise Conflict(f"{member.name} does not work in {contract.sector} (their sectors: "
                       f"{', '.join(member.sectors) or 'none'}).")
    return member

