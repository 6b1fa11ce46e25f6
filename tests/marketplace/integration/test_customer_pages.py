"""A customer's store pages (issue 18): change a cart line's quantity or remove it, "Only 2 left" said when
adding, cancel an unpaid order, say an order arrived, the order page as its receipt (lines, VAT, total in
pounds); the search's true count, its pages and its filters by category and maker, a photo (or a clear
placeholder) on every card; and the demo's listings, each with a photo stored as uploads are."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import pytest
from sqlalchemy import select

from services.marketplace.demo import DEMO_LISTINGS, load_demo_listings, product_image
from services.marketplace.models import Listing
from services.marketplace.web.pages.store import PAGE_SIZE
from tests.support.photos import size_of
from tests.support.shopping import add_to_cart, paid_order, place_order, stock_of
from tests.support.store_pages import StoreBrowser

CARD_FORM = {"holder_name": "Cass Customer", "number": "4242 4242 4242 4242", "exp_month": "12",
             "exp_year": str(dt.date.today().year + 3), "cvc": "123"}
CARDS = re.compile(r'<li class="card">(.*?)</li>', re.S)


def text_of(response) -> str:
    """The page's text without its tags, entities read, spaces squeezed: what a person reads."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def cart_of(market, buyer) -> dict:
    response = market.client.get("/cart", headers=buyer.headers)
    assert response.status_code == 200
    return response.json


def order_of(market, who, order_id: int) -> dict:
    response = market.client.get(f"/orders/{order_id}", headers=who.headers)
    assert response.status_code == 200, response.json
    return response.json


@pytest.fixture
def shop(market):
    return market.member("producer", name="Paper Birds")


@pytest.fixture
def buyer(market):
    return market.customer()


@pytest.fixture
def pages(market, buyer):
    return StoreBrowser(market, buyer)


# The cart


def test_changing_a_lines_quantity_changes_the_cart_and_says_so(market, shop, buyer, pages):
    listing = market.listing(shop, price_pence=350)
    add_to_cart(market, buyer, listing)
    [line] = cart_of(market, buyer)["lines"]
    response = pages.post(f"/cart/{line['id']}/quantity", {"quantity": "3"})
    assert response.status_code == 303
    assert cart_of(market, buyer)["lines"][0]["quantity"] == 3
    page = pages.client.get(response.headers["Location"])
    assert "Quantity changed." in text_of(page)
    assert "£10.50" in text_of(page)


def test_a_quantity_of_nought_is_refused_with_what_was_typed_kept(market, shop, buyer, pages):
    add_to_cart(market, buyer, market.listing(shop))
    [line] = cart_of(market, buyer)["lines"]
    response = pages.post(f"/cart/{line['id']}/quantity", {"quantity": "0"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body and "from 1 to 100" in body
    assert re.search(rf'id="quantity-{line["id"]}"[^>]*value="0"', body, re.S)
    assert cart_of(market, buyer)["lines"][0]["quantity"] == 1


def test_a_quantity_in_words_is_refused_not_a_server_error(market, shop, buyer, pages):
    add_to_cart(market, buyer, market.listing(shop))
    [line] = cart_of(market, buyer)["lines"]
    response = pages.post(f"/cart/{line['id']}/quantity", {"quantity": "three"})
    assert response.status_code == 422
    assert "whole number" in text_of(response)


def test_another_customers_cart_line_cannot_be_changed(market, shop, buyer, pages):
    other = market.customer()
    add_to_cart(market, other, market.listing(shop))
    [theirs] = cart_of(market, other)["lines"]
    assert pages.post(f"/cart/{theirs['id']}/quantity", {"quantity": "5"}).status_code == 404
    assert pages.post(f"/cart/{theirs['id']}/remove").status_code == 404
    assert cart_of(market, other)["lines"][0]["quantity"] == 1


def test_a_booked_time_stays_one_booking(market, shop, buyer, pages):
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0).isoformat()
    listing = market.listing(shop, kind="service", title="Card class", duration_minutes=60, slots=[starts])
    add_to_cart(market, buyer, listing, slot_id=listing["slots"][0]["id"])
    [line] = cart_of(market, buyer)["lines"]
    response = pages.post(f"/cart/{line['id']}/quantity", {"quantity": "2"})
    assert response.status_code == 409
    assert cart_of(market, buyer)["lines"][0]["quantity"] == 1


def test_removing_a_line_takes_it_out_and_says_so(market, shop, buyer, pages):
    add_to_cart(market, buyer, market.listing(shop))
    [line] = cart_of(market, buyer)["lines"]
    response = pages.post(f"/cart/{line['id']}/remove")
    assert response.status_code == 303
    assert cart_of(market, buyer)["lines"] == []
    assert "Taken out of your cart." in text_of(pages.client.get(response.headers["Location"]))


def test_the_api_changes_a_lines_quantity_and_not_anothers(market, shop, buyer):
    add_to_cart(market, buyer, market.listing(shop))
    [line] = cart_of(market, buyer)["lines"]
    response = market.client.patch(f"/cart/lines/{line['id']}", json={"quantity": 4}, headers=buyer.headers)
    assert response.status_code == 200, response.json
    assert response.json["lines"][0]["quantity"] == 4
    other = market.customer()
    assert market.client.patch(f"/cart/lines/{line['id']}", json={"quantity": 1},
                               headers=other.headers).status_code == 404
    assert market.client.patch(f"/cart/lines/{line['id']}", json={"quantity": 0},
                               headers=buyer.headers).status_code == 422


def add_on_page(pages, listing: dict, quantity: str):
    """Add from the listing's page as its form does; return the page it ends on."""
    form = {"listing_id": str(listing["id"]), "variant_id": str(listing["variants"][0]["id"]), "quantity": quantity}
    response = pages.post("/cart", form)
    if response.status_code != 303:
        return response
    return pages.client.get(response.headers["Location"])


def test_adding_when_few_are_left_says_only_2_left(market, shop, pages):
    page = add_on_page(pages, market.listing(shop, title="Robin card", stock=2), "1")
    assert "Added Robin card to your cart. Only 2 left." in text_of(page)


def test_adding_more_than_are_left_says_only_2_left_and_to_lower_the_quantity(market, shop, pages):
    page = add_on_page(pages, market.listing(shop, title="Robin card", stock=2), "3")
    assert "Only 2 left: your cart holds 3; lower the quantity below before you check out." in text_of(page)


def test_adding_when_plenty_are_left_says_nothing_of_stock(market, shop, pages):
    page = add_on_page(pages, market.listing(shop, title="Robin card", stock=10), "2")
    assert "Added Robin card to your cart." in text_of(page)
    assert "left" not in text_of(page)


def test_the_cart_api_says_how_many_are_left(market, shop, buyer):
    add_to_cart(market, buyer, market.listing(shop, stock=2), 3)
    [line] = cart_of(market, buyer)["lines"]
    assert (line["left"], line["few_left"], line["short"]) == (2, True, True)


def test_a_refused_quantity_shows_the_listing_again_with_it_kept(market, shop, buyer, pages):
    listing = market.listing(shop, title="Robin card")
    response = add_on_page(pages, listing, "101")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<h1>Robin card</h1>" in body and 'role="alert"' in body
    assert re.search(r'id="quantity"[^>]*value="101"', body, re.S)
    assert cart_of(market, buyer)["lines"] == []


def test_checkout_refused_for_stock_sold_meanwhile_shows_the_form_again_with_the_address(market, shop, buyer, pages):
    listing = market.listing(shop, title="Robin card", stock=2)
    add_to_cart(market, buyer, listing, 3)
    response = pages.post("/checkout", {"delivery_address": "1 High Street, Leeds", "idempotency_key": "k1",
                                        **CARD_FORM})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Only 2 of &#39;Robin card&#39; left" in body and 'role="alert"' in body
    assert "1 High Street, Leeds</textarea>" in body
    assert stock_of(market, listing) == 2


# Orders


def test_the_buyer_cancels_an_unpaid_order_and_its_items_are_back_on_sale(market, shop, buyer, pages):
    listing = market.listing(shop, stock=5)
    order = place_order(market, buyer, listing)
    assert stock_of(market, listing) == 4
    response = pages.post(f"/orders/{order['id']}/cancel")
    assert response.status_code == 303
    assert f"Order {order['id']} cancelled" in text_of(pages.client.get(response.headers["Location"]))
    assert order_of(market, buyer, order["id"])["status"] == "cancelled"
    assert stock_of(market, listing) == 5


def test_an_unpaid_orders_page_offers_to_pay_or_cancel(market, shop, buyer, pages):
    order = place_order(market, buyer, market.listing(shop))
    page = text_of(pages.get(f"/orders/{order['id']}"))
    assert "Pay for this order" in page and f"Cancel order {order['id']}" in page
    assert "Receipt" not in page


def test_another_customer_cannot_cancel_my_order(market, shop, buyer):
    order = place_order(market, buyer, market.listing(shop))
    stranger = StoreBrowser(market, market.customer())
    assert stranger.post(f"/orders/{order['id']}/cancel").status_code == 404
    assert order_of(market, buyer, order["id"])["status"] == "placed"


def test_a_paid_order_is_not_cancelled_and_the_page_says_why(market, shop, buyer, pages):
    order = paid_order(market, buyer, market.listing(shop))
    response = pages.post(f"/orders/{order['id']}/cancel")
    assert response.status_code == 409
    assert 'role="alert"' in response.get_data(as_text=True)
    assert "Only an unpaid order can be cancelled" in text_of(response)
    assert order_of(market, buyer, order["id"])["status"] == "paid"


def confirmed_order(market, shop, buyer, **listing_fields) -> dict:
    order = paid_order(market, buyer, market.listing(shop, **listing_fields))
    response = market.client.post(f"/orders/{order['id']}/confirm", headers=shop.headers)
    assert response.status_code == 200, response.json
    return order


def test_the_buyer_says_a_dispatched_order_arrived(market, shop, buyer, pages):
    order = confirmed_order(market, shop, buyer)
    assert f"Order {order['id']} arrived" in text_of(pages.get(f"/orders/{order['id']}"))
    response = pages.post(f"/orders/{order['id']}/arrived")
    assert response.status_code == 303
    assert f"order {order['id']} is marked as arrived" in text_of(pages.client.get(response.headers["Location"]))
    assert order_of(market, buyer, order["id"])["status"] == "fulfilled"


def test_an_order_not_yet_dispatched_cannot_be_said_to_have_arrived(market, shop, buyer, pages):
    order = paid_order(market, buyer, market.listing(shop))
    assert "arrived" not in text_of(pages.get(f"/orders/{order['id']}"))
    response = pages.post(f"/orders/{order['id']}/arrived")
    assert response.status_code == 409
    assert 'role="alert"' in response.get_data(as_text=True)
    assert order_of(market, buyer, order["id"])["status"] == "paid"


def test_another_customer_cannot_say_my_order_arrived(market, shop, buyer):
    order = confirmed_order(market, shop, buyer)
    stranger = StoreBrowser(market, market.customer())
    assert stranger.post(f"/orders/{order['id']}/arrived").status_code == 404
    assert order_of(market, buyer, order["id"])["status"] == "confirmed"


def test_the_seller_cannot_say_the_buyers_order_arrived(market, shop, buyer):
    order = confirmed_order(market, shop, buyer)
    seller_pages = StoreBrowser(market, shop)
    assert seller_pages.post(f"/orders/{order['id']}/arrived").status_code == 403
    assert f"Order {order['id']} arrived" not in text_of(seller_pages.get(f"/orders/{order['id']}"))
    assert order_of(market, buyer, order["id"])["status"] == "confirmed"


def test_the_seller_is_not_offered_to_cancel_the_buyers_order(market, shop, buyer):
    order = place_order(market, buyer, market.listing(shop))
    page = text_of(StoreBrowser(market, shop).get(f"/orders/{order['id']}"))
    assert "Cancel order" not in page and "Pay for this order" not in page


# Receipts


def test_a_paid_orders_page_is_its_receipt_with_lines_and_total_in_pounds(market, shop, buyer, pages):
    listing = market.listing(shop, title="Robin card", price_pence=350)
    add_to_cart(market, buyer, listing, 3)
    order = place_order(market, buyer)
    paid = market.client.post(f"/orders/{order['id']}/payment", json={"card": {**CARD_FORM, "exp_month": 12,
                                                                               "exp_year": int(CARD_FORM["exp_year"])}},
                              headers={**buyer.headers, "Idempotency-Key": "pay"})
    assert paid.status_code == 200, paid.json
    page = text_of(pages.get(f"/orders/{order['id']}"))
    receipt = page[page.index("Receipt"):]
    assert "Paper Birds" in receipt
    assert "Robin card 3 £3.50 £10.50" in receipt
    assert "VAT None: Paper Birds is not VAT-registered" in receipt
    assert "Total paid £10.50" in receipt


def test_a_vat_registered_traders_receipt_shows_her_vat_number_and_the_vat_in_the_price(market, shop, buyer, pages):
    coordinator = market.coordinator()
    response = market.client.put(f"/sellers/{shop.member_id}/vat", headers=coordinator.headers,
                                 json={"vat_registered": True, "vat_number": "GB123456789"})
    assert response.status_code == 200, response.json
    order = paid_order(market, buyer, market.listing(shop, title="Robin card", price_pence=1200))
    page = text_of(pages.get(f"/orders/{order['id']}"))
    receipt = page[page.index("Receipt"):]
    assert "Paper Birds · VAT number GB123456789" in receipt
    assert "Before VAT £10.00" in receipt and "VAT included £2.00" in receipt and "Total paid £12.00" in receipt
    [api] = market.client.get(f"/orders/{order['id']}/receipts", headers=buyer.headers).json
    assert api["vat_pence"] == 200


def test_an_order_from_two_traders_has_a_receipt_from_each(market, shop, buyer, pages):
    other = market.member("producer", name="Silver Lining")
    order = paid_order(market, buyer, market.listing(shop, title="Robin card", price_pence=350),
                       market.listing(other, title="Leaf pendant", price_pence=1900))
    page = text_of(pages.get(f"/orders/{order['id']}"))
    assert "Receipts, one from each trader" in page
    assert page.count("Total paid £") == 2
    assert "Total paid for the order: £22.50" in page


def test_another_customer_cannot_see_my_receipt(market, shop, buyer):
    order = paid_order(market, buyer, market.listing(shop))
    assert StoreBrowser(market, market.customer()).get(f"/orders/{order['id']}").status_code == 404


def test_my_orders_lists_each_with_its_total_and_status(market, shop, buyer, pages):
    placed = place_order(market, buyer, market.listing(shop, price_pence=350))
    page = text_of(pages.get("/orders"))
    assert f"Order {placed['id']}" in page and "£3.50" in page and "placed (not paid yet)" in page


# The catalogue


def cards_on(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return CARDS.findall(response.get_data(as_text=True))


def test_the_search_says_the_true_count_and_pages_through_them(market, shop):
    for number in range(PAGE_SIZE + 3):
        market.listing(shop, title=f"Card {number:02d}")
    first = market.client.get("/store/search")
    assert len(cards_on(first)) == PAGE_SIZE
    assert f"{PAGE_SIZE + 3} found · showing 1 to {PAGE_SIZE}, page 1 of 2" in text_of(first)
    assert 'href="/store/search?page=2" rel="next"' in first.get_data(as_text=True)
    second = market.client.get("/store/search?page=2")
    assert len(cards_on(second)) == 3
    assert "rel=\"next\"" not in second.get_data(as_text=True)
    titles = {re.search(r">(Card \d\d)</a>", card).group(1) for card in cards_on(first) + cards_on(second)}
    assert len(titles) == PAGE_SIZE + 3  # each listing on one page only


def test_a_page_past_the_last_shows_the_last(market, shop):
    for number in range(PAGE_SIZE + 1):
        market.listing(shop, title=f"Card {number:02d}")
    assert len(cards_on(market.client.get("/store/search?page=40"))) == 1


def test_a_page_that_is_not_a_number_is_refused(market):
    assert market.client.get("/store/search?page=two").status_code == 422


def test_the_page_links_keep_the_words_the_category_and_the_maker(market, shop):
    for number in range(PAGE_SIZE + 1):
        market.listing(shop, title=f"Robin {number:02d}", category="cards")
    body = market.client.get(f"/store/search?q=robin&category=cards&maker={shop.member_id}").get_data(as_text=True)
    assert f'href="/store/search?page=2&amp;q=robin&amp;category=cards&amp;maker={shop.member_id}"' in body


def test_the_search_filters_by_category(market, shop):
    market.listing(shop, title="Robin card", category="cards")
    market.listing(shop, title="Silver ring", category="jewellery")
    page = market.client.get("/store/search?category=jewellery")
    assert [re.search(r'">([^<]+)</a></h3>', card).group(1) for card in cards_on(page)] == ["Silver ring"]
    assert "1 found" in text_of(page)


def test_the_search_filters_by_maker_and_offers_each_maker_with_something_on_sale(market, shop):
    other = market.member("producer", name="Silver Lining")
    market.listing(shop, title="Robin card")
    market.listing(other, title="Silver ring")
    market.member("producer", name="Nothing Yet")
    page = market.client.get(f"/store/search?maker={other.member_id}")
    assert [re.search(r'">([^<]+)</a></h3>', card).group(1) for card in cards_on(page)] == ["Silver ring"]
    body = page.get_data(as_text=True)
    assert f'<option value="{other.member_id}" selected>Silver Lining</option>' in body
    assert ">Paper Birds</option>" in body and "Nothing Yet" not in body


def test_a_maker_with_nothing_on_sale_is_refused(market):
    nobody = market.member("producer", name="Nothing Yet")
    assert market.client.get(f"/store/search?maker={nobody.member_id}").status_code == 422


def test_a_listing_without_a_photo_shows_a_clear_placeholder_on_its_card(market, shop):
    market.listing(shop, title="Robin card")
    [card] = cards_on(market.client.get("/store/search"))
    src = re.search(r'<img src="([^"]+)" alt="No photo yet"', card).group(1)
    image = market.client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert "No photo yet" in image.get_data(as_text=True)


def test_every_card_on_the_front_page_and_a_shop_has_a_picture(market, shop):
    market.listing(shop, title="Robin card")
    market.listing(shop, title="Blue tit card", images=["https://example.org/blue-tit.jpg"])
    for path in ("/store/", f"/store/sellers/{shop.member_id}", "/store/search"):
        assert all("<img " in card for card in cards_on(market.client.get(path))), path


# The demo's photos


@pytest.fixture
def demo_shops(market):
    return {name: market.member(name=name) for name in DEMO_LISTINGS}


def test_each_demo_listing_has_a_photo_stored_and_served_as_an_upload_is(market, demo_shops):
    load_demo_listings(market.runtime, wait_seconds=5)
    with market.runtime.db.sessionmaker() as session:
        shown = session.scalars(select(Listing.images)).all()
    assert len(shown) == sum(len(items) for items in DEMO_LISTINGS.values())
    for images in shown:
        [reference] = images
        assert reference.startswith("images/")
        served = market.client.get("/" + reference)
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert size_of(served.get_data()) == (480, 360)


def test_the_demo_has_more_than_a_page_of_listings_so_the_search_pages(market, demo_shops):
    load_demo_listings(market.runtime, wait_seconds=5)
    assert 'rel="next"' in market.client.get("/store/search").get_data(as_text=True)


def test_the_demo_photos_differ_and_are_drawn_quickly():
    started = time.process_time()  # the time drawing took, not the time a busy machine gave other work
    drawn = [product_image(title, category) for items in DEMO_LISTINGS.values() for _k, title, category, *_ in items]
    assert time.process_time() - started < 1.0
    assert len(set(drawn)) == len(drawn)
