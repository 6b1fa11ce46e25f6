"""A signed contract at work: starting it, marking milestones done, completing and invoicing it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.contracts.allocations import agreed_lines, allocated_per_line, value_pence
from services.contracts.contracts import CURRENCY, check_version, contract_for_change, move_contract
from services.contracts.events import OUTBOX
from services.contracts.models import Allocation, Contract, Invoice, MemberShare, Milestone
from services.contracts.rules import billing, lifecycle
from services.contracts.settings import ContractsSettings
from shared.auth import Principal
from shared.db import next_number, utcnow
from shared.errors import Conflict, NotFound

INVOICE_COUNTER = "invoice"


def start(session: Session, by: Principal, contract_id: int, expected_version: int) -> Contract:
    """Start the work of a signed contract, once all of it is allocated and none waits to be handed on."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    lifecycle.next_state(contract.state, "start")
    allocated = allocated_per_line(session, contract.id)
    short = [f"line {index} ({line['description']}): {allocated.get(index, 0)} of {line['quantity']}"
             for index, line in enumerate(agreed_lines(contract)) if allocated.get(index, 0) != line["quantity"]]
    if short:
        raise Conflict("Allocate all the work before starting: " + "; ".join(short) + ".")
    if _allocations(session, contract, "needs_reallocation"):
        raise Conflict("Some work is flagged for reallocation; hand it on before starting.")
    move_contract(session, by, contract, "start", utcnow())
    return contract


def mark_milestone_done(session: Session, by: Principal, contract_id: int, number: int) -> Contract:
    """Record that a milestone or delivery of an active contract is done."""
    contract = contract_for_change(session, contract_id)
    if contract.state != "active":
        raise Conflict(f"Contract {contract.reference} is {contract.state}; milestones are marked done while it "
                       "is active.")
    milestone = session.scalar(select(Milestone).where(Milestone.contract_id == contract.id,
                                                       Milestone.number == number))
    if milestone is None:
        raise NotFound(f"Contract {contract.reference} has no milestone {number}.")
    if milestone.done_at is not None:
        raise Conflict(f"Milestone {number} ('{milestone.title}') is already done.")
    now = utcnow()
    milestone.done_at, milestone.done_by = now, by.account_id
    contract.updated_at = now
    OUTBOX.add(session, "contract.milestone_done", {
        "contract_id": contract.id, "reference": contract.reference, "milestone": number,
        "title": milestone.title, "occurred_at": now})
    return contract


def complete(session: Session, by: Principal, contract_id: int, expected_version: int, *,
             settings: ContractsSettings) -> Contract:
    """Complete an active contract: invoice the buyer and record each member's share after the co-op's fee."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    lifecycle.next_state(contract.state, "complete")
    open_milestones = [m.title for m in contract.milestones if m.done_at is None]
    if open_milestones:
        raise Conflict("These milestones are not done yet: " + "; ".join(open_milestones) + ".")
    waiting = _allocations(session, contract, "offered", "needs_reallocation")
    if waiting:
        raise Conflict(f"{len(waiting)} allocation(s) are not yet accepted by a member business; settle them first.")
    now = utcnow()
    terms = contract.latest_round.terms
    accepted = _allocations(session, contract, "accepted")
    shares = billing.member_shares([(a.member_id, value_pence(a)) for a in accepted], settings.fee_bp)
    session.add_all(MemberShare(contract_id=contract.id, member_id=share.member_id, gross_pence=share.gross_pence,
                                fee_pence=share.fee_pence, net_pence=share.net_pence, recorded_at=now)
                    for share in shares)
    totals = billing.invoice_totals(contract.total_pence, settings.coop_vat_registered)
    invoice = Invoice(
        number=next_number(session, INVOICE_COUNTER), contract_id=contract.id, issued_at=now,
        due_on=now.date() + dt.timedelta(days=terms.get("payment_terms_days", 30)),
        buyer_name=contract.buyer.name, buyer_address=contract.buyer.address,
        lines=[{**line, "total_pence": line["quantity"] * line["unit_price_pence"]} for line in terms["line_items"]],
        net_pence=totals.net_pence, vat_rate_percent=totals.vat_rate_percent, vat_pence=totals.vat_pence,
        gross_pence=totals.gross_pence)
    session.add(invoice)
    session.flush()
    move_contract(session, by, contract, "complete", now, extra={
        "invoice_number": invoice.reference, "shares": [share._asdict() for share in shares]})
    OUTBOX.add(session, "invoice.issued", {
        "invoice_id": invoice.id, "invoice_number": invoice.reference, "contract_id": contract.id,
        "buyer_name": invoice.buyer_name, "net_pence": invoice.net_pence, "vat_pence": invoice.vat_pence,
        "gross_pence": invoice.gross_pence, "currency": CURRENCY, "due_on": invoice.due_on, "issued_at": now})
    return contract


def _allocations(session: Session, contract: Contract, *states: str) -> list[Allocation]:
    return list(session.scalars(select(Allocation).where(
        Allocation.contract_id == contract.id, Allocation.state.in_(states))))

