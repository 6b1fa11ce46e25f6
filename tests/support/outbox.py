"""What a service said: the events in its outbox, for tests to assert on (the one helper for every service)."""

from __future__ import annotations

from sqlalchemy import select

from shared.db import OutboxMessage


def published(service, event_type: str | None = None, **matching) -> list[dict]:
    """Return the data of the events a service wrote to its outbox, oldest first.

    ``service`` is any test fixture with a ``runtime`` (coop, market, desk, agency). Give ``event_type``
    for one type only, and ``matching`` fields (``contract_id=3``) for the events about one thing.
    """
    return [data for _type, data in published_with_types(service, event_type, **matching)]


def published_types(service, **matching) -> list[str]:
    """Return the types of the events a service wrote to its outbox, oldest first."""
    return [event_type for event_type, _data in published_with_types(service, **matching)]


def published_envelopes(service, event_type: str) -> list[dict]:
    """Return the whole envelopes (source, correlation, data...) of one type of event a service wrote."""
    statement = (select(OutboxMessage).where(OutboxMessage.event_type == event_type)
                 .order_by(OutboxMessage.id))
    with service.runtime.db.sessionmaker() as session:
        return [row.envelope for row in session.scalars(statement)]


def published_with_types(service, event_type: str | None = None, **matching) -> list[tuple[str, dict]]:
    """Return ``(type, data)`` of each event a service wrote to its outbox, oldest first."""
    statement = select(OutboxMessage).order_by(OutboxMessage.id)
    if event_type is not None:
        statement = statement.where(OutboxMessage.event_type == event_type)
    with service.runtime.db.sessionmaker() as session:
        rows = [(row.event_type, row.envelope["data"]) for row in session.scalars(statement)]
    return [(kind, data) for kind, data in rows
            if all(data.get(field) == value for field, value in matching.items())]
