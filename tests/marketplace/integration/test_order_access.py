"""Who may call each cart, order, payment and payout endpoint, and what bad input each one refuses.

The door (401 without a valid token, 403 without a role the API document allows) is checked for every
endpoint in test_access_matrix.py; here are the rules past it: whose order, which state, what input.
"""

import datetime as dt

import pytest
from sqlalchemy import select

from services.marketplace.models import Order, Seller
from shared.db import utcnow
from tests.support.cards import GOOD_CARD, card
from tests.support.outbox import published
from tests.support.shopping import add, checkout, pay, stock_of

YESTERDAY = (utcnow() - dt.timedelta(days=1)).date()
PERIOD = {"start": (YESTERDAY - dt.timedelta(days=6)).isoformat(), "end": YESTERDAY.isoformat()}
BACKWARDS = {"start": YESTERDAY.isoformat(), "end": (YESTERDAY - dt.timedelta(days=1)).isoformat()}
OTHER_CARD = card("5555 5555 5555 4444")


@pytest.fixture
def sellers(market):
    return market.member(name="Paper Birds"), market.member(name="Silver Lining", sectors=("jewellery",))


def call(market, method, path, who=None, key=None, **kwargs):
    headers = {**(who.headers if who else {}), **({"Idempotency-Key": key} if key else {})}
    return market.client.open(path, method=method, headers=headers, **kwargs)


def placed_order(market, seller, buyer=None, **listing_fields):
    """A buyer (a new customer unless given), their unpaid order from the seller, and its listing."""
    buyer = buyer or market.customer()
    listing = market.listing(seller, **listing_fields)
    assert add(market, buyer, listing).status_code == 201
    response = checkout(market, buyer)
    assert response.status_code == 201, response.json
    return buyer, response.json, listing


def paid_order(market, seller, **listing_fields):
    buyer, order, listing = placed_order(market, seller, **listing_fields)
    assert pay(market, buyer, order["id"]).status_code == 200
    return buyer, order, listing


def status_of(market, order):
    with market.runtime.db.sessionmaker() as session:
        return session.get(Order, order["id"]).status


def captures(market):
    return len(market.runtime.collaborators.provider.ledger.captures)


def refund(market, order, who, key="refund-1", **body):
    return call(market, "POST", f"/orders/{order['id']}/refund", who, key=key, json=body)


def cart_of(market, buyer):
    return market.client.get("/cart", headers=buyer.headers).json["lines"]


def order_ids(response):
    assert response.status_code == 200, response.json
    return [order["id"] for order in response.json]


# --- cart -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quantity", [
    0, 101, 1_000_000, -1, "two", 1.5, "2",
])
def test_adding_a_quantity_that_is_not_a_whole_number_from_1_to_100_is_refused(market, sellers, quantity):
    buyer, listing = market.customer(), market.listing(sellers[0])
    assert add(market, buyer, listing, quantity=quantity).status_code == 422
    assert cart_of(market, buyer) == []


def test_adding_an_unknown_listing_is_not_found(market):
    buyer = market.customer()
    response = market.client.post("/cart/lines", json={"listing_id": 2_000_000_000}, headers=buyer.headers)
    assert response.status_code == 404


def test_adding_a_draft_listing_is_not_found(market, sellers):
    buyer, draft = market.customer(), market.listing(sellers[0], publish=False)
    assert add(market, buyer, draft).status_code == 404
    assert cart_of(market, buyer) == []


def test_adding_a_withdrawn_listing_is_not_found(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0])
    withdrawn = market.client.post(f"/shop/listings/{listing['id']}/withdraw", headers=sellers[0].headers)
    assert withdrawn.status_code == 200
    assert add(market, buyer, listing).status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    ("DELETE", "/cart/lines/abc"),
    ("DELETE", "/cart/lines/99999999999999"),
    ("DELETE", "/cart/lines/-1"),
    ("GET", "/orders/abc"),
    ("GET", "/orders/99999999999999"),
    ("POST", "/orders/99999999999999/payment"),
    ("POST", "/orders/99999999999999/cancel"),
    ("GET", "/orders/99999999999999/receipts"),
])
def test_a_malformed_or_impossible_id_in_the_path_is_not_found(market, method, path):
    response = call(market, method, path, market.customer(), key="k1", json={"card": GOOD_CARD})
    assert response.status_code == 404


def test_removing_another_persons_cart_line_is_not_found_and_leaves_it(market, sellers):
    owner, stranger, listing = market.customer(), market.customer(), market.listing(sellers[0])
    [line] = add(market, owner, listing).json["lines"]
    assert call(market, "DELETE", f"/cart/lines/{line['id']}", stranger).status_code == 404
    assert [kept["id"] for kept in cart_of(market, owner)] == [line["id"]]


def test_adding_a_variant_of_another_listing_is_not_found(market, sellers):
    buyer = market.customer()
    mine = market.listing(sellers[0], variants=[{"name": "Small", "stock": 3}, {"name": "Large", "stock": 3}])
    other = market.listing(sellers[0], variants=[{"name": "Red", "stock": 3}])
    response = add(market, buyer, mine, variant_id=other["variants"][0]["id"])
    assert response.status_code == 404
    assert cart_of(market, buyer) == []


def service(market, seller):
    starts = (utcnow() + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    return market.listing(seller, kind="service", title="Full groom", category="grooming", price_pence=3500,
                          duration_minutes=90, slots=[starts])


def test_adding_a_service_without_a_slot_is_refused(market, sellers):
    buyer = market.customer()
    response = market.client.post("/cart/lines", json={"listing_id": service(market, sellers[0])["id"]},
                                  headers=buyer.headers)
    assert response.status_code == 422


def test_adding_an_already_booked_slot_is_a_conflict(market, sellers):
    listing = service(market, sellers[0])
    slot_id = listing["slots"][0]["id"]
    first, second = market.customer(), market.customer()
    add(market, first, listing, slot_id=slot_id)
    assert checkout(market, first).status_code == 201
    assert add(market, second, listing, slot_id=slot_id).status_code == 409
    assert cart_of(market, second) == []


# --- checkout -------------------------------------------------------------------------------------------------


def test_checkout_of_an_empty_cart_is_a_conflict(market):
    buyer = market.customer()
    assert checkout(market, buyer).status_code == 409
    assert order_ids(market.client.get("/orders", headers=buyer.headers)) == []


def test_checkout_with_an_over_long_delivery_address_is_refused_and_keeps_the_cart(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=5)
    add(market, buyer, listing)
    response = market.client.post("/checkout", json={"delivery_address": "x" * 501}, headers=buyer.headers)
    assert response.status_code == 422
    assert len(cart_of(market, buyer)) == 1 and stock_of(market, listing) == 5


def test_checkout_with_an_idempotency_key_over_200_characters_is_refused(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=5)
    add(market, buyer, listing)
    assert checkout(market, buyer, key="k" * 201).status_code == 422
    assert stock_of(market, listing) == 5


def test_checkout_with_a_used_key_and_a_different_body_is_refused(market, sellers):
    buyer, listing = market.customer(), market.listing(sellers[0], stock=5)
    add(market, buyer, listing)
    assert checkout(market, buyer, key="checkout-1").status_code == 201
    add(market, buyer, listing)
    response = market.client.post("/checkout", json={"delivery_address": "2 Low Rd"},
                                  headers={**buyer.headers, "Idempotency-Key": "checkout-1"})
    assert response.status_code == 422
    assert len(order_ids(market.client.get("/orders", headers=buyer.headers))) == 1
    assert stock_of(market, listing) == 4


# --- seeing orders --------------------------------------------------------------------------------------------


def test_a_customer_cannot_see_another_customers_order(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "GET", f"/orders/{order['id']}", market.customer()).status_code == 404


def test_a_seller_in_the_order_can_see_it(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    response = call(market, "GET", f"/orders/{order['id']}", sellers[0])
    assert response.status_code == 200 and response.json["id"] == order["id"]


def test_a_seller_not_in_the_order_cannot_see_it(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "GET", f"/orders/{order['id']}", sellers[1]).status_code == 404


def test_a_coordinator_can_see_any_order(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    response = call(market, "GET", f"/orders/{order['id']}", market.coordinator())
    assert response.status_code == 200 and response.json["id"] == order["id"]


def test_the_order_list_holds_only_your_own_orders(market, sellers):
    buyer, mine, _listing = placed_order(market, sellers[0])
    placed_order(market, sellers[0])
    assert order_ids(market.client.get("/orders", headers=buyer.headers)) == [mine["id"]]


def test_the_shop_order_list_holds_only_orders_with_your_shops_items(market, sellers):
    _buyer, only_mine, _listing = placed_order(market, sellers[0])
    placed_order(market, sellers[1], category="jewellery")
    buyer = market.customer()
    add(market, buyer, market.listing(sellers[0]))
    add(market, buyer, market.listing(sellers[1], category="jewellery"))
    both = checkout(market, buyer).json
    shop_orders = market.client.get("/shop/orders", headers=sellers[0].headers)
    assert order_ids(shop_orders) == [both["id"], only_mine["id"]]


# --- paying ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "status"), [("another customer", 404), ("the seller", 403),
                                                ("a coordinator", 403)])
def test_only_the_buyer_pays_and_a_refused_payment_changes_nothing(market, sellers, caller, status):
    _buyer, order, _listing = placed_order(market, sellers[0])
    who = {"another customer": market.customer, "the seller": lambda: sellers[0],
           "a coordinator": market.coordinator}[caller]()
    assert pay(market, who, order["id"]).status_code == status
    assert status_of(market, order) == "placed"
    assert captures(market) == 0 and published(market, "order.paid") == []


def test_paying_a_cancelled_order_is_a_conflict(market, sellers):
    buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/cancel", buyer).status_code == 200
    assert pay(market, buyer, order["id"]).status_code == 409
    assert captures(market) == 0


@pytest.mark.parametrize("card", [
    {**GOOD_CARD, "number": "4242-abcd-4242-4242"},
    {**GOOD_CARD, "exp_month": 13},
    {key: value for key, value in GOOD_CARD.items() if key != "cvc"},
], ids=["bad number", "month 13", "no cvc"])
def test_a_malformed_card_is_refused_before_any_charge(market, sellers, card):
    buyer, order, _listing = placed_order(market, sellers[0])
    assert pay(market, buyer, order["id"], card=card).status_code == 422
    assert status_of(market, order) == "placed" and captures(market) == 0


def test_an_expired_card_is_declined_with_402(market, sellers):
    buyer, order, _listing = placed_order(market, sellers[0])
    expired = card(exp_month=1, exp_year=2020)
    response = pay(market, buyer, order["id"], card=expired)
    assert response.status_code == 402 and "expired_card" in response.json["detail"]
    assert status_of(market, order) == "placed"


def test_a_payment_key_used_again_with_a_different_card_is_refused(market, sellers):
    buyer, order, _listing = placed_order(market, sellers[0])
    assert pay(market, buyer, order["id"], key="pay-1").status_code == 200
    assert pay(market, buyer, order["id"], card=OTHER_CARD, key="pay-1").status_code == 422
    assert captures(market) == 1


# --- cancelling -----------------------------------------------------------------------------------------------


def test_the_buyer_cancels_an_unpaid_order_and_its_stock_comes_back(market, sellers):
    buyer, order, listing = placed_order(market, sellers[0], stock=5)
    response = call(market, "POST", f"/orders/{order['id']}/cancel", buyer)
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    assert stock_of(market, listing) == 5


def test_another_customer_cannot_cancel_an_order(market, sellers):
    _buyer, order, listing = placed_order(market, sellers[0], stock=5)
    assert call(market, "POST", f"/orders/{order['id']}/cancel", market.customer()).status_code == 404
    assert status_of(market, order) == "placed" and stock_of(market, listing) == 4


def test_a_seller_in_the_order_cannot_cancel_it(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/cancel", sellers[0]).status_code == 403
    assert status_of(market, order) == "placed"


def test_a_paid_order_cannot_be_cancelled(market, sellers):
    buyer, order, listing = paid_order(market, sellers[0], stock=5)
    assert call(market, "POST", f"/orders/{order['id']}/cancel", buyer).status_code == 409
    assert status_of(market, order) == "paid" and stock_of(market, listing) == 4


# --- confirming and fulfilling --------------------------------------------------------------------------------


def test_the_buyer_cannot_confirm_their_order(market, sellers):
    buyer, order, _listing = paid_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/confirm", buyer).status_code == 403
    assert status_of(market, order) == "paid"


def test_a_customer_outside_the_order_cannot_confirm_it(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/confirm", market.customer()).status_code == 404
    assert status_of(market, order) == "paid"


def test_a_seller_not_in_the_order_cannot_confirm_it(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/confirm", sellers[1]).status_code == 404
    assert status_of(market, order) == "paid"


def test_a_seller_in_the_order_confirms_it_once_paid(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    response = call(market, "POST", f"/orders/{order['id']}/confirm", sellers[0])
    assert response.status_code == 200 and response.json["status"] == "confirmed"


def test_confirming_an_unpaid_order_is_a_conflict(market, sellers):
    _buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/confirm", sellers[0]).status_code == 409
    assert status_of(market, order) == "placed"


def test_a_seller_cannot_say_the_order_was_received(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    call(market, "POST", f"/orders/{order['id']}/confirm", sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/fulfil", sellers[0]).status_code == 403
    assert status_of(market, order) == "confirmed"


def test_another_customer_cannot_say_the_order_was_received(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    call(market, "POST", f"/orders/{order['id']}/confirm", sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/fulfil", market.customer()).status_code == 404
    assert status_of(market, order) == "confirmed"


def test_a_coordinator_can_say_a_confirmed_order_was_received(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    call(market, "POST", f"/orders/{order['id']}/confirm", sellers[0])
    response = call(market, "POST", f"/orders/{order['id']}/fulfil", market.coordinator())
    assert response.status_code == 200 and response.json["status"] == "fulfilled"


def test_an_order_not_yet_confirmed_cannot_be_fulfilled(market, sellers):
    buyer, order, _listing = paid_order(market, sellers[0])
    assert call(market, "POST", f"/orders/{order['id']}/fulfil", buyer).status_code == 409
    assert status_of(market, order) == "paid"


# --- refunds --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["the seller", "the buyer"])
def test_only_a_coordinator_refunds(market, sellers, caller):
    buyer, order, _listing = paid_order(market, sellers[0])
    who = {"the seller": sellers[0], "the buyer": buyer}[caller]
    assert refund(market, order, who).status_code == 403
    assert status_of(market, order) == "paid" and published(market, "order.refunded") == []


def test_a_part_refund_without_a_seller_is_refused(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    assert refund(market, order, market.coordinator(), amount_pence=100).status_code == 422


def test_a_refund_over_the_sellers_share_is_a_conflict(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0], price_pence=1000)
    response = refund(market, order, market.coordinator(), seller_id=sellers[0].member_id, amount_pence=1001)
    assert response.status_code == 409
    assert status_of(market, order) == "paid"


def test_a_refund_of_nothing_is_refused(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    response = refund(market, order, market.coordinator(), seller_id=sellers[0].member_id, amount_pence=0)
    assert response.status_code == 422


def test_a_refunded_order_cannot_be_refunded_again(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    coordinator = market.coordinator()
    assert refund(market, order, coordinator, key="first").status_code == 200
    assert refund(market, order, coordinator, key="second").status_code == 409
    assert len(published(market, "order.refunded")) == 1


# --- payouts, statements and VAT ------------------------------------------------------------------------------


def test_a_payout_ending_before_it_starts_is_refused(market):
    response = market.client.post("/payouts", json=BACKWARDS, headers=market.coordinator().headers)
    assert response.status_code == 422


def test_a_coordinator_lists_payouts(market):
    assert market.client.get("/payouts", headers=market.coordinator().headers).status_code == 200


def test_a_statement_ending_before_it_starts_is_refused(market, sellers):
    response = market.client.get(f"/sellers/{sellers[0].member_id}/statement", query_string=BACKWARDS,
                                  headers=sellers[0].headers)
    assert response.status_code == 422


def test_a_statement_without_a_start_is_refused(market, sellers):
    response = market.client.get(f"/sellers/{sellers[0].member_id}/statement", query_string={"end": PERIOD["end"]},
                                  headers=sellers[0].headers)
    assert response.status_code == 422


def test_a_statement_of_an_unknown_seller_is_not_found(market):
    response = market.client.get("/sellers/2000000000/statement", query_string=PERIOD,
                                  headers=market.coordinator().headers)
    assert response.status_code == 404


def vat_of(market, seller):
    with market.runtime.db.sessionmaker() as session:
        row = session.scalar(select(Seller).where(Seller.member_id == seller.member_id))
        return row.vat_registered, row.vat_number


def put_vat(market, seller, who, **body):
    return market.client.put(f"/sellers/{seller.member_id}/vat", json=body, headers=who.headers)


@pytest.mark.parametrize("caller", ["the seller", "customer"])
def test_only_a_coordinator_records_vat_registration(market, sellers, caller):
    who = sellers[0] if caller == "the seller" else market.customer()
    response = put_vat(market, sellers[0], who, vat_registered=True, vat_number="GB123456789")
    assert response.status_code == 403
    assert vat_of(market, sellers[0]) == (False, None)


def test_vat_registration_without_a_number_is_refused(market, sellers):
    assert put_vat(market, sellers[0], market.coordinator(), vat_registered=True).status_code == 422
    assert vat_of(market, sellers[0]) == (False, None)


@pytest.mark.parametrize("number", ["GB12345678", "GB1234567890", "gb123456789", "123456789", "GB12345678X"])
def test_a_malformed_vat_number_is_refused(market, sellers, number):
    response = put_vat(market, sellers[0], market.coordinator(), vat_registered=True, vat_number=number)
    assert response.status_code == 422
    assert vat_of(market, sellers[0]) == (False, None)


# --- receipts -------------------------------------------------------------------------------------------------


def test_another_customer_gets_no_receipts_for_an_order(market, sellers):
    _buyer, order, _listing = paid_order(market, sellers[0])
    assert call(market, "GET", f"/orders/{order['id']}/receipts", market.customer()).status_code == 404


def test_an_unpaid_order_gives_no_receipts(market, sellers):
    buyer, order, _listing = placed_order(market, sellers[0])
    assert call(market, "GET", f"/orders/{order['id']}/receipts", buyer).status_code == 409
