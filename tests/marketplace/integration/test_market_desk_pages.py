"""The coordinators' marketplace desk through the Flask test client: every order and one order, refunding it
(whole, or part of one seller's share, once however often the form is sent), the refunds made, payout runs,
and sellers' VAT registration. Members and customers get 403 pages and change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from services.marketplace.models import Order, Payment, Payout, PayoutRun, Seller, ShareRefund
from shared.db import utcnow
from tests.support.shopping import paid_order, place_order
from tests.support.store_pages import StoreBrowser

YESTERDAY = utcnow().date() - dt.timedelta(days=1)


def refunded_pence(market, order_id: int) -> int:
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(Payment.refunded_pence).where(Payment.order_id == order_id))


def count(market, model) -> int:
    with market.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(model))


def vat_of(market, member_id: int) -> tuple[bool, str | None]:
    with market.runtime.db.sessionmaker() as session:
        seller = session.get(Seller, member_id)
        return seller.vat_registered, seller.vat_number


def refund_key(html: str) -> str:
    return html.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def desk(market):
    return StoreBrowser(market, market.coordinator())


@pytest.fixture
def sale(market):
    """A customer's paid order of a £3.50 card from Paper Birds and a £12.00 ring from Silver Lining."""
    birds, silver = market.member(name="Paper Birds"), market.member(name="Silver Lining")
    card = market.listing(birds, price_pence=350)
    ring = market.listing(silver, title="Silver ring", category="jewellery", price_pence=1200)
    order = paid_order(market, market.customer(), card, ring)
    return order, birds, silver


# --- orders ------------------------------------------------------------------------------------------

def test_the_desk_lists_every_order_newest_first_with_its_sellers(market, desk, sale):
    order, _birds, _silver = sale
    later = place_order(market, market.customer(), market.listing(market.member(name="Owl Prints")))
    html = desk.get("/desk/orders").get_data(as_text=True)
    assert "<h1>Orders</h1>" in html
    assert html.index(f"Order {later['id']}<") < html.index(f"Order {order['id']}<")
    assert "Paper Birds, Silver Lining" in html and "£15.50" in html


def test_the_desk_lists_the_orders_of_one_status(market, desk, sale):
    order, _birds, _silver = sale
    unpaid = place_order(market, market.customer(), market.listing(market.member(name="Owl Prints")))
    html = desk.get("/desk/orders?status=placed").get_data(as_text=True)
    assert f"Order {unpaid['id']}<" in html and f"Order {order['id']}<" not in html
    assert f"Order {order['id']}<" in desk.get("/desk/orders?status=nonsense").get_data(as_text=True)


def test_one_order_shows_its_lines_shares_and_payment(market, desk, sale):
    order, _birds, _silver = sale
    response = desk.get(f"/desk/orders/{order['id']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<h1>Order {order['id']}</h1>" in html and 'id="order-status">paid<' in html
    assert "Robin card" in html and "Silver ring" in html and "card ending 4242" in html
    assert "Every seller's, all that is left" in html and "Silver Lining (£12.00 left)" in html


def test_an_unknown_order_is_a_404_page(desk):
    assert desk.get("/desk/orders/999999").status_code == 404


# --- refunds -----------------------------------------------------------------------------------------

def test_a_coordinator_refunds_a_whole_order(market, desk, sale):
    order, _birds, _silver = sale
    key = refund_key(desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True))
    response = desk.post(f"/desk/orders/{order['id']}/refund",
                         {"idempotency_key": key, "seller_id": "", "amount": "", "reason": "Never arrived"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/store/desk/orders/{order['id']}?done=refunded")
    assert refunded_pence(market, order["id"]) == 1550
    html = desk.get(f"/desk/orders/{order['id']}?done=refunded").get_data(as_text=True)
    assert "The refund is made." in html and 'id="order-status">refunded<' in html and "Never arrived" in html
    assert "Nothing is left to refund" in html


def test_a_coordinator_refunds_part_of_one_sellers_share_in_pounds(market, desk, sale):
    order, _birds, silver = sale
    key = refund_key(desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True))
    response = desk.post(f"/desk/orders/{order['id']}/refund",
                         {"idempotency_key": key, "seller_id": str(silver.member_id), "amount": "2.50",
                          "reason": "Scratched"})
    assert response.status_code == 303
    assert refunded_pence(market, order["id"]) == 250
    html = desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True)
    assert "Silver Lining (£9.50 left)" in html and 'id="order-status">paid<' in html


def test_the_same_refund_form_sent_twice_refunds_once(market, desk, sale):
    order, _birds, silver = sale
    key = refund_key(desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True))
    form = {"idempotency_key": key, "seller_id": str(silver.member_id), "amount": "1.00", "reason": ""}
    assert desk.post(f"/desk/orders/{order['id']}/refund", form).status_code == 303
    assert desk.post(f"/desk/orders/{order['id']}/refund", form).status_code == 303
    assert refunded_pence(market, order["id"]) == 100 and count(market, ShareRefund) == 1


@pytest.mark.parametrize(("form", "status", "words"), [
    ({"amount": "2.50"}, 422, "names the seller"),  # a part refund says whose share
    ({"seller_id": "SELLER", "amount": "99.00"}, 409, "left to refund"),
    ({"seller_id": "SELLER", "amount": "two pounds"}, 422, "in pounds"),
    ({"seller_id": "SELLER", "amount": "0"}, 422, "Please check"),
])
def test_a_refused_refund_shows_the_form_again_with_what_was_typed(market, desk, sale, form, status, words):
    order, _birds, silver = sale
    form = {name: value.replace("SELLER", str(silver.member_id)) for name, value in form.items()}
    key = refund_key(desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True))
    response = desk.post(f"/desk/orders/{order['id']}/refund", {"idempotency_key": key, "reason": "Typed", **form})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and words in html
    assert f'value="{form["amount"]}"' in html and 'value="Typed"' in html
    assert refunded_pence(market, order["id"]) == 0


def test_an_unpaid_order_offers_no_refund_and_refuses_one(market, desk):
    order = place_order(market, market.customer(), market.listing(market.member(name="Owl Prints")))
    html = desk.get(f"/desk/orders/{order['id']}").get_data(as_text=True)
    assert "not paid yet" in html and 'name="idempotency_key"' not in html
    response = desk.post(f"/desk/orders/{order['id']}/refund", {"idempotency_key": "k1", "reason": ""})
    assert response.status_code == 409 and count(market, ShareRefund) == 0


def test_the_refunds_page_lists_the_refunds_made(market, desk, sale):
    order, _birds, silver = sale
    desk.post(f"/desk/orders/{order['id']}/refund", {"idempotency_key": "k2", "seller_id": str(silver.member_id),
                                                      "amount": "3", "reason": "Bent"})
    html = desk.get("/desk/refunds").get_data(as_text=True)
    assert "<h1>Refunds</h1>" in html and f"Order {order['id']}<" in html and "Silver Lining" in html
    assert "£3.00" in html and "Bent" in html


# --- payouts -----------------------------------------------------------------------------------------

def test_a_coordinator_runs_payouts_for_a_period_that_has_ended(market, desk):
    html = desk.get("/desk/payouts").get_data(as_text=True)
    assert f'value="{YESTERDAY.isoformat()}"' in html and "No payout runs yet." in html
    response = desk.post("/desk/payouts", {"start": YESTERDAY.replace(day=1).isoformat(),
                                           "end": YESTERDAY.isoformat()})
    assert response.status_code == 303 and "?done=run" in response.headers["Location"]
    assert count(market, PayoutRun) == 1
    page = desk.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The payout run is made." in page and "Nobody was owed anything" in page
    run_path = response.headers["Location"].split("?")[0]
    assert f'href="{run_path}"' in desk.get("/desk/payouts").get_data(as_text=True)


def test_a_payout_run_pays_what_sellers_are_owed(market, desk, sale):
    order, birds, silver = sale
    with market.runtime.db.transaction() as session:  # the sale was made a week ago
        session.get(Order, order["id"]).paid_at = utcnow() - dt.timedelta(days=7)
    response = desk.post("/desk/payouts", {"start": (YESTERDAY - dt.timedelta(days=10)).isoformat(),
                                           "end": YESTERDAY.isoformat()})
    assert response.status_code == 303
    page = desk.client.get(response.headers["Location"]).get_data(as_text=True)
    with market.runtime.db.sessionmaker() as session:
        paid = dict(session.execute(select(Payout.seller_id, Payout.amount_pence)).tuples().all())
    assert set(paid) == {birds.member_id, silver.member_id}
    assert "Paper Birds" in page and "Silver Lining" in page


def test_running_the_same_period_again_pays_nothing_twice(market, desk, sale):
    period = {"start": YESTERDAY.replace(day=1).isoformat(), "end": YESTERDAY.isoformat()}
    first = desk.post("/desk/payouts", period)
    again = desk.post("/desk/payouts", period)
    assert first.headers["Location"] == again.headers["Location"]
    assert count(market, PayoutRun) == 1


@pytest.mark.parametrize(("period", "status", "words"), [
    ({"start": "TODAY", "end": "TODAY"}, 422, "must end before today"),
    ({"start": "2026-02-10", "end": "2026-02-01"}, 422, ""),
    ({"start": "soon", "end": "later"}, 422, "Please check"),
])
def test_a_refused_payout_run_shows_the_form_again(market, desk, period, status, words):
    today = utcnow().date().isoformat()
    period = {name: value.replace("TODAY", today) for name, value in period.items()}
    response = desk.post("/desk/payouts", period)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and words in html and f'value="{period["start"]}"' in html
    assert count(market, PayoutRun) == 0


# --- sellers' VAT -------------------------------------------------------------------------------------

def test_a_coordinator_records_a_sellers_vat_registration(market, desk):
    birds = market.member(name="Paper Birds")
    html = desk.get("/desk/sellers").get_data(as_text=True)
    assert "Paper Birds" in html and "Not VAT-registered" in html
    response = desk.post(f"/desk/sellers/{birds.member_id}/vat", {"vat_registered": "yes",
                                                                  "vat_number": "gb 123 456 789"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/store/desk/sellers?done=vat#seller-{birds.member_id}")
    assert vat_of(market, birds.member_id) == (True, "GB123456789")
    assert "VAT-registered, GB123456789" in desk.get("/desk/sellers?done=vat").get_data(as_text=True)
    desk.post(f"/desk/sellers/{birds.member_id}/vat", {"vat_registered": "no", "vat_number": "GB123456789"})
    assert vat_of(market, birds.member_id) == (False, None)


@pytest.mark.parametrize(("number", "words"), [("", "needs a VAT number"), ("GB12", "Please check")])
def test_a_bad_vat_number_shows_the_form_again_and_saves_nothing(market, desk, number, words):
    birds = market.member(name="Paper Birds")
    response = desk.post(f"/desk/sellers/{birds.member_id}/vat", {"vat_registered": "yes", "vat_number": number})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and words in html and f'value="{number}"' in html
    assert vat_of(market, birds.member_id) == (False, None)


def test_an_unknown_seller_is_a_404_page(desk):
    assert desk.post("/desk/sellers/999999/vat", {"vat_registered": "no"}).status_code == 404


# --- who may -----------------------------------------------------------------------------------------

DESK_PAGES = ["/desk/", "/desk/orders", "/desk/refunds", "/desk/payouts", "/desk/sellers"]


@pytest.mark.parametrize("who", ["customer", "member"])
def test_customers_and_members_get_a_403_page_on_every_desk_page(market, sale, who):
    order, birds, silver = sale
    caller = StoreBrowser(market, market.customer() if who == "customer" else birds)
    for path in [*DESK_PAGES, f"/desk/orders/{order['id']}", "/desk/payouts/1"]:
        response = caller.get(path)
        assert response.status_code == 403, path
        assert "for the co-op&#39;s coordinators" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["customer", "member"])
def test_customers_and_members_cannot_refund_run_payouts_or_change_vat(market, sale, who):
    order, birds, silver = sale
    caller = StoreBrowser(market, market.customer() if who == "customer" else birds)
    assert caller.post(f"/desk/orders/{order['id']}/refund", {"idempotency_key": "x", "reason": ""}
                       ).status_code == 403
    assert caller.post("/desk/payouts", {"start": YESTERDAY.isoformat(), "end": YESTERDAY.isoformat()}
                       ).status_code == 403
    assert caller.post(f"/desk/sellers/{birds.member_id}/vat", {"vat_registered": "yes",
                                                                "vat_number": "GB123456789"}).status_code == 403
    assert refunded_pence(market, order["id"]) == 0 and count(market, PayoutRun) == 0
    assert vat_of(market, birds.member_id) == (False, None)


def test_a_visitor_is_sent_to_sign_in_and_a_form_without_csrf_is_refused(market, desk, sale):
    order, _birds, _silver = sale
    response = market.app.test_client().get("/store/desk/orders")
    assert response.status_code == 302 and "/store/sign-in" in response.headers["Location"]
    refused = desk.client.post(f"/store/desk/orders/{order['id']}/refund", data={"idempotency_key": "k"})
    assert refused.status_code == 401 and refunded_pence(market, order["id"]) == 0
