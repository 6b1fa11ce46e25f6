"""The demo: once its members' admissions arrive, its listings go on sale and Paper Birds Cards has a paid
order, whose order.paid tells her (through the notifications service) of a new order."""

from __future__ import annotations

import pytest

from services.marketplace.demo import DEMO_LISTINGS, load_demo_listings
from tests.support.outbox import published


@pytest.fixture
def demo_shops(market):
    """The demo's shops, admitted as the demo's members' events would admit them."""
    return {name: market.member(name=name) for name in DEMO_LISTINGS}


def test_the_demo_puts_its_listings_on_sale(market, demo_shops):
    made = load_demo_listings(market.runtime, wait_seconds=5)
    assert made == sum(len(items) for items in DEMO_LISTINGS.values())
    assert len(published(market, "listing.published")) == made


def test_the_demo_leaves_a_paid_order_for_paper_birds(market, demo_shops):
    load_demo_listings(market.runtime, wait_seconds=5)
    [event] = published(market, "order.paid")
    [part] = event["sellers"]
    assert part["account_id"] == demo_shops["Paper Birds Cards"].account_id
    assert part["lines"] == [{"title": "Robin Christmas card", "quantity": 12, "amount_pence": 3600}]
    assert event["buyer_account_id"] == demo_shops["Second Helpings Catering"].account_id


def test_the_demo_is_loaded_once(market, demo_shops):
    load_demo_listings(market.runtime, wait_seconds=5)
    assert load_demo_listings(market.runtime, wait_seconds=5) == 0
    assert len(published(market, "order.placed")) == 1
