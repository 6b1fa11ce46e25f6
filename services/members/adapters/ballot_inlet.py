"""The ballot box's inlet: a durable queue of sealed ballots, on RabbitMQ or (embedded) in files.

Casting a vote posts its sealed ballot here, with a publisher confirm, before the vote's transaction
commits; whoever fills the box (``services.members.ballot_box``) takes what waits here and acknowledges
it only after the ballots table has it. This module knows the transport only: the batches, the shuffle
and which ballots are due are the box's rules.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable

from kombu import Connection, Exchange, Queue

from shared import bus
from shared.errors import DomainError
from shared.settings import Settings

log = logging.getLogger(__name__)


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


class BallotInlet:
    """The box's inlet, a durable queue (RabbitMQ, or files when embedded), and how to take from it."""

    def __init__(self, settings: Settings, connect: Callable[[Settings], Connection] = connect_inlet):
        self.settings = settings
        self.connect = connect
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

    def take(self) -> HeldBallots:
        """Return a connection that takes ballots and holds them until settled."""
        return HeldBallots(self)


class HeldBallots:
    """Ballots taken from the queue and not yet acknowledged: given back if the connection goes."""

    def __init__(self, box: BallotInlet):
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
