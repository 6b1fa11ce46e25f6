"""A service under test that learns about members as in production: from member events."""

from __future__ import annotations

import dataclasses
import itertools
import json

from services.members.events import CATALOG as MEMBER_EVENTS
from shared.auth import Principal, TokenIssuer, load_or_create_private_key
from shared.db import utcnow

_ids = itertools.count(1000)


@dataclasses.dataclass
class Trader:
    """Someone calling the service: a member business, an agency, a customer or a coordinator."""

    account_id: int
    headers: dict[str, str]
    member_id: int | None = None


class ServiceUnderTest:
    """A service's app, a test client, signed-in callers, and member events delivered to it."""

    def __init__(self, app, runtime):
        self.app = app
        self.runtime = runtime
        self.client = app.test_client()
        settings = runtime.settings
        self.issuer = TokenIssuer(load_or_create_private_key(settings.private_key_path), settings.jwt_issuer,
                                  settings.jwt_audience, 60)

    def deliver(self, event_type: str, data: dict) -> None:
        """Hand the service a members-service event through its real consumer path (inbox included)."""
        envelope = MEMBER_EVENTS.build(event_type, {"occurred_at": utcnow(), **data})
        outcome = self.runtime.processor.process(json.dumps(envelope.to_dict()))
        assert outcome.value == "handled", outcome

    def member(self, kind: str = "producer", name: str | None = None, sectors=("cards",)) -> Trader:
        """Admit a member business (member.admitted) and return it signed in."""
        member_id, account_id = next(_ids), next(_ids)
        self.deliver("member.admitted", {
            "member_id": member_id, "member_number": member_id, "account_id": account_id, "kind": kind,
            "name": name or f"Shop {member_id}", "sectors": list(sectors)})
        role = "member" if kind == "producer" else "agency"
        return self.signed_in(account_id, (role,), member_id)

    def customer(self) -> Trader:
        return self.signed_in(next(_ids), ("customer",))

    def coordinator(self) -> Trader:
        return self.signed_in(next(_ids), ("coordinator",))

    def member_event(self, event_type: str, trader: Trader, **data) -> None:
        self.deliver(event_type, {"member_id": trader.member_id, "member_number": trader.member_id, **data})

    def signed_in(self, account_id, roles, member_id=None) -> Trader:
        token, _ = self.issuer.issue(Principal(account_id, roles, member_id))
        return Trader(account_id, {"Authorization": f"Bearer {token}"}, member_id)
