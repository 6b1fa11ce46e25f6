"""The impact report's pages under test: a signed-in browser, and the events that fill the report."""

from __future__ import annotations

import datetime as dt
import itertools
import json

from services.contracts.events import CATALOG as CONTRACTS
from services.marketplace.events import CATALOG as MARKETPLACE

_numbers = itertools.count(900_001)


class Browser:
    """A test client signed in through the pages' session cookie."""

    def __init__(self, coop, person):
        self.client = coop.app.test_client()
        self.client.set_cookie("coop_token", person.headers["Authorization"].removeprefix("Bearer "))

    def get(self, path):
        return self.client.get(f"/impact{path}")


def deliver_all(coop, events) -> None:
    """Give the events to the members service's consumer, as the bus would."""
    for event in events:
        assert coop.runtime.processor.process(json.dumps(event.to_dict())).value == "handled"


def sale(member_id: int, gross_pence: int = 1_000, when=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)):
    """A paid order with one seller."""
    commission = gross_pence // 10
    order_id = next(_numbers)
    return MARKETPLACE.build("order.paid", {
        "order_id": order_id, "status": "paid", "total_pence": gross_pence, "currency": "GBP",
        "buyer_member_id": None, "buyer_account_id": order_id, "receipt_path": f"/marketplace/store/orders/{order_id}",
        "occurred_at": when, "sellers": [
            {"seller_id": member_id, "account_id": member_id, "gross_pence": gross_pence,
             "commission_pence": commission, "net_pence": gross_pence - commission,
             "lines": [{"title": "Robin card", "quantity": 1, "amount_pence": gross_pence}]}]})


def contract_won(total_pence: int, when=dt.datetime(2026, 4, 2, 10, tzinfo=dt.UTC)):
    """A contract the co-op signed."""
    number = next(_numbers)
    return CONTRACTS.build("contract.signed", {
        "contract_id": number, "reference": f"C-{number}", "title": "Cards", "buyer_name": "Leaf & Co",
        "sector": "cards", "state": "signed", "total_pence": total_pence, "currency": "GBP", "round_number": 1,
        "occurred_at": when})
