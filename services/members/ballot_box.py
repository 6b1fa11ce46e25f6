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

import dataclasses
import hashlib
import json
import logging
import secrets
from collections.abc import Callable, Collection

from kombu import Connection, Exchange, Queue
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from services.members.models import Ballot, Participation, Proposal
from shared import bus
from shared.db import hold_lock
from shared.errors import DomainError
from shared.settings import Settings

log = logging.getLogger(__name__)

_HELD_KEY = "coop_ballot_box_held"
_LISTENING_KEY = "coop_ballot_box_listening"
_random = secrets.SystemRandom()


class BallotBoxUnavailable(DomainError):
    """The inlet of the ballot box could not take a ballot: the vote is not recorded."""

    status = 503
    title = "Service Unavailable"


@dataclasses.dataclass(frozen=True)
class SealedBallot:
    """What travels to the box: never the member, the account or the time."""

    proposal_id: int
    option: str
    receipt_hash: str
    seal: str  # a one-time secret; the participation keeps only its hash

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> SealedBallot:
        data = json.loads(text)
        return cls(int(data["proposal_id"]), str(data["option"]), str(data["receipt_hash"]), str(data["seal"]))


def new_seal() -> str:
    """Return a fresh one-time seal for a ballot."""
    return secrets.token_urlsafe(24)


def seal_hash(seal: str) -> str:
    """Return what the participation keeps of the seal (the seal itself exists only in the inlet)."""
    return hashlib.sha256(b"ballot-seal:" + seal.encode("utf-8")).hexdigest()


def connect_inlet(settings: Settings) -> Connection:
    """Connect to where the box's inlet lives: RabbitMQ, or files under the data folder when embedded.

    The embedded broker keeps its queues in the memory of its one process, and ballots wait there for
    days: a restart would lose them. kombu's filesystem transport keeps each one as a file until taken.
    """
    if bus.is_amqp(settings.broker_url):
        return bus.connect(settings)
    folder = (settings.data_dir / "ballot-box").resolve()
    for part in ("inlet", "control"):
        (folder / part).mkdir(mode=0o700, parents=True, exist_ok=True)
    return Connection("filesystem://", transport_options={
        "data_folder_in": str(folder / "inlet"), "data_folder_out": str(folder / "inlet"),
        "control_folder": str(folder / "control"), "store_processed": False})


class BallotBox:
    """The box's inlet, a durable queue (RabbitMQ, or files when embedded), and how to take from it."""

    def __init__(self, settings: Settings, connect: Callable[[Settings], Connection] = connect_inlet):
        self.settings = settings
        self.connect = connect
        self.batch_size = max(1, settings.ballot_batch_size)
        name = f"{settings.queue_prefix}members.ballot-box"
        self.exchange = Exchange(f"{settings.exchange}.ballot-box", type="direct", durable=True)
        # A classic queue, not a quorum one: ballots waiting for their batch go back to it many times,
        # and a delivery limit must never throw one away.
        self.queue = Queue(name, exchange=self.exchange, routing_key=name, durable=True, auto_delete=False)

    def post(self, ballot: SealedBallot) -> None:
        """Put a sealed ballot in the inlet, confirmed by the broker; raise BallotBoxUnavailable if not."""
        try:
            with self.connect(self.settings) as connection:
                connection.ensure_connection(max_retries=1, timeout=self.settings.confirm_timeout_seconds)
                producer = connection.Producer()
                producer.publish(
                    ballot.to_json(), exchange=self.exchange, routing_key=self.queue.routing_key,
                    declare=[self.queue], content_type="application/json", content_encoding="utf-8",
                    delivery_mode=2, retry=False, timeout=self.settings.confirm_timeout_seconds,
                    confirm_timeout=self.settings.confirm_timeout_seconds,
                )
        except Exception as error:  # noqa: BLE001 - any broker failure means the ballot did not get there
            log.warning("the ballot box could not take a ballot: %s", error)
            raise BallotBoxUnavailable(
                "The ballot box is not answering just now, so your vote was not recorded. Please try again.") from error

    def waiting(self) -> int:
        """Return how many ballots wait in the inlet (all proposals)."""
        with self.connect(self.settings) as connection:
            channel = connection.channel()
            self.queue(channel).declare()
            return self.queue(channel).queue_declare(passive=True).message_count

    def open_inlet(self) -> _Inlet:
        """Return a connection that takes ballots and holds them until settled."""
        return _Inlet(self)


class _Inlet:
    """Ballots taken from the queue and not yet acknowledged: given back if the connection goes."""

    def __init__(self, box: BallotBox):
        self.connection = box.connect(box.settings)
        self.channel = self.connection.channel()
        self.queue = box.queue(self.channel)
        self.queue.declare()
        self.taken: list[tuple[object, SealedBallot | None]] = []
        self.done: set[int] = set()  # indexes into taken: written to the table, or thrown away
        self.committed = False

    def take_all(self) -> None:
        """Take every ballot that waits now."""
        while (message := self.queue.get(no_ack=False)) is not None:
            try:
                ballot = SealedBallot.from_json(message.body)
            except (ValueError, KeyError, TypeError):
                log.error("a message in the ballot box is not a sealed ballot; it is thrown away")
                ballot = None
            self.taken.append((message, ballot))
            if ballot is None:
                self.done.add(len(self.taken) - 1)

    def pending(self) -> list[int]:
        """Return the indexes of taken ballots not yet written or thrown away."""
        return [index for index in range(len(self.taken)) if index not in self.done]

    def settle(self, committed: bool) -> None:
        """After commit, acknowledge what was written or thrown away; give back the rest (all, after a rollback)."""
        try:
            for index, (message, _ballot) in enumerate(self.taken):
                if committed and index in self.done:
                    message.ack()
                else:
                    message.requeue()
        finally:
            # Given back above one by one; what a dead process could not give back, RabbitMQ does when
            # its connection goes.
            try:
                self.connection.release()
            except Exception:  # noqa: BLE001 - the broker gives back unacknowledged messages anyway
                pass


def _inlet_for(session: Session, box: BallotBox) -> _Inlet:
    # One inlet per transaction: what one filling took stays held (unacknowledged) until commit, so a
    # second filling in the same transaction must see it there, not in the queue.
    inlet = session.info.get(_HELD_KEY)
    if inlet is None:
        inlet = session.info[_HELD_KEY] = box.open_inlet()
        if not session.info.get(_LISTENING_KEY):
            session.info[_LISTENING_KEY] = True
            event.listen(session, "after_commit", _mark_committed)
            event.listen(session, "after_transaction_end", _settle)
    return inlet


def _mark_committed(session: Session) -> None:
    inlet = session.info.get(_HELD_KEY)
    if inlet is not None:
        inlet.committed = True


def _settle(session: Session, transaction) -> None:
    if transaction.parent is None and (inlet := session.info.pop(_HELD_KEY, None)) is not None:
        inlet.settle(inlet.committed)


def fill(session: Session, box: BallotBox, closing: Collection[int] = ()) -> int:
    """Write to the ballots table what is due of the inlet; return how many ballots were written.

    All that wait for a proposal in ``closing`` (the caller has claimed them closed, so every vote on
    them has ended); for an open proposal, all but a random batch size once twice that many wait.
    Must run in the transaction that commits them: the inlet is settled when it ends.
    """
    # One filler at a time, so that a closing proposal never misses ballots another filler holds.
    hold_lock(session, "ballot-box")
    inlet = _inlet_for(session, box)
    inlet.take_all()
    by_proposal: dict[int, list[int]] = {}
    for index in inlet.pending():
        by_proposal.setdefault(inlet.taken[index][1].proposal_id, []).append(index)
    statuses = dict(session.execute(select(Proposal.id, Proposal.status)
                                    .where(Proposal.id.in_(list(by_proposal)))).all()) if by_proposal else {}
    written = 0
    for proposal_id, indexes in by_proposal.items():
        if proposal_id not in closing and statuses.get(proposal_id) != "open":
            # Only a vote rolled back after posting its ballot leaves one for a closed proposal.
            log.error("ballots for a closed or unknown proposal thrown away",
                      extra={"proposal_id": proposal_id, "ballots": len(indexes)})
            inlet.done.update(indexes)
            continue
        recorded, unrecorded = _by_recorded_vote(session, inlet, proposal_id, indexes)
        if proposal_id in closing:
            if unrecorded:
                # Every vote on it has ended: these were rolled back after their ballot was posted.
                log.error("ballots whose vote was never recorded thrown away",
                          extra={"proposal_id": proposal_id, "ballots": len(unrecorded)})
                inlet.done.update(unrecorded)
            written += _write(session, inlet, proposal_id, recorded)
        elif len(recorded) >= 2 * box.batch_size:
            # A random batch size stays behind: no batch is the voters who voted last, and the close
            # always has at least that many to write together.
            kept = set(_random.sample(recorded, box.batch_size))
            written += _write(session, inlet, proposal_id, [index for index in recorded if index not in kept])
    return written


def _by_recorded_vote(session: Session, inlet: _Inlet, proposal_id: int,
                      indexes: list[int]) -> tuple[list[int], list[int]]:
    # Reading participations writes nothing: the voters' rows are never touched by the box.
    sealed = {index: seal_hash(inlet.taken[index][1].seal) for index in indexes}
    voted = set(session.scalars(select(Participation.seal_hash).where(
        Participation.proposal_id == proposal_id, Participation.seal_hash.in_(list(sealed.values())))))
    recorded = [index for index in indexes if sealed[index] in voted]
    return recorded, [index for index in indexes if sealed[index] not in voted]


def _write(session: Session, inlet: _Inlet, proposal_id: int, indexes: list[int]) -> int:
    hashes = {inlet.taken[index][1].receipt_hash for index in indexes}
    already = set(session.scalars(select(Ballot.receipt_hash).where(Ballot.receipt_hash.in_(list(hashes)))))
    rows, seen = [], set()
    for index in indexes:
        inlet.done.add(index)
        ballot = inlet.taken[index][1]
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
    box = ballot_box(runtime.settings)
    if box.waiting() < 2 * box.batch_size:
        return  # too few for any batch: nothing to do, and no lock taken
    with runtime.db.transaction() as session:
        written = fill(session, box)
    if written:
        log.info("ballots put in the box", extra={"ballots": written})


_boxes: dict[tuple, BallotBox] = {}


def ballot_box(settings: Settings) -> BallotBox:
    """Return the ballot box of the members service running with these settings."""
    key = (settings.broker_url, settings.exchange, settings.queue_prefix, settings.ballot_batch_size)
    if key not in _boxes:
        _boxes[key] = BallotBox(settings)
    return _boxes[key]
