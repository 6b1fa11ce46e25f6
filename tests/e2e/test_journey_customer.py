"""A customer's whole job in a real browser (Debian's Chromium) against `coop run` and its demo data (issue 18).

Cass (customer@demo.coop) starts at the front page, signs in from its header, searches the market, filters
by category and by maker, pages through, adds to her cart (told "Only 2 left"), changes the quantity, checks
out and pays with the test card, cancels another order left unpaid by a declined card, says an order arrived
once its maker has sent it, and reads her receipt; each step is checked in the page and through the JSON
API. At a phone's width (and the catalogue once at a desk's), nothing scrolls sideways and axe-core finds no
serious or critical violation on any page; the buying part is done once again by keyboard alone.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.cards import DECLINED_NUMBER, GOOD_NUMBER, expiry_year
from tests.support.site import DESK, PHONE, fits_the_window, screenshot, sign_in_from_header
from tests.support.waiting import wait_for

JOURNEY = "customer"
CUSTOMER = "customer@demo.coop"
MAKER = "threadbare@demo.coop"  # Threadbare Fashion, who sends the tea cosy
DEMO_LISTINGS = 17  # services/marketplace/demo.py


@pytest.fixture(scope="module")
def site(demo_run):
    """The demo run once its listings are on sale."""
    base = demo_run.base
    wait_for(lambda: len(http.get_json(f"{base}/marketplace/listings?page_size=100")[1] or []) >= DEMO_LISTINGS,
             timeout=60)
    return base, demo_run.browser


def new_page(browser, viewport=PHONE):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(15_000)
    return context.new_page()


def api(base: str, email: str) -> dict:
    """The headers of someone signed in to the JSON API with the demo password."""
    status, token = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201, token
    return {"Authorization": f"Bearer {token['access_token']}"}


def looked_at(page, step: str) -> None:
    """Check the page open now fits the window and has no serious accessibility violation; keep a picture."""
    assert fits_the_window(page), step
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def result_titles(page) -> list[str]:
    return page.locator("#results h3").all_inner_texts()


def pay_with(page, number: str, button: str) -> None:
    page.get_by_label("Name on card").fill("Cass Customer")
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year (4 digits)").fill(str(expiry_year()))
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=button).click()


def order_id_of(page) -> int:
    """The number of the order whose page is open ("Order 12", "Thank you: order 12 is paid")."""
    return int(re.search(r"[Oo]rder (\d+)", page.get_by_role("heading", level=1).inner_text()).group(1))


def test_a_customer_finds_buys_cancels_says_it_arrived_and_reads_her_receipt_on_a_phone(site):
    base, browser = site
    page = new_page(browser)
    cass = api(base, CUSTOMER)
    page.goto(base + "/")
    looked_at(page, "front page")
    assert page.locator(".grid .card img").count() >= 8  # the newest, each with its photo
    sign_in_from_header(page, CUSTOMER, DEMO_PASSWORD)
    assert page.url in (f"{base}/", f"{base}/marketplace/store/")  # back on the front page

    # Search, filter by category and by maker, page through.
    page.get_by_label("Search the market").fill("card")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name="Search the market").wait_for()
    looked_at(page, "search")
    assert "Robin Christmas card" in result_titles(page)
    page.get_by_label("Words").fill("")
    page.get_by_label("Category").select_option(label="Jewellery")
    page.get_by_role("button", name="Search").click()
    assert page.locator("#found").inner_text() == "4 found"
    assert len(result_titles(page)) == 4
    page.get_by_label("Category").select_option(label="Any category")
    page.get_by_label("Maker").select_option(label="Threadbare Fashion")
    page.get_by_role("button", name="Search").click()
    assert sorted(result_titles(page)) == ["Hand-knitted tea cosy", "Patchwork tote bag", "Upcycled denim jacket"]
    looked_at(page, "filtered by maker")
    page.get_by_label("Maker").select_option(label="Any maker")
    page.get_by_role("button", name="Search").click()
    assert page.locator("#found").inner_text() == f"{DEMO_LISTINGS} found · showing 1 to 12, page 1 of 2"
    assert page.locator("#results .card img").count() == 12  # a photo on every card
    first_page = result_titles(page)
    page.get_by_role("link", name="Next page").click()
    page.get_by_text("page 2 of 2").wait_for()
    looked_at(page, "search page 2")
    second_page = result_titles(page)
    assert len(second_page) == DEMO_LISTINGS - 12 and not set(first_page) & set(second_page)
    status, listed = http.get_json(f"{base}/marketplace/listings?page_size=100")
    assert status == 200 and sorted(item["title"] for item in listed) == sorted(first_page + second_page)

    # Add to the cart, told how few are left, and change the quantity.
    page.get_by_role("link", name="Previous page").click()
    page.get_by_text("page 1 of 2").wait_for()
    page.get_by_role("link", name="Hand-knitted tea cosy").click()
    assert page.locator("#stock").inner_text() == "Only 2 left"
    looked_at(page, "listing")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("heading", name="Your cart").wait_for()
    expect(page.get_by_role("status")).to_have_text("Added Hand-knitted tea cosy to your cart. Only 2 left.")
    looked_at(page, "cart, just added")
    page.get_by_label("Quantity of Hand-knitted tea cosy").fill("2")
    page.get_by_role("button", name="Change the quantity of Hand-knitted tea cosy").click()
    expect(page.get_by_role("status")).to_have_text("Quantity changed.")
    assert page.locator("#cart-total").inner_text() == "£32.00"
    status, cart = http.get_json(f"{base}/marketplace/cart", cass)
    assert status == 200 and [(line["title"], line["quantity"]) for line in cart["lines"]] == [
        ("Hand-knitted tea cosy", 2)]

    # Check out and pay with the test card.
    page.get_by_role("link", name="Go to checkout").click()
    looked_at(page, "checkout")
    page.get_by_label("Delivery address").fill("1 High Street, Leeds")
    pay_with(page, GOOD_NUMBER, "Place order and pay £32.00")
    page.get_by_role("heading", name="is paid").wait_for()
    paid = order_id_of(page)
    assert page.locator("#order-status").inner_text() == "paid"
    looked_at(page, "paid")
    assert http.get_json(f"{base}/marketplace/orders/{paid}", cass)[1]["status"] == "paid"

    # Another order, left unpaid by a declined card, and cancelled.
    page.goto(f"{base}/marketplace/store/search?q=robin")
    page.get_by_role("link", name="Robin Christmas card").click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Delivery address").fill("1 High Street, Leeds")
    pay_with(page, DECLINED_NUMBER, "Place order and pay £3.50")
    assert "declined" in page.get_by_role("alert").inner_text().lower()
    unpaid = order_id_of(page)
    looked_at(page, "declined")
    page.get_by_role("button", name=f"Cancel order {unpaid}").click()
    expect(page.get_by_role("status")).to_have_text(f"Order {unpaid} cancelled: its items are back on sale.")
    assert page.locator("#order-status").inner_text() == "cancelled"
    looked_at(page, "cancelled")
    assert http.get_json(f"{base}/marketplace/orders/{unpaid}", cass)[1]["status"] == "cancelled"

    # Her maker sends the tea cosies (My shop's part, through the API here); she says they arrived.
    status, confirmed = http.post_json(f"{base}/marketplace/orders/{paid}/confirm", {}, api(base, MAKER))
    assert status == 200 and confirmed["status"] == "confirmed", confirmed
    page.get_by_role("link", name="My orders").first.click()
    page.get_by_role("heading", name="My orders").wait_for()
    looked_at(page, "my orders")
    page.get_by_role("link", name=f"Order {paid}", exact=True).click()
    page.get_by_role("button", name=f"Order {paid} arrived").click()
    expect(page.get_by_role("status")).to_have_text(f"Thank you: order {paid} is marked as arrived.")
    assert page.locator("#order-status").inner_text() == "fulfilled"
    assert http.get_json(f"{base}/marketplace/orders/{paid}", cass)[1]["status"] == "fulfilled"

    # The order page is her receipt: the lines, VAT and the total in pounds.
    receipt = page.locator("#receipts")
    assert receipt.locator(".trader").inner_text() == "Threadbare Fashion"
    assert receipt.locator(".receipt-total").inner_text() == "£32.00"
    assert receipt.locator(".vat").inner_text() == "None: Threadbare Fashion is not VAT-registered"
    assert receipt.get_by_role("cell", name="Hand-knitted tea cosy").count() == 1
    looked_at(page, "receipt")
    status, receipts = http.get_json(f"{base}/marketplace/orders/{paid}/receipts", cass)
    assert status == 200 and [(r["trader"], r["total_pence"], r["vat_pence"]) for r in receipts] == [
        ("Threadbare Fashion", 3200, None)]


def test_the_catalogue_at_a_desk_pages_and_filters_with_a_photo_on_every_card(site):
    base, browser = site
    page = new_page(browser, DESK)
    page.goto(base + "/")
    page.get_by_role("link", name="See everything for sale").click()
    looked_at(page, "desk search")
    assert page.locator("#results .card").count() == page.locator("#results .card img").count() == 12
    page.get_by_role("link", name="Page 2").click()
    page.get_by_text("page 2 of 2").wait_for()
    page.get_by_label("Category").select_option(label="Cards")
    page.get_by_label("Maker").select_option(label="Paper Birds Cards")
    page.get_by_role("button", name="Search").click()
    assert page.locator("#found").inner_text() == "4 found"
    looked_at(page, "desk filtered")


def tab_to(page, locator, most: int = 80) -> None:
    """Press Tab until the element has the focus (failing if it never gets it)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {locator}")


def test_by_keyboard_alone_she_signs_in_finds_a_card_changes_the_quantity_and_pays(site):
    base, browser = site
    page = new_page(browser)
    page.goto(base + "/")
    tab_to(page, page.locator("#sign-in-link"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(CUSTOMER)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()

    tab_to(page, page.get_by_label("Search the market"))
    page.keyboard.type("wedding")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Search the market").wait_for()
    tab_to(page, page.locator("#results").get_by_role("link", name="Wedding stationery set"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Quantity"))
    page.keyboard.press("Enter")  # the form sends one
    page.get_by_role("heading", name="Your cart").wait_for()
    tab_to(page, page.get_by_label("Quantity of Wedding stationery set"))
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Quantity changed.")
    assert page.locator("#cart-total").inner_text() == "£48.00"
    tab_to(page, page.get_by_role("link", name="Go to checkout"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Checkout").wait_for()
    for label, typed in (("Delivery address", "1 High Street, Leeds"), ("Name on card", "Cass Customer"),
                         ("Card number", GOOD_NUMBER), ("Expiry month", "12"),
                         ("Expiry year (4 digits)", str(expiry_year())), ("Security code", "123")):
        tab_to(page, page.get_by_label(label))
        page.keyboard.type(typed)
    tab_to(page, page.get_by_role("button", name="Place order and pay £48.00"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="is paid").wait_for()
    looked_at(page, "keyboard paid")
    status, mine = http.get_json(f"{base}/marketplace/orders", api(base, CUSTOMER))
    assert status == 200 and mine[0]["status"] == "paid" and mine[0]["total_pence"] == 4800
