"""Shopping in the marketplace under test: carts, orders, payments, and whether the books agree."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from services.marketplace.reconciliation import reconcile
from shared.db import OutboxMessage

GOOD_CARD = {"number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123",
             "holder_name": "Cass Customer"}


def add_to_cart(market, buyer, listing: dict, quantity: int = 1, **extra) -> None:
    response = market.client.post("/cart/lines", json={"listing_id": listing["id"], "quantity": quantity, **extra},
                                  headers=buyer.headers)
    assert response.status_code == 201, response.json


def place_order(market, buyer, *listings: dict) -> dict:
    """Put one of each listing in the buyer's cart and check out; return the placed order."""
    for listing in listings:
        add_to_cart(market, buyer, listing)
    response = market.client.post("/checkout", json={"delivery_address": "1 High St"}, headers=buyer.headers)
    assert response.status_code == 201, response.json
    return response.json


def pay(market, buyer, order_id: int, key: str = "pay-1"):
    return market.client.post(f"/orders/{order_id}/payment", json={"card": GOOD_CARD},
                              headers={**buyer.headers, "Idempotency-Key": key})


def paid_order(market, buyer, *listings: dict) -> dict:
    order = place_order(market, buyer, *listings)
    response = pay(market, buyer, order["id"])
    assert response.status_code == 200, response.json
    return response.json


def payment_body() -> dict:
    return {"card": GOOD_CARD}


def outbox_count(runtime, event_type: str) -> int:
    with runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.event_type == event_type))


def differences(market) -> list[str]:
    """What the nightly reconciliation would report: [] when the provider's ledger and the books agree."""
    with market.runtime.db.sessionmaker() as session:
        return reconcile(session, market.runtime.payment_provider, dt.timedelta(seconds=0))
