"""The ballot box: how a sealed choice reaches the ballots table apart from the record of who voted.

Casting a vote writes the participation (who voted) in the voter's transaction, and posts the sealed
ballot (proposal, choice, receipt hash and a one-time seal) to a durable queue of its own (on RabbitMQ,
with a publisher confirm; embedded, in files under the data folder) before that transaction commits. The
queue is the box's inlet. Whoever fills the box (the periodic job, or the closing of a proposal) takes
what waits there and writes it to the ballots table in shuffled batches, in a transaction of its own,
and acknowledges the messages only after it committed: a process dying on the way leaves them in the
queue for the next filler, and a ballot delivered twice is written once (its receipt hash is unique).

So no transaction writes both a participation and a ballot, ballots carry no time or sequence (a random
id, written in random order, all of a batch in one transaction), and a batch is never smaller than the
batch size, nor made of the voters who voted one after another:

- while a proposal is open, once twice the batch size wait for it, a random batch size of them stay
  in the inlet and all the others are written;
- when it closes, all that wait are written, before the tally, in the closing transaction.

The seal lets the box drop a ballot whose vote was rolled back after it was posted: the participation
keeps only the seal's hash, and the ballot row never holds the seal, so the two tables share nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Collection

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from services.members.adapters.ballot_inlet import BallotInlet, HeldBallots
from services.members.models import Ballot, Participation, Proposal
from shared.db import hold_lock

log = logging.getLogger(__name__)

_HELD_KEY = "coop_ballot_box_held"
_LISTENING_KEY = "coop_ballot_box_listening"
_random = secrets.SystemRandom()


def new_seal() -> str:
    """Return a fresh one-time seal for a ballot."""
    return secrets.token_urlsafe(24)


def seal_hash(seal: str) -> str:
    """Return what the participation keeps of the seal (the seal itself exists only in the inlet)."""
    return hashlib.sha256(b"ballot-seal:" + seal.encode("utf-8")).hexdigest()


def _held_for(session: Session, inlet: BallotInlet) -> HeldBallots:
    # One taking per transaction: what one filling took stays held (unacknowledged) until commit, so a
    # second filling in the same transaction must see it there, not in the queue.
    held = session.info.get(_HELD_KEY)
    if held is None:
        held = session.info[_HELD_KEY] = inlet.take()
        if not session.info.get(_LISTENING_KEY):
            session.info[_LISTENING_KEY] = True
            event.listen(session, "after_commit", _mark_committed)
            event.listen(session, "after_transaction_end", _settle)
    return held


def _mark_committed(session: Session) -> None:
    held = session.info.get(_HELD_KEY)
    if held is not None:
        held.committed = True


def _settle(session: Session, transaction) -> None:
    if transaction.parent is None and (held := session.info.pop(_HELD_KEY, None)) is not None:
        held.settle(held.committed)


def fill(session: Session, inlet: BallotInlet, batch_size: int, closing: Collection[int] = ()) -> int:
    """Write to the ballots table what is due of the inlet; return how many ballots were written.

    All that wait for a proposal in ``closing`` (the caller has claimed them closed, so every vote on
    them has ended); for an open proposal, all but a random batch size once twice that many wait.
    Must run in the transaction that commits them: the inlet is settled when it ends.
    """
    batch_size = max(1, batch_size)
    # One filler at a time, so that a closing proposal never misses ballots another filler holds.
    hold_lock(session, "ballot-box")
    held = _held_for(session, inlet)
    held.take_all()
    by_proposal: dict[int, list[int]] = {}
    for index in held.pending():
        by_proposal.setdefault(held.taken[index][1].proposal_id, []).append(index)
    statuses = dict(session.execute(select(Proposal.id, Proposal.status)
                                    .where(Proposal.id.in_(list(by_proposal)))).all()) if by_proposal else {}
    written = 0
    for proposal_id, indexes in by_proposal.items():
        if proposal_id not in closing and statuses.get(proposal_id) != "open":
            # Only a vote rolled back after posting its ballot leaves one for a closed proposal.
            log.error("ballots for a closed or unknown proposal thrown away",
                      extra={"proposal_id": proposal_id, "ballots": len(indexes)})
            held.done.update(indexes)
            continue
        recorded, unrecorded = _by_recorded_vote(session, held, proposal_id, indexes)
        if proposal_id in closing:
            if unrecorded:
                # Every vote on it has ended: these were rolled back after their ballot was posted.
                log.error("ballots whose vote was never recorded thrown away",
                          extra={"proposal_id": proposal_id, "ballots": len(unrecorded)})
                held.done.update(unrecorded)
            written += _write(session, held, proposal_id, recorded)
        elif len(recorded) >= 2 * batch_size:
            # A random batch size stays behind: no batch is the voters who voted last, and the close
            # always has at least that many to write together.
            kept = set(_random.sample(recorded, batch_size))
            written += _write(session, held, proposal_id, [index for index in recorded if index not in kept])
    return written


def _by_recorded_vote(session: Session, held: HeldBallots, proposal_id: int,
                      indexes: list[int]) -> tuple[list[int], list[int]]:
    # Reading participations writes nothing: the voters' rows are never touched by the box.
    sealed = {index: seal_hash(held.taken[index][1].seal) for index in indexes}
    voted = set(session.scalars(select(Participation.seal_hash).where(
        Participation.proposal_id == proposal_id, Participation.seal_hash.in_(list(sealed.values())))))
    recorded = [index for index in indexes if sealed[index] in voted]
    return recorded, [index for index in indexes if sealed[index] not in voted]


def _write(session: Session, held: HeldBallots, proposal_id: int, indexes: list[int]) -> int:
    hashes = {held.taken[index][1].receipt_hash for index in indexes}
    already = set(session.scalars(select(Ballot.receipt_hash).where(Ballot.receipt_hash.in_(list(hashes)))))
    rows, seen = [], set()
    for index in indexes:
        held.done.add(index)
        ballot = held.taken[index][1]
        if ballot.receipt_hash in already or ballot.receipt_hash in seen:
            continue  # delivered again after a filler died between its commit and its acknowledgement
        seen.add(ballot.receipt_hash)
        rows.append({"id": secrets.token_hex(16), "proposal_id": proposal_id, "option": ballot.option,
                     "receipt_hash": ballot.receipt_hash})
    _random.shuffle(rows)  # the physical order of a batch tells nothing of the order of the votes
    if rows:
        session.execute(insert(Ballot), rows)
    return len(rows)


def fill_ballot_box_job(runtime) -> None:
    """Write the ballots that are due from the inlet (a periodic job of the members service)."""
    inlet, batch_size = runtime.collaborators.ballot_inlet, runtime.collaborators.settings.ballot_batch_size
    if inlet.waiting() < 2 * max(1, batch_size):
        return  # too few for any batch: nothing to do, and no lock taken
    with runtime.db.transaction() as session:
        written = fill(session, inlet, batch_size)
    if written:
        log.info("ballots put in the box", extra={"ballots": written})
