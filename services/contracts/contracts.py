"""Contracts and their negotiation: each change of terms a new round, each move checked; the members'
decision on a large contract; the offers that lapse.

Every use case takes the caller (a coordinator: both doors let no one else in), the contract's id and
the version of it the caller last read; it locks the contract, so a stale version is refused with 409,
never silently overwritten.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.contracts.events import OUTBOX
from services.contracts.models import Buyer, Contract, ContractEvent, MemberBusiness, Milestone, Round
from services.contracts.rules import lifecycle
from services.contracts.rules import terms as terms_rules
from services.contracts.rules.lifecycle import PARTIES
from services.contracts.settings import ContractsSettings
from shared.auth import Principal
from shared.db import locked, utcnow
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Envelope

log = logging.getLogger(__name__)

CURRENCY = "GBP"
# The most contracts a desk page lists.
PAGE_LIMIT = 500


def get_contract(session: Session, contract_id: int) -> Contract:
    """Return a contract, or raise NotFound."""
    contract = session.get(Contract, contract_id)
    if contract is None:
        raise NotFound(f"There is no contract {contract_id}.")
    return contract


def contract_for_change(session: Session, contract_id: int) -> Contract:
    """Return a contract read afresh and locked until commit, or raise NotFound.

    Every change to a contract (a move, a round, a milestone, an allocation, the members' decision)
    takes this lock before it reads what it decides on, so two changes at once are made one after the
    other: the second sees the first's version and is refused with the current one.
    """
    contract = locked(session, Contract, contract_id)
    if contract is None:
        raise NotFound(f"There is no contract {contract_id}.")
    return contract


def contracts_query(state: str | None = None, buyer_id: int | None = None):
    """Select contracts, newest first, optionally in one state or for one buyer."""
    statement = select(Contract).order_by(Contract.id.desc())
    if state:
        statement = statement.where(Contract.state == state)
    if buyer_id:
        statement = statement.where(Contract.buyer_id == buyer_id)
    return statement


def round_pair(contract: Contract, first: int, second: int) -> tuple[Round, Round]:
    """Return two rounds of a contract by number, or raise NotFound naming the missing one."""
    by_number = {r.number: r for r in contract.rounds}
    for number in (first, second):
        if number not in by_number:
            raise NotFound(f"Contract {contract.reference} has no round {number}; it has 1 to {len(by_number)}.")
    return by_number[first], by_number[second]


def compare_rounds(contract: Contract, first: int, second: int) -> tuple[Round, Round, list[dict]]:
    """Return two rounds of a contract by number and what changed from the first to the second."""
    before, after = round_pair(contract, first, second)
    return before, after, terms_rules.differences(before.terms, after.terms)


def contracts_by_state(session: Session, groups: dict[str, tuple[str, ...]]) -> dict[str, list[Contract]]:
    """Return the latest contracts, newest first, in the named groups of states (the desk's list)."""
    contracts = session.scalars(select(Contract).order_by(Contract.id.desc()).limit(PAGE_LIMIT)).all()
    return {name: [c for c in contracts if c.state in states] for name, states in groups.items()}


def check_version(contract: Contract, expected_version: int) -> None:
    """Refuse a change made on an older copy of the contract than the current one."""
    if expected_version != contract.version:
        raise Conflict(
            f"The contract has changed since you read it (you had version {expected_version}, it is now "
            f"version {contract.version}). Reload it, check the changes, and try again.",
            headers={"ETag": f'"{contract.version}"'},
        )


def create_contract(session: Session, by: Principal, *, buyer_id: int, title: str, sector: str,
                    terms: dict, comment: str = "") -> Contract:
    """Start a contract in draft, its first round being the co-op's opening terms (as the Terms schema loads them)."""
    if session.get(Buyer, buyer_id) is None:
        # The body names the buyer: an unknown one is bad input (422), like an unknown member.
        raise Unprocessable(f"There is no buyer {buyer_id}.")
    now = utcnow()
    contract = Contract(buyer_id=buyer_id, title=title.strip(), sector=sector, state="draft",
                        created_by=by.account_id, created_at=now, state_changed_at=now, updated_at=now)
    session.add(contract)
    session.flush()
    _add_round(session, by, contract, "coop", terms_rules.stored(terms), comment, None, now)
    session.add(ContractEvent(contract_id=contract.id, from_state=None, to_state="draft", at=now,
                              by=by.account_id, note=comment))
    session.flush()
    return contract


def add_round(session: Session, by: Principal, contract_id: int, expected_version: int, *, party: str,
              terms: dict, comment: str = "", respond_by: dt.datetime | None = None) -> Contract:
    """Record new terms as the next round: a revised draft, or a counter-offer from either side."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    terms = terms_rules.stored(terms)
    now = utcnow()
    if contract.state == "draft":
        if party != "coop":
            raise Conflict("The buyer has not seen a draft yet: propose it before recording a counter-offer.")
        _add_round(session, by, contract, party, terms, comment, respond_by, now)
        contract.updated_at = now
        return contract
    lifecycle.next_state(contract.state, "counter")
    _add_round(session, by, contract, party, terms, comment, respond_by, now)
    move_contract(session, by, contract, "counter", now, note=comment)
    contract.offer_expires_at = respond_by
    return contract


def _add_round(session, by, contract, party, terms, comment, respond_by, now) -> Round:
    if party not in PARTIES:
        raise Unprocessable(f"party must be one of {', '.join(PARTIES)}.")
    _check_respond_by(respond_by, now)
    _check_members_known(session, terms.get("member_ids", []))
    number = len(contract.rounds) + 1
    new_round = Round(contract_id=contract.id, number=number, proposed_by=party, entered_by=by.account_id,
                      created_at=now, comment=comment, respond_by=respond_by, terms=terms,
                      total_pence=terms_rules.total_pence(terms))
    session.add(new_round)
    contract.rounds.append(new_round)
    contract.total_pence = new_round.total_pence
    return new_round


def _check_members_known(session: Session, member_ids: list[int]) -> None:
    known = set(session.scalars(select(MemberBusiness.member_id).where(MemberBusiness.member_id.in_(member_ids))))
    unknown = [str(member_id) for member_id in member_ids if member_id not in known]
    if unknown:
        raise Unprocessable(f"These are not member businesses of the co-op: {', '.join(unknown)}.")


def _check_respond_by(respond_by: dt.datetime | None, now: dt.datetime) -> None:
    if respond_by is not None and respond_by <= now:
        raise Unprocessable("respond_by must be in the future.")


def propose(session: Session, by: Principal, contract_id: int, expected_version: int, *,
            respond_by: dt.datetime | None = None, comment: str = "") -> Contract:
    """Send the draft's latest terms to the buyer; with respond_by, the offer lapses then."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    now = utcnow()
    respond_by = respond_by or contract.latest_round.respond_by
    if respond_by is not None and respond_by <= now:
        raise Unprocessable("The draft's answer-by date has passed; give a new respond_by.")
    move_contract(session, by, contract, "propose", now, note=comment)
    contract.offer_expires_at = respond_by
    return contract


def agree(session: Session, by: Principal, contract_id: int, expected_version: int, *, party: str,
          settings: ContractsSettings, comment: str = "") -> Contract:
    """Record that ``party`` accepted the other side's latest terms; large contracts then go to a vote."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    # The state first: "only the buyer can accept them" would mislead about a contract already closed.
    lifecycle.next_state(contract.state, "agree")
    latest = contract.latest_round
    if party not in PARTIES:
        raise Unprocessable(f"party must be one of {', '.join(PARTIES)}.")
    if party == latest.proposed_by:
        raise Conflict(f"The latest terms (round {latest.number}) came from the {_party(party)}; only the "
                       f"{_party(_other(party))} can accept them. Record a new round instead.")
    now = utcnow()
    approval_threshold_pence = settings.contract_approval_threshold_pence
    needs_approval = contract.total_pence > approval_threshold_pence
    contract.approval = "pending" if needs_approval else "not_needed"
    contract.offer_expires_at = None
    move_contract(session, by, contract, "agree", now, note=comment, extra={
        "needs_approval": needs_approval, "approval_threshold_pence": approval_threshold_pence, "agreed_at": now})
    return contract


def sign(session: Session, by: Principal, contract_id: int, expected_version: int, *,
         buyer_signatory: str, comment: str = "") -> Contract:
    """Record the signature of agreed terms; a contract over the threshold needs the members' approval."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    if contract.state == "agreed" and contract.approval == "pending":
        raise Conflict("The members have not yet approved this contract; it can be signed once they vote for it.")
    now = utcnow()
    move_contract(session, by, contract, "sign", now, note=comment)
    contract.buyer_signatory = buyer_signatory.strip()
    for number, milestone in enumerate(contract.latest_round.terms.get("milestones", []), start=1):
        session.add(Milestone(contract_id=contract.id, number=number, title=milestone["title"],
                              due_on=dt.date.fromisoformat(str(milestone["due_on"]))))
    return contract


def reject(session: Session, by: Principal, contract_id: int, expected_version: int, *, party: str,
           reason: str) -> Contract:
    """Record that one side turned the offer down; the negotiation ends."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    if party not in PARTIES:
        raise Unprocessable(f"party must be one of {', '.join(PARTIES)}.")
    contract.closing_reason = f"Rejected by the {_party(party)}: {reason}".strip()
    contract.offer_expires_at = None
    move_contract(session, by, contract, "reject", utcnow(), note=reason, extra={"reason": contract.closing_reason})
    return contract


def withdraw(session: Session, by: Principal, contract_id: int, expected_version: int, *,
             reason: str) -> Contract:
    """Withdraw the co-op from a contract not yet signed."""
    contract = contract_for_change(session, contract_id)
    check_version(contract, expected_version)
    contract.closing_reason = reason
    contract.offer_expires_at = None
    move_contract(session, by, contract, "withdraw", utcnow(), note=reason, extra={"reason": reason or None})
    return contract


def expire_lapsed_offers(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Close every open offer whose answer is overdue; return the contracts that lapsed."""
    now = now or utcnow()
    # Every contracts worker runs this job: each takes the lapsed rows no other has locked (the ids
    # alone, as PostgreSQL cannot lock the outer-joined buyer that loading a contract brings).
    ids = session.scalars(select(Contract.id).where(
        Contract.state.in_(lifecycle.OPEN_OFFER), Contract.offer_expires_at <= now)
        .order_by(Contract.id).with_for_update(skip_locked=True)).all()
    lapsed = [session.get(Contract, contract_id, populate_existing=True) for contract_id in ids]
    for contract in lapsed:
        contract.closing_reason = "The offer lapsed without an answer."
        move_contract(session, None, contract, "expire", now, note=contract.closing_reason,
              extra={"reason": contract.closing_reason})
        contract.offer_expires_at = None
    return [contract.id for contract in lapsed]


def expire_lapsed_offers_job(runtime) -> None:
    """Close lapsed offers (a periodic job of the contracts service)."""
    with runtime.db.transaction() as session:
        expire_lapsed_offers(session, runtime.collaborators.clock())


def warn_of_lapsing_offers(session: Session, within: dt.timedelta, now: dt.datetime | None = None) -> list[int]:
    """Publish contract.offer_lapsing, once per offer, for open offers lapsing within ``within``; return
    the contracts warned of.

    Each warning is claimed by a conditional UPDATE that records the deadline warned of, so of two
    workers at once only one publishes it; a new round with a new deadline is a new offer, warned again.
    """
    now = now or utcnow()
    not_warned = or_(Contract.lapsing_warned_for.is_(None), Contract.lapsing_warned_for != Contract.offer_expires_at)
    due = (Contract.state.in_(lifecycle.OPEN_OFFER), Contract.offer_expires_at > now,
           Contract.offer_expires_at <= now + within, not_warned)
    warned = []
    for contract_id, lapses_at in session.execute(
            select(Contract.id, Contract.offer_expires_at).where(*due).order_by(Contract.id)).all():
        claimed = session.execute(
            update(Contract).where(Contract.id == contract_id, Contract.offer_expires_at == lapses_at, *due)
            .values(lapsing_warned_for=lapses_at).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue  # another worker warned of it, or the offer was answered or renewed meanwhile
        contract = session.get(Contract, contract_id)
        OUTBOX.add(session, "contract.offer_lapsing", {
            "contract_id": contract.id, "reference": contract.reference, "title": contract.title,
            "buyer_name": contract.buyer.name, "lapses_at": lapses_at, "occurred_at": now})
        warned.append(contract_id)
    return warned


def warn_of_lapsing_offers_job(runtime) -> None:
    """Warn of offers about to lapse (a periodic job of the contracts service)."""
    given = runtime.collaborators
    with runtime.db.transaction() as session:
        warn_of_lapsing_offers(session, dt.timedelta(hours=given.settings.offer_lapsing_warning_hours),
                               given.clock())


def record_members_decision(session: Session, event: Envelope) -> None:
    """Apply the members' vote on a contract: approved, it may be signed; otherwise it is rejected.

    A decision that comes late (the contract was withdrawn meanwhile) or twice changes nothing.
    """
    data = event.data
    if data.get("subject_type") != "contract":
        return
    contract_id = _contract_id(data.get("subject_id"))
    # Locked before its state is read: a withdrawal at the same moment is made before or after, not between.
    contract = locked(session, Contract, contract_id) if contract_id else None
    if contract is None:
        log.warning("a vote was decided on a contract this service does not know",
                    extra={"subject_id": data.get("subject_id"), "proposal_id": data["proposal_id"]})
        return
    if contract.state != "agreed" or contract.approval != "pending":
        log.info("a members' decision arrived for a contract no longer waiting for one; nothing changed",
                 extra={"contract_id": contract.id, "state": contract.state, "approval": contract.approval})
        return
    now = utcnow()
    contract.approval_proposal_id = data["proposal_id"]
    counts = ", ".join(f"{option} {count}" for option, count in data["counts"].items())
    if data["outcome"] == "passed" and data.get("winning_option") == "for":
        contract.approval = "approved"
        contract.updated_at = now
        session.add(ContractEvent(contract_id=contract.id, from_state="agreed", to_state="agreed", at=now,
                                  by=None, note=f"Approved by the members' vote ({counts})."))
        OUTBOX.add(session, "contract.approved", event_data(contract), causation=event)
        return
    contract.approval = "not_approved"
    why = "no quorum" if data["outcome"] == "no_quorum" else counts
    contract.closing_reason = f"The members did not approve it ({why})."
    move_contract(session, None, contract, "refuse_by_vote", now, note=contract.closing_reason,
          extra={"reason": contract.closing_reason}, causation=event)


def _contract_id(subject_id) -> int | None:
    try:
        contract_id = int(subject_id)
    except (TypeError, ValueError):
        return None
    # No contract id is beyond an INTEGER column, and PostgreSQL refuses to even look one up.
    return contract_id if 0 < contract_id < 2**31 else None


def move_contract(session: Session, by: Principal | None, contract: Contract, action: str, now: dt.datetime,
          note: str = "", extra: dict | None = None, causation: Envelope | None = None) -> None:
    """Change state by a checked move, record it in the history and publish its event."""
    before = contract.state
    contract.state = lifecycle.next_state(before, action)
    contract.state_changed_at = contract.updated_at = now
    session.add(ContractEvent(contract_id=contract.id, from_state=before, to_state=contract.state, at=now,
                              by=by.account_id if by else None, note=note))
    OUTBOX.add(session, lifecycle.EVENTS[action], {**event_data(contract), **(extra or {})}, causation=causation)


def event_data(contract: Contract) -> dict:
    """Return what every contract event says about the contract (never its detailed terms)."""
    return {
        "contract_id": contract.id, "reference": contract.reference, "title": contract.title,
        "buyer_name": contract.buyer.name, "sector": contract.sector, "state": contract.state,
        "total_pence": contract.total_pence, "currency": CURRENCY, "round_number": len(contract.rounds),
        "occurred_at": contract.updated_at,
    }


def history(session: Session, contract: Contract) -> list[ContractEvent]:
    """Return the contract's changes of state, oldest first."""
    return list(session.scalars(select(ContractEvent).where(ContractEvent.contract_id == contract.id)
                                .order_by(ContractEvent.id)))


def _party(party: str) -> str:
    return "co-op" if party == "coop" else "buyer"


def _other(party: str) -> str:
    return "buyer" if party == "coop" else "coop"
