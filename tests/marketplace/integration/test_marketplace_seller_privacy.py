"""A shared order shows each seller only her own part (issue 15, item 13): her lines and her share, and no
total from which the other seller's takings could be worked out, in the API and on the pages; the customer
and coordinators still see the whole order."""

from __future__ import annotations

import json

import pytest

from tests.support.shopping import paid_order, place_order
from tests.support.store_pages import StoreBrowser

ROBIN, PENDANT = 350, 1500  # what the two sellers' items cost


@pytest.fixture
def shared(market):
    """A paid order with a card from one seller and a pendant from another: (order, cards, jewellery, buyer)."""
    cards = market.member("producer", name="Paper Birds")
    jewellery = market.member("producer", name="Silver Threads", sectors=("jewellery",))
    robin = market.listing(cards, title="Robin card", price_pence=ROBIN)
    pendant = market.listing(jewellery, title="Leaf pendant", category="jewellery", price_pence=PENDANT)
    buyer = market.customer()
    return paid_order(market, buyer, robin, pendant), cards, jewellery, buyer


def only_her_part(order: dict, seller, her_gross: int) -> None:
    """Assert an order as answered to a seller holds her lines and share and nothing of the other's."""
    assert {line["seller_id"] for line in order["lines"]} == {seller.member_id}
    assert [part["seller_id"] for part in order["sellers"]] == [seller.member_id]
    assert order["sellers"][0]["gross_pence"] == her_gross
    assert order["total_pence"] == her_gross
    assert ROBIN + PENDANT not in _numbers(order)


def _numbers(value) -> set:
    if isinstance(value, dict):
        return set().union(*(_numbers(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_numbers(item) for item in value)) if value else set()
    return {value} if isinstance(value, int) else set()


@pytest.mark.parametrize("which", ["cards", "jewellery"])
def test_each_seller_sees_only_her_lines_and_share_of_a_shared_order(market, shared, which):
    order, cards, jewellery, _ = shared
    seller, gross = (cards, ROBIN) if which == "cards" else (jewellery, PENDANT)
    response = market.client.get(f"/orders/{order['id']}", headers=seller.headers)
    assert response.status_code == 200
    only_her_part(response.json, seller, gross)


def test_the_shops_order_list_shows_each_order_as_her_part(market, shared):
    order, cards, _, _ = shared
    [listed] = market.client.get("/shop/orders", headers=cards.headers).json
    assert listed["id"] == order["id"]
    only_her_part(listed, cards, ROBIN)


def test_confirming_her_part_answers_with_her_part_only(market, shared):
    order, cards, _, _ = shared
    response = market.client.post(f"/orders/{order['id']}/confirm", headers=cards.headers)
    assert response.status_code == 200, response.json
    only_her_part(response.json, cards, ROBIN)


def test_a_seller_gets_only_her_own_receipt(market, shared):
    order, cards, _, _ = shared
    receipts = market.client.get(f"/orders/{order['id']}/receipts", headers=cards.headers).json
    assert [(receipt["seller_id"], receipt["total_pence"]) for receipt in receipts] == [(cards.member_id, ROBIN)]
    assert {line["seller_id"] for line in receipts[0]["lines"]} == {cards.member_id}


def test_the_order_page_shows_a_seller_only_her_items_and_her_part(market, shared):
    order, cards, _, _ = shared
    page = StoreBrowser(market, cards).get(f"/orders/{order['id']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Robin card" in html and "£3.50" in html
    assert "Leaf pendant" not in html
    assert "£15.00" not in html and "£18.50" not in html


def test_the_customer_still_sees_the_whole_order(market, shared):
    order, cards, jewellery, buyer = shared
    whole = market.client.get(f"/orders/{order['id']}", headers=buyer.headers).json
    assert whole["total_pence"] == ROBIN + PENDANT
    assert {line["seller_id"] for line in whole["lines"]} == {cards.member_id, jewellery.member_id}
    assert {part["seller_id"] for part in whole["sellers"]} == {cards.member_id, jewellery.member_id}
    html = StoreBrowser(market, buyer).get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Robin card" in html and "Leaf pendant" in html and "£18.50" in html
    assert len(market.client.get(f"/orders/{order['id']}/receipts", headers=buyer.headers).json) == 2


def test_a_coordinator_still_sees_the_whole_order(market, shared):
    order, *_ = shared
    whole = market.client.get(f"/orders/{order['id']}", headers=market.coordinator().headers).json
    assert whole["total_pence"] == ROBIN + PENDANT and len(whole["lines"]) == len(whole["sellers"]) == 2


def test_an_unpaid_shared_order_shows_a_seller_only_her_part_too(market):
    cards, jewellery = market.member("producer"), market.member("producer", sectors=("jewellery",))
    robin = market.listing(cards, price_pence=ROBIN)
    pendant = market.listing(jewellery, category="jewellery", price_pence=PENDANT)
    order = place_order(market, market.customer(), robin, pendant)
    answered = market.client.get(f"/orders/{order['id']}", headers=jewellery.headers).json
    only_her_part(answered, jewellery, PENDANT)
    assert json.dumps(answered).count('"seller_id"') == 2  # one line and one share: hers
