"""A stand-in service that listens to member events, for testing the backbone on its own."""

from __future__ import annotations

from kombu import Connection, Producer
from marshmallow import fields
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import bus
from shared.db import new_metadata
from shared.events import TolerantSchema
from shared.service import ServiceRuntime


class ListenerBase(DeclarativeBase):
    metadata = new_metadata()


class Received(ListenerBase):
    """One effect of one event: the thing a duplicate delivery must not do twice."""

    __tablename__ = "received"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(100))
    member_id: Mapped[int | None]
    proposal_id: Mapped[int | None]
    correlation_id: Mapped[str | None] = mapped_column(String(200))


class MemberEvent(TolerantSchema):
    """Reads member events and proposal.decided: only the ids the listener records."""

    member_id = fields.Integer()
    proposal_id = fields.Integer()


def record(session, event) -> None:
    """Write one row per handled event (deliberately not idempotent by itself: the inbox is)."""
    session.add(Received(event_id=event.id, event_type=event.type, member_id=event.data.get("member_id"),
                         proposal_id=event.data.get("proposal_id"), correlation_id=event.correlation_id))


class Listener:
    """The listener's runtime, with a handler that can be made to fail and then fixed."""

    def __init__(self, settings, event_types=("member.admitted",)):
        from shared.consumer import Subscription

        self.failing = False
        self.calls = 0
        subscriptions = {event_type: Subscription(MemberEvent, self.handle) for event_type in event_types}
        self.runtime = ServiceRuntime("listener", settings, ListenerBase.metadata, subscriptions, migrated=False)
        self.runtime.prepare_schema()

    def handle(self, session, event) -> None:
        self.calls += 1
        if self.failing:
            raise RuntimeError("the handler is broken")
        record(session, event)

    def received(self) -> list[Received]:
        with self.runtime.db.sessionmaker() as session:
            return list(session.scalars(select(Received).order_by(Received.id)))

    def count(self) -> int:
        with self.runtime.db.sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(Received))


def publish_raw(settings, body: str | bytes, routing_key: str = "member.admitted") -> None:
    """Put any body on the events exchange, as a broken or hostile producer would."""
    with Connection(settings.broker_url) as connection:
        producer = Producer(connection.default_channel, exchange=bus.events_exchange(settings))
        producer.publish(body, routing_key=routing_key, content_type="application/json",
                         content_encoding="binary" if isinstance(body, bytes) else "utf-8", retry=True)
