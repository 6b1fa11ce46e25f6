"""Shopping in the marketplace under test: carts, orders, payments, and whether the books agree."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.marketplace.models import Variant
from services.marketplace.reconciliation import reconcile
from tests.support.cards import GOOD_CARD


def add(market, buyer, listing: dict, quantity: int = 1, **extra):
    """Put a listing in the buyer's cart; return the response (for a test of what is refused)."""
    return market.client.post("/cart/lines", json={"listing_id": listing["id"], "quantity": quantity, **extra},
                              headers=buyer.headers)


def add_to_cart(market, buyer, listing: dict, quantity: int = 1, **extra) -> None:
    response = add(market, buyer, listing, quantity, **extra)
    assert response.status_code == 201, response.json


def checkout(market, buyer, key: str | None = None):
    """Check out the buyer's cart (with an Idempotency-Key if given); return the response."""
    headers = {**buyer.headers, **({"Idempotency-Key": key} if key else {})}
    return market.client.post("/checkout", json={"delivery_address": "1 High St"}, headers=headers)


def place_order(market, buyer, *listings: dict) -> dict:
    """Put one of each listing in the buyer's cart and check out; return the placed order."""
    for listing in listings:
        add_to_cart(market, buyer, listing)
    response = checkout(market, buyer)
    assert response.status_code == 201, response.json
    return response.json


def pay(market, buyer, order_id: int, key: str = "pay-1", card: dict = GOOD_CARD):
    return market.client.post(f"/orders/{order_id}/payment", json={"card": card},
                              headers={**buyer.headers, "Idempotency-Key": key})


def paid_order(market, buyer, *listings: dict) -> dict:
    order = place_order(market, buyer, *listings)
    response = pay(market, buyer, order["id"])
    assert response.status_code == 200, response.json
    return response.json


def payment_body() -> dict:
    return {"card": GOOD_CARD}


def stock_of(market, listing: dict) -> int:
    """Return how many of a (single-variant) listing are in stock."""
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(Variant.stock).where(Variant.listing_id == listing["id"]))


def differences(market) -> list[str]:
    """What the nightly reconciliation would report: [] when the provider's ledger and the books agree."""
    with market.runtime.db.sessionmaker() as session:
        return reconcile(session, market.runtime.collaborators.provider, dt.timedelta(seconds=0))
