"""The storefront in a real headless browser (Debian's Chromium), against `coop run`."""

import datetime as dt
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

TEST_CARD = "4242 4242 4242 4242"


@pytest.fixture
def store(back_office, browser):
    """Open a phone-sized page on a fresh `coop run`; return the page and the store's address."""
    _process, base = back_office()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    yield context.new_page(), f"{base}/marketplace/store"
    context.close()


def wait_for_demo_listing(page, store_url: str, title: str) -> None:
    """Reload the search until the demo listings (made shortly after start) are on sale."""
    for _ in range(60):
        page.goto(f"{store_url}/search?q={title}")
        if page.get_by_role("link", name=title).count():
            return
        page.wait_for_timeout(500)
    pytest.fail(f"the demo listing {title!r} never appeared")


def add_to_cart(page, store_url: str, title: str) -> None:
    wait_for_demo_listing(page, store_url, title)
    page.get_by_role("link", name=title).click()
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("heading", name="Your cart").wait_for()


def test_a_customer_buys_from_two_shops_with_the_test_card(store, tmp_path):
    page, store_url = store
    sign_in(page, store_url, "customer@demo.coop")
    add_to_cart(page, store_url, "Robin Christmas card")  # Paper Birds Cards
    add_to_cart(page, store_url, "Leaf pendant")  # Silver Lining Jewellery
    assert page.locator("#cart-total").inner_text() == "£22.50"
    page.get_by_role("link", name="Go to checkout").click()
    page.get_by_label("Delivery address").fill("1 High Street, Leeds")
    page.get_by_label("Name on card").fill("Cass Customer")
    page.get_by_label("Card number").fill(TEST_CARD)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year (4 digits)").fill("2030")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Place order and pay £22.50").click()
    page.get_by_role("heading", name="is paid").wait_for()
    assert page.locator("#order-status").inner_text() == "paid"
    assert page.get_by_role("cell", name="Robin Christmas card").count() == 1
    assert page.get_by_role("cell", name="Leaf pendant").count() == 1
    shot = tmp_path / "order-confirmation.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def test_a_member_adds_a_listing_in_my_shop_and_customers_find_it(store, tmp_path):
    page, store_url = store
    title = f"Blue tit card {uuid.uuid4().hex[:6]}"
    sign_in(page, store_url, "paperbirds@demo.coop")
    # Shops arrive as member events; the demo listings on sale mean Paper Birds' shop exists.
    wait_for_demo_listing(page, store_url, "Robin Christmas card")
    page.get_by_role("link", name="My shop").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Linocut blue tit, blank inside.")
    page.get_by_label("Category").select_option("cards")
    page.get_by_label("Price in pounds").fill("3.75")
    page.get_by_label("Stock", exact=True).fill("12")
    page.get_by_role("button", name="Save as draft").click()
    row = page.locator("#my-listings tr", has_text=title)
    assert row.locator(".status").inner_text() == "draft"
    row.get_by_role("button", name=f"Publish {title}").click()
    assert page.locator("#my-listings tr", has_text=title).locator(".status").inner_text() == "published"
    page.goto(f"{store_url}/search?q={title}")
    result = page.locator("#results").get_by_role("link", name=title)
    assert result.count() == 1
    shot = tmp_path / "search-finds-new-listing.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


def pay_with_test_card(page, amount: str) -> None:
    page.get_by_label("Delivery address").fill("1 High Street, Leeds")
    page.get_by_label("Name on card").fill("Cass Customer")
    page.get_by_label("Card number").fill(TEST_CARD)
    page.get_by_label("Expiry month").fill("12")
    page.get_by_label("Expiry year (4 digits)").fill("2030")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name=f"Place order and pay {amount}").click()
    page.get_by_role("heading", name="is paid").wait_for()


def test_a_member_offers_a_service_with_a_slot_and_a_customer_books_it(store, tmp_path):
    page, store_url = store
    title = f"Card-making class {uuid.uuid4().hex[:6]}"
    day = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    sign_in(page, store_url, "paperbirds@demo.coop")
    wait_for_demo_listing(page, store_url, "Robin Christmas card")
    page.get_by_role("link", name="My shop").click()
    page.get_by_role("link", name="Add a service").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Two hours of linocut printing.")
    page.get_by_label("Category").select_option("crafts")
    page.get_by_label("Price in pounds").fill("30")
    page.get_by_label("Duration in minutes").fill("120")
    page.get_by_label("Slot 1 date").fill(day)
    page.get_by_label("Slot 1 time").fill("14:00")
    page.get_by_role("button", name="Save service as draft").click()
    expect(page.get_by_role("status")).to_have_text("The service is saved as a draft.")
    assert page.locator("#slots").get_by_text("14:00").count() == 1  # shown back in UK time
    page.get_by_role("link", name="Back to my shop").click()
    page.locator("#my-listings tr", has_text=title).get_by_role("button", name=f"Publish {title}").click()
    assert page.locator("#my-listings tr", has_text=title).locator(".status").inner_text() == "published"
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, store_url, "customer@demo.coop")
    page.goto(f"{store_url}/search?q={title}")
    page.locator("#results").get_by_role("link", name=title).click()
    assert page.get_by_label("Time (UK time)").locator("option").count() == 1
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("heading", name="Your cart").wait_for()
    page.get_by_role("link", name="Go to checkout").click()
    pay_with_test_card(page, "£30.00")
    order_id = page.url.split("/orders/")[1].split("?")[0]
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, store_url, "paperbirds@demo.coop")
    page.goto(f"{store_url}/my-shop/bookings")
    row = page.locator("#bookings tr", has_text=title)
    assert row.get_by_role("link", name=f"Order {order_id}").count() == 1
    assert row.locator(".status").inner_text() == "paid"
    shot = tmp_path / "my-bookings.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0
