"""Governance under the co-op's model rules: proposals, secret ballots, proxies and results."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Sequence

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.members.adapters.ballot_inlet import BallotInlet, SealedBallot
from services.members.ballot_box import fill, new_seal, seal_hash
from services.members.events import OUTBOX
from services.members.membership import get_member, member_of_account
from services.members.models import Ballot, Member, Participation, Proposal, Proxy
from services.members.rules import voting
from services.members.settings import MembersSettings
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable
from shared.events import Envelope
from shared.money import pounds

log = logging.getLogger(__name__)

MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_VOTING_PERIOD = dt.timedelta(days=366)
MAX_OPTION_LENGTH = 100
# What the proposal.decided event repeats of the stored result.
DECIDED_FIELDS = ("counts", "votes_cast", "quorum", "outcome", "winning_option")


def open_proposal(
    session: Session, by: Principal, *, title: str, text: str, closes_at: dt.datetime,
    quorum_fraction: float | None = None, quorum_minimum: int | None = None, options: Sequence[str] | None = None,
    kind: str = "ordinary", subject_type: str | None = None, subject_id: str | None = None,
    now: dt.datetime | None = None, settings: MembersSettings | None = None,
) -> Proposal:
    """Put a resolution to the members (a coordinator's job), open until closes_at.

    A quorum not given is the settings' (``quorum_fraction``, ``quorum_minimum``).
    """
    settings = settings or MembersSettings()
    quorum_fraction = settings.quorum_fraction if quorum_fraction is None else quorum_fraction
    quorum_minimum = settings.quorum_minimum if quorum_minimum is None else quorum_minimum
    if not by.has_any("coordinator"):
        raise Forbidden("Only a coordinator can open a proposal.")
    now = now or utcnow()
    options = _valid_options(voting.DEFAULT_OPTIONS if options is None else options)
    if kind not in voting.KINDS:
        raise Unprocessable(f"kind must be one of {', '.join(voting.KINDS)}.")
    if closes_at.tzinfo is None or closes_at <= now:
        raise Unprocessable("closes_at must be a time in the future, with its time zone.")
    if closes_at > now + MAX_VOTING_PERIOD:
        raise Unprocessable(f"A ballot can stay open for at most {MAX_VOTING_PERIOD.days} days.")
    if not 0 <= quorum_fraction <= 1 or quorum_minimum < 0:
        raise Unprocessable("quorum_fraction must be between 0 and 1 and quorum_minimum not negative.")
    proposal = Proposal(
        title=title.strip(), text=text, options=options, kind=kind, quorum_fraction=quorum_fraction,
        quorum_minimum=quorum_minimum, opened_by=by.account_id, opened_at=now, closes_at=closes_at,
        status="open", subject_type=subject_type, subject_id=subject_id,
    )
    session.add(proposal)
    session.flush()
    _announce(session, proposal, settings)
    return proposal


def open_contract_approval(session: Session, event: Envelope, settings: MembersSettings) -> Proposal | None:
    """Put a contract over the approval threshold to the members, as contract.agreed asks.

    One ballot per contract: the same agreement delivered again, even as a new event, opens nothing more.
    """
    data = event.data
    if not data["needs_approval"]:
        return None
    subject_id = str(data["contract_id"])
    if session.scalar(select(Proposal.id).where(Proposal.subject_type == "contract",
                                                Proposal.subject_id == subject_id)) is not None:
        return None
    now = utcnow()
    title = f"Approve contract {data['reference']}: {data['title']}"
    proposal = Proposal(
        title=title if len(title) <= 200 else title[:199] + "…",
        text=(f"The co-op's coordinators have agreed terms with {data['buyer_name']} for {data['sector']} work "
              f"worth {pounds(data['total_pence'])} in all. Contracts worth more than "
              f"{pounds(data['approval_threshold_pence'])} need the members' approval before they are signed: "
              "one member, one vote. Vote 'for' to let the coordinators sign it."),
        options=list(voting.DEFAULT_OPTIONS), kind="ordinary", quorum_fraction=settings.quorum_fraction,
        quorum_minimum=settings.quorum_minimum, opened_by=None, opened_at=now,
        closes_at=now + dt.timedelta(days=settings.contract_approval_days), status="open",
        subject_type="contract", subject_id=subject_id,
    )
    session.add(proposal)
    session.flush()
    _announce(session, proposal, settings, causation=event)
    log.info("a contract was put to the members' vote", extra={"proposal_id": proposal.id, "contract": subject_id})
    return proposal


def _announce(session: Session, proposal: Proposal, settings: MembersSettings,
              causation: Envelope | None = None) -> None:
    # Tell every member who may vote; a ballot shorter than the reminder window is marked reminded
    # now, since this notice is the only one it gets (remind_closing_proposals skips it).
    if proposal.closes_at - proposal.opened_at <= settings.proposal_reminder_window:
        proposal.reminded_at = proposal.opened_at
    OUTBOX.add(session, "proposal.opened", {
        "proposal_id": proposal.id, "title": proposal.title, "kind": proposal.kind,
        "closes_at": proposal.closes_at, "subject_type": proposal.subject_type,
        "subject_id": proposal.subject_id, "voter_account_ids": voter_account_ids(session),
        "occurred_at": proposal.opened_at,
    }, causation=causation)


def voters_query() -> Select:
    """Return the select of (member id, account id) of every member who may vote now, by account.

    An agency's account is its representative's: she votes for it. The same rule (rules.voting.may_vote)
    decides who may cast a vote or hold a proxy.
    """
    return (select(Member.id, Member.account_id).where(Member.status.in_(voting.VOTING_STATUSES))
            .order_by(Member.account_id))


def voter_account_ids(session: Session) -> list[int]:
    """Return the accounts of every member who may vote now."""
    return [account_id for _member_id, account_id in session.execute(voters_query())]


def _valid_options(options: Sequence[str]) -> list[str]:
    cleaned = [option.strip() for option in options]
    if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
        raise Unprocessable(f"Give between {MIN_OPTIONS} and {MAX_OPTIONS} options.")
    if any(not option or len(option) > MAX_OPTION_LENGTH for option in cleaned):
        raise Unprocessable(f"Each option needs 1 to {MAX_OPTION_LENGTH} characters.")
    if len(set(cleaned)) != len(cleaned):
        raise Unprocessable("The options must all be different.")
    return cleaned


def get_proposal(session: Session, proposal_id: int, lock: bool = False) -> Proposal:
    """Return a proposal, or raise NotFound; lock=True holds a shared row lock until commit."""
    statement = select(Proposal).where(Proposal.id == proposal_id)
    if lock:
        # Voters share the lock, and closing waits for them: no ballot lands after the count.
        statement = statement.with_for_update(read=True).execution_options(populate_existing=True)
    proposal = session.scalar(statement)
    if proposal is None:
        raise NotFound(f"There is no proposal {proposal_id}.")
    return proposal


def proposals_query(status: str | None = None) -> Select:
    """Return the select of proposals, newest first, optionally only those open or closed."""
    statement = select(Proposal).order_by(Proposal.id.desc())
    return statement if status is None else statement.where(Proposal.status == status)


def _ensure_open(proposal: Proposal, now: dt.datetime) -> None:
    if proposal.status != "open" or now >= proposal.closes_at:
        raise Conflict("This proposal is closed to votes.")


def _active_member_of(session: Session, by: Principal) -> Member:
    # The voter is found by account, not by the token's member_id, which may predate a change.
    member = member_of_account(session, by.account_id)
    if member is None or not voting.may_vote(member.status):
        raise Forbidden("Only active members can do this.")
    return member


def cast_vote(
    session: Session, proposal_id: int, by: Principal, option: str, on_behalf_of: int | None = None,
    now: dt.datetime | None = None, *, inlet: BallotInlet,
) -> tuple[Member, str]:
    """Record one member's vote; return the member voted for and the receipt (shown only once).

    This transaction writes only that she voted; her choice goes sealed to the ballot box's inlet,
    confirmed before the commit, and reaches the ballots table later in a shuffled batch (ballot_box.py).
    """
    now = now or utcnow()
    proposal = get_proposal(session, proposal_id, lock=True)
    _ensure_open(proposal, now)
    if option not in proposal.options:
        raise Unprocessable(f"Choose one of: {', '.join(proposal.options)}.")
    caller = _active_member_of(session, by)
    voter = caller
    if on_behalf_of not in (None, caller.id):
        voter = _represented(session, proposal, caller, on_behalf_of)
    seal = new_seal()
    participation = Participation(proposal_id=proposal.id, member_id=voter.id, cast_by_account_id=by.account_id,
                                  by_proxy=voter is not caller, seal_hash=seal_hash(seal))
    _insert_once(session, participation, f"Member {voter.member_number} has already voted on this proposal.")
    receipt = secrets.token_urlsafe(24)
    # Posted while the proposal is locked against closing and before the commit: a vote that commits
    # always has its ballot in the inlet, and one rolled back leaves a ballot the box throws away.
    inlet.post(SealedBallot(proposal.id, option, receipt_hash(receipt), seal))
    return voter, receipt


def _represented(session: Session, proposal: Proposal, caller: Member, member_id: int) -> Member:
    # Locked, as withdrawing it locks it: a vote by proxy and its withdrawal are one after the other.
    proxy = session.scalar(
        select(Proxy).where(Proxy.proposal_id == proposal.id, Proxy.member_id == member_id).with_for_update())
    if proxy is None or proxy.proxy_member_id != caller.id:
        raise Forbidden("That member has not appointed you as their proxy for this proposal.")
    member = get_member(session, member_id)
    if not voting.may_vote(member.status):
        raise Forbidden(f"Member {member.member_number} is {member.status} and cannot vote.")
    return member


def _insert_once(session: Session, row, duplicate_message: str) -> None:
    # The unique constraint is the last word when two requests race past this check together.
    if _exists(session, type(row), row.proposal_id, row.member_id):
        raise Conflict(duplicate_message)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        raise Conflict(duplicate_message) from error


def _exists(session: Session, model: type[Participation | Proxy], proposal_id: int, member_id: int) -> bool:
    statement = select(model.id).where(model.proposal_id == proposal_id, model.member_id == member_id)
    return session.scalar(statement) is not None


def receipt_hash(receipt: str) -> str:
    """Return what is stored of a receipt: its SHA-256, so the table alone reveals no receipt."""
    return hashlib.sha256(receipt.encode("utf-8")).hexdigest()


def appoint_proxy(
    session: Session, proposal_id: int, by: Principal, proxy_member_id: int, now: dt.datetime | None = None,
) -> Proxy:
    """Let the caller's member appoint another active member to vote for them on one proposal."""
    now = now or utcnow()
    proposal = get_proposal(session, proposal_id, lock=True)
    _ensure_open(proposal, now)
    member = _active_member_of(session, by)
    if proxy_member_id == member.id:
        raise Unprocessable("You cannot appoint yourself as your own proxy.")
    holder = session.get(Member, proxy_member_id)
    if holder is None or not voting.may_vote(holder.status):
        raise Unprocessable("A proxy must be an active member.")
    if _exists(session, Participation, proposal.id, member.id):
        raise Conflict("You have already voted on this proposal.")
    proxy = Proxy(proposal_id=proposal.id, member_id=member.id, proxy_member_id=holder.id, appointed_at=now)
    _insert_once(session, proxy, "You have already appointed a proxy for this proposal.")
    return proxy


def withdraw_proxy(session: Session, proposal_id: int, by: Principal, now: dt.datetime | None = None) -> Proxy:
    """Withdraw the proxy the caller's member appointed on a proposal, while it is open and before her
    proxy has voted for her; return the proxy withdrawn."""
    now = now or utcnow()
    proposal = get_proposal(session, proposal_id, lock=True)
    _ensure_open(proposal, now)
    member = _active_member_of(session, by)
    proxy = session.scalar(select(Proxy).where(Proxy.proposal_id == proposal.id, Proxy.member_id == member.id)
                           .with_for_update())
    if proxy is None:
        raise NotFound("You have not appointed a proxy for this proposal.")
    if _exists(session, Participation, proposal.id, member.id):
        raise Conflict("Your vote on this proposal has been cast already: the proxy can no longer be withdrawn.")
    session.delete(proxy)
    session.flush()
    return proxy


def my_ballot(session: Session, proposal_id: int, by: Principal) -> dict:
    """What the caller's member may see of her own part in a ballot (never how anyone voted): whether
    her vote is cast, the proxy she appointed, and the members who appointed her as their proxy, each
    with whether their vote is cast."""
    get_proposal(session, proposal_id)
    member = member_of_account(session, by.account_id)
    if member is None:
        return {"member": None, "voted": False, "proxy": None, "represents": []}
    voted = set(session.scalars(select(Participation.member_id).where(Participation.proposal_id == proposal_id)))
    proxy = session.scalar(select(Proxy).where(Proxy.proposal_id == proposal_id, Proxy.member_id == member.id))
    represented = session.scalars(
        select(Member).join(Proxy, Proxy.member_id == Member.id)
        .where(Proxy.proposal_id == proposal_id, Proxy.proxy_member_id == member.id).order_by(Member.name))
    return {
        "member": member, "voted": member.id in voted,
        "proxy": session.get(Member, proxy.proxy_member_id) if proxy else None,
        "represents": [{"member": other, "voted": other.id in voted} for other in represented],
    }


def participants_query(session: Session, proposal_id: int) -> Select:
    """Return the select of members who took part in a ballot (never how they voted)."""
    get_proposal(session, proposal_id)
    return (select(Member).join(Participation, Participation.member_id == Member.id)
            .where(Participation.proposal_id == proposal_id).order_by(Member.member_number, Member.id))


def check_ballot(session: Session, proposal_id: int, receipt: str) -> str:
    """Return the option recorded on the ballot this receipt belongs to, once it is in the box."""
    option = session.scalar(select(Ballot.option).where(
        Ballot.proposal_id == proposal_id, Ballot.receipt_hash == receipt_hash(receipt)))
    if option is None:
        raise NotFound("No ballot in this proposal's box has that receipt. Ballots are put in the box in "
                       "shuffled batches, and all of them when voting closes: a ballot cast lately may not "
                       "be there yet.")
    return option


def close_proposal(
    session: Session, proposal_id: int, by: Principal, now: dt.datetime | None = None, *, inlet: BallotInlet,
    batch_size: int,
) -> Proposal:
    """Close a proposal whose time is up without waiting for the worker (a coordinator's job).

    Nobody can cut a ballot short: closing before closes_at is refused. Closing a closed proposal
    changes nothing.
    """
    if not by.has_any("coordinator"):
        raise Forbidden("Only a coordinator can close a proposal.")
    now = now or utcnow()
    proposal = get_proposal(session, proposal_id)
    if proposal.status == "open" and now < proposal.closes_at:
        raise Conflict(f"Voting is open until {proposal.closes_at.isoformat()}; it cannot be closed early.")
    _close(session, proposal.id, now, inlet, batch_size)
    session.refresh(proposal)  # another closer may have got there first
    return proposal


def close_due_proposals(session: Session, now: dt.datetime | None = None, *, inlet: BallotInlet,
                        batch_size: int) -> list[int]:
    """Close every open proposal whose closing time has passed; return the ids this call closed."""
    now = now or utcnow()
    due = session.scalars(select(Proposal.id).where(Proposal.status == "open", Proposal.closes_at <= now)
                          .order_by(Proposal.id)).all()
    return [proposal_id for proposal_id in due if _close(session, proposal_id, now, inlet, batch_size)]


def close_due_proposals_job(runtime) -> None:
    """Close the proposals whose time has passed (a periodic job of the members service)."""
    with runtime.db.transaction() as session:
        closed = close_due_proposals(session, utcnow(), inlet=runtime.collaborators.ballot_inlet,
                                     batch_size=runtime.collaborators.settings.ballot_batch_size)
    if closed:
        log.info("proposals closed", extra={"proposal_ids": closed})


def remind_closing_proposals(session: Session, now: dt.datetime | None = None, *,
                             window: dt.timedelta) -> list[int]:
    """Remind, once, those who have not voted on each open proposal closing within the window.

    Return the ids of the proposals this call claimed. Each is claimed by a conditional UPDATE of
    its reminded_at, so two workers at once remind once: the second finds it already set.
    """
    now = now or utcnow()
    due = session.scalars(select(Proposal.id).where(
        Proposal.status == "open", Proposal.reminded_at.is_(None), Proposal.closes_at > now,
        Proposal.closes_at <= now + window).order_by(Proposal.id)).all()
    return [proposal_id for proposal_id in due if _remind(session, proposal_id, now)]


def remind_closing_proposals_job(runtime) -> None:
    """Remind members of the proposals closing soon (a periodic job of the members service)."""
    with runtime.db.transaction() as session:
        reminded = remind_closing_proposals(
            session, utcnow(), window=runtime.collaborators.settings.proposal_reminder_window)
    if reminded:
        log.info("members reminded of proposals closing soon", extra={"proposal_ids": reminded})


def _remind(session: Session, proposal_id: int, now: dt.datetime) -> bool:
    claimed = session.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.status == "open",
                               Proposal.reminded_at.is_(None))
        .values(reminded_at=now).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                              .execution_options(populate_existing=True))
    account_ids = still_to_vote_account_ids(session, proposal_id)
    if account_ids:  # everyone voted: nobody to remind, and nothing published
        OUTBOX.add(session, "proposal.closing_soon", {
            "proposal_id": proposal.id, "title": proposal.title, "closes_at": proposal.closes_at,
            "account_ids": account_ids, "occurred_at": now,
        })
    return True


def still_to_vote_account_ids(session: Session, proposal_id: int) -> list[int]:
    """Return whom to remind of a proposal: the account of each member who may vote and has not.

    A member who appointed a proxy is reminded through her proxy's account (the proxy votes for her),
    unless the proxy may no longer vote, when she is reminded herself. Only who voted is read, never how.
    """
    voters = dict(session.execute(voters_query()).tuples().all())
    voted = set(session.scalars(select(Participation.member_id).where(Participation.proposal_id == proposal_id)))
    proxies = dict(session.execute(select(Proxy.member_id, Proxy.proxy_member_id)
                                   .where(Proxy.proposal_id == proposal_id)).tuples().all())
    accounts = set()
    for member_id, account_id in voters.items():
        if member_id in voted:
            continue
        proxy_account = voters.get(proxies.get(member_id))
        accounts.add(account_id if proxy_account is None else proxy_account)
    return sorted(accounts)


def _close(session: Session, proposal_id: int, now: dt.datetime, inlet: BallotInlet, batch_size: int) -> bool:
    # Only the transaction whose UPDATE changes the row counts and publishes: a second closer,
    # concurrent or later, finds no open row and does nothing.
    claimed = session.execute(
        update(Proposal).where(Proposal.id == proposal_id, Proposal.status == "open")
        .values(status="closed", closed_at=now).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    # The UPDATE waited for every vote holding the proposal's lock, so all its ballots are in the
    # inlet now: they go into the box, shuffled, before the count, in this same transaction.
    fill(session, inlet, batch_size, closing={proposal_id})
    _warn_if_ballots_missing(session, proposal_id)
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                              .execution_options(populate_existing=True))
    proposal.result = compute_result(session, proposal)
    OUTBOX.add(session, "proposal.decided", {
        "proposal_id": proposal.id, "title": proposal.title,
        **{key: proposal.result[key] for key in DECIDED_FIELDS},
        "subject_type": proposal.subject_type, "subject_id": proposal.subject_id,
        "decided_at": now, "member_account_ids": voter_account_ids(session), "occurred_at": now,
    })
    session.flush()
    return True


def _warn_if_ballots_missing(session: Session, proposal_id: int) -> None:
    # Only a broker that lost its messages (the embedded one, in memory, when its process died) does this.
    voted = session.scalar(select(func.count()).select_from(Participation)
                           .where(Participation.proposal_id == proposal_id))
    boxed = session.scalar(select(func.count()).select_from(Ballot).where(Ballot.proposal_id == proposal_id))
    if boxed != voted:
        log.error("the ballot box holds a different number of ballots than members who voted",
                  extra={"proposal_id": proposal_id, "voted": voted, "ballots": boxed})


def compute_result(session: Session, proposal: Proposal) -> dict:
    """Count a proposal's ballots and decide it against the members active now."""
    active = session.scalar(select(func.count()).select_from(voters_query().subquery()))
    quorum = voting.quorum_needed(active, proposal.quorum_fraction, proposal.quorum_minimum)
    counts = voting.tally(proposal.options, session.scalars(
        select(Ballot.option).where(Ballot.proposal_id == proposal.id)))
    outcome, winner = voting.decide(proposal.options, counts, proposal.kind, quorum)
    return {"counts": counts, "votes_cast": sum(counts.values()), "quorum": quorum,
            "active_members": active, "outcome": outcome, "winning_option": winner}


def render_proposals(session: Session, proposals: Sequence[Proposal]) -> list[dict]:
    """Show proposals to a reader: while open, how many voted but never how."""
    ids = [proposal.id for proposal in proposals]
    turnout = dict(session.execute(
        select(Participation.proposal_id, func.count()).where(Participation.proposal_id.in_(ids))
        .group_by(Participation.proposal_id)).all()) if ids else {}
    return [_render(proposal, turnout.get(proposal.id, 0)) for proposal in proposals]


def render_proposal(session: Session, proposal: Proposal) -> dict:
    """Show one proposal to a reader (tallies only once it is closed)."""
    return render_proposals(session, [proposal])[0]


def _render(proposal: Proposal, votes_cast: int) -> dict:
    fields = ("id", "title", "text", "options", "kind", "quorum_fraction", "quorum_minimum", "opened_by",
              "opened_at", "closes_at", "status", "closed_at", "subject_type", "subject_id")
    view = {name: getattr(proposal, name) for name in fields}
    closed = proposal.status == "closed"
    view["votes_cast"] = proposal.result["votes_cast"] if closed and proposal.result else votes_cast
    view["result"] = proposal.result if closed else None
    return view
