"""The notifications service under test: people registered from account events, and what it sent."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid

from sqlalchemy import select

from services.notifications.models import Email, Notice
from shared.db import utcnow
from shared.events import Envelope
from tests.support.service import ServiceUnderTest, Trader

_ids = itertools.count(70_000)


class PostRoom(ServiceUnderTest):
    """The notifications app, people it knows (account.registered), and its notices and email rows."""

    def person(self, name: str = "Jo", roles=("customer",), email: str | None = None,
               verified: bool = True) -> Trader:
        """An account the members service told it of (its address verified unless told otherwise), signed in."""
        account_id = next(_ids)
        outcome = self.process(self.envelope("account.registered", {
            "account_id": account_id, "email": email or f"p{account_id}@example.org", "display_name": name,
            "roles": list(roles), "email_verified": verified}))
        assert outcome == "handled", outcome
        return self.signed_in(account_id, tuple(roles))

    def envelope(self, event_type: str, data: dict, source: str = "members") -> Envelope:
        """A raw envelope of any source, type and data (with ``occurred_at`` unless given), not checked
        against any producer's catalog: for events whose producers are changed elsewhere."""
        now = utcnow()
        return Envelope(id=str(uuid.uuid4()), type=event_type, version=1, occurred_at=now, source=source,
                        data=_json_ready({"occurred_at": now, **data}), correlation_id=str(uuid.uuid4()))

    def process(self, envelope: Envelope) -> str:
        """Hand one envelope to the service's real consumer path (inbox included); return the outcome."""
        return self.runtime.processor.process(json.dumps(envelope.to_dict())).value

    def deliver_raw(self, event_type: str, data: dict, source: str = "members") -> str:
        """Build a raw envelope and hand it to the service; return the outcome ("handled", ...)."""
        return self.process(self.envelope(event_type, data, source))

    def admit(self, person: Trader, name: str = "Paper Birds Cards") -> dict:
        """Deliver member.admitted for her account; return the event's data."""
        member_id = next(_ids)
        data = {"member_id": member_id, "member_number": member_id, "account_id": person.account_id,
                "kind": "producer", "name": name, "sectors": ["cards"]}
        self.deliver("member.admitted", data)
        return data

    def member(self, kind: str = "producer", name: str | None = None, sectors=("cards",)) -> Trader:
        """A member business: her account registered, then admitted (which tells her so), signed in."""
        role = "member" if kind == "producer" else "agency"
        person = self.person(name or "Member", roles=("customer",))
        member_id = next(_ids)
        self.deliver("member.admitted", {"member_id": member_id, "member_number": member_id,
                                         "account_id": person.account_id, "kind": kind,
                                         "name": name or f"Shop {member_id}", "sectors": list(sectors)})
        return self.signed_in(person.account_id, (role,), member_id)

    def notices_of(self, account_id: int) -> list[Notice]:
        with self.runtime.db.sessionmaker() as session:
            return list(session.scalars(select(Notice).where(Notice.account_id == account_id).order_by(Notice.id)))

    def notices_of_everyone(self) -> list[Notice]:
        with self.runtime.db.sessionmaker() as session:
            return list(session.scalars(select(Notice).order_by(Notice.id)))

    def emails(self, account_id: int | None = None) -> list[Email]:
        with self.runtime.db.sessionmaker() as session:
            query = select(Email).order_by(Email.id)
            if account_id is not None:
                query = query.where(Email.account_id == account_id)
            return list(session.scalars(query))


def _json_ready(value):
    """Dates and times as ISO strings, as they travel on the bus."""
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item) for item in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value
