"""A seller's and the coordinator's marketplace jobs in a real headless browser (Debian's Chromium) against
`coop run` and its demo data: Paper Birds Cards, on a phone, opens My shop from the front page, uploads two
photos to a listing (PNGs made here with Pillow), puts the second first, removes the other and sees her VAT
status; the coordinator refunds the demo order and runs payouts from the marketplace desk, and by keyboard
alone records Paper Birds' VAT registration, which she then sees. Each result is checked in the page and
through the JSON API; every page fits the window and has no serious accessibility violation."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, PHONE, fits_the_window, screenshot, sign_in_from_header

JOURNEY = "seller"
LISTING = "Robin Christmas card"
VAT_NUMBER = "GB123456789"
IN_PAPER_BIRDS_RADIOS = """(() => { const e = document.activeElement;
    return e.type === 'radio' && e.closest('li').querySelector('h2').innerText === 'Paper Birds Cards'; })()"""


@pytest.fixture(scope="module")
def site(demo_run):
    return demo_run.base, demo_run.browser


@pytest.fixture
def new_page(open_page):
    """A maker of pages in fresh browser contexts (one person each), closed after the test."""
    return open_page


def png(colour: tuple[int, int, int], size=(600, 450)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def checked(page, step: str) -> None:
    """What every page visited must be: no wider than the window, no serious axe violation; kept as a picture."""
    assert fits_the_window(page), step
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def api_token(base: str, email: str) -> dict:
    status, token = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201, token
    return {"Authorization": f"Bearer {token['access_token']}"}


def listing_images(base: str, listing_id: str) -> list[str]:
    status, listing = http.get_json(f"{base}/marketplace/listings/{listing_id}")
    assert status == 200, listing
    return listing["images"]


def status_text(page) -> str:
    return page.get_by_role("status").inner_text()


def tab_to(page, name: str, most: int = 150) -> None:
    """Press Tab until the element whose id is name, or whose accessible text (aria-label, else its text, else
    its label's text) starts with name, has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate("""(() => { const e = document.activeElement; if (!e) { return ['', '']; }
            const label = e.labels && e.labels.length ? e.labels[0].innerText : '';
            return [e.id || '', (e.getAttribute('aria-label') || e.innerText || label || '').trim()]; })()""")
        if focused[0] == name or focused[1].startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_paperbirds_adds_orders_and_removes_photos_and_sees_her_vat_status_on_a_phone(site, new_page):
    base, _browser = site
    page = new_page(PHONE)
    page.goto(base + "/")
    sign_in_from_header(page, "paperbirds@demo.coop", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My shop").click()
    page.get_by_role("heading", name="My shop: Paper Birds Cards").wait_for()
    assert "not VAT-registered" in page.locator("#vat-status").inner_text()
    # Every button of the listings table is on the screen: nothing cut off, nothing to scroll to.
    for button in page.locator("#my-listings a.button, #my-listings button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], button.inner_text()
    checked(page, "my shop")

    # The demo gave the listing one photo; she adds two more.
    page.get_by_role("link", name=f"Photos (1) of {LISTING}").click()
    page.get_by_role("heading", name="Photos").wait_for()
    listing_id = page.url.split("/listings/")[1].split("#")[0].split("?")[0]
    [demo_photo] = listing_images(base, listing_id)
    for number, colour in ((2, (200, 40, 40)), (3, (30, 90, 200))):
        page.get_by_label("Photo (JPEG, PNG or WebP, at most 2 MiB)").set_input_files(
            {"name": f"robin-{number}.png", "mimeType": "image/png", "buffer": png(colour)})
        page.get_by_role("button", name="Upload photo").click()
        page.get_by_role("img", name=f"Photo {number} of {LISTING}").wait_for()
        assert status_text(page) == "The photo is added."
    checked(page, "two photos")
    _demo, red, blue = listing_images(base, listing_id)  # through the API: in the order they were uploaded
    assert http.status(f"{base}/marketplace/{red.replace('.png', '-thumb.png')}") == 200  # its thumbnail

    # By keyboard alone: Tab to the third photo's "Make first" and press Enter.
    tab_to(page, f"Make first: photo 3 of {LISTING}")
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()
    assert status_text(page) == "The photos are in their new order."
    assert listing_images(base, listing_id) == [blue, demo_photo, red]

    page.get_by_role("button", name=f"Remove photo 3 of {LISTING}").click()
    page.get_by_role("status").wait_for()
    assert status_text(page) == "The photo is removed."
    assert page.get_by_role("img", name=f"Photo 3 of {LISTING}").count() == 0
    assert listing_images(base, listing_id) == [blue, demo_photo]
    assert http.status(f"{base}/marketplace/{red}") == 404  # its file is gone
    checked(page, "photo removed")

    page.get_by_role("link", name="Back to my shop").click()
    assert page.get_by_role("link", name=f"Photos (2) of {LISTING}").is_visible()
    assert fits_the_window(page)


def test_the_coordinator_refunds_the_demo_order_and_runs_payouts_from_the_desk(site, new_page):
    base, _browser = site
    page = new_page(PHONE)
    page.goto(base + "/")
    sign_in_from_header(page, "coordinator@demo.coop", DEMO_PASSWORD)
    page.goto(base + "/marketplace/store/desk/")  # until the site's menu links to the desk
    page.get_by_role("heading", name="Marketplace desk").wait_for()
    checked(page, "desk")

    page.get_by_role("navigation", name="Marketplace desk").get_by_role("link", name="Orders").click()
    page.get_by_role("heading", name="Orders").wait_for()
    checked(page, "desk orders")
    first = page.locator("#desk-orders tbody a").first
    order_id = first.inner_text().removeprefix("Order ")
    first.click()
    page.get_by_role("heading", name=f"Order {order_id}").wait_for()
    assert page.locator("#order-status").inner_text() == "paid"
    checked(page, "desk order")
    page.get_by_label("Reason").fill("Cards arrived creased")
    page.get_by_role("button", name="Refund").click()
    page.get_by_role("status").wait_for()
    assert status_text(page) == "The refund is made."
    assert page.locator("#order-status").inner_text() == "refunded"
    assert "Cards arrived creased" in page.locator("#order-refunds").inner_text()
    checked(page, "desk order refunded")
    coordinator = api_token(base, "coordinator@demo.coop")
    status, order = http.get_json(f"{base}/marketplace/orders/{order_id}", coordinator)
    assert status == 200 and order["status"] == "refunded"

    page.get_by_role("navigation", name="Marketplace desk").get_by_role("link", name="Refunds").click()
    assert f"Order {order_id}" in page.locator("#desk-refunds").inner_text()
    checked(page, "desk refunds")

    page.get_by_role("navigation", name="Marketplace desk").get_by_role("link", name="Payouts").click()
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert page.get_by_label("To").input_value() == yesterday.isoformat()
    page.get_by_role("button", name="Run payouts").click()
    page.get_by_role("status").wait_for()
    assert status_text(page) == "The payout run is made."
    checked(page, "payout run")
    status, runs = http.get_json(f"{base}/marketplace/payouts", coordinator)
    assert status == 200 and [run["period_end"] for run in runs] == [yesterday.isoformat()]


def test_the_coordinator_records_paperbirds_vat_by_keyboard_and_she_sees_it(site, new_page):
    base, _browser = site
    page = new_page(DESK)
    page.goto(base + "/")
    tab_to(page, "sign-in-link")
    page.keyboard.press("Enter")
    page.get_by_label("Email").wait_for()
    tab_to(page, "email")
    page.keyboard.type("coordinator@demo.coop")
    tab_to(page, "password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    page.goto(base + "/marketplace/store/desk/")  # until the site's menu links to the desk
    tab_to(page, "Sellers' VAT")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Sellers' VAT registration").wait_for()
    card = page.locator("li.card", has=page.get_by_role("heading", name="Paper Birds Cards"))
    for _ in range(150):  # Tab into Paper Birds' radio group (on its checked radio: "No")
        page.keyboard.press("Tab")
        if page.evaluate(IN_PAPER_BIRDS_RADIOS):
            break
    page.keyboard.press("ArrowUp")  # in a radio group the arrows choose: "Yes"
    assert card.get_by_label("Yes").is_checked()
    page.keyboard.press("Tab")  # from the radio group to the VAT number
    assert page.evaluate("document.activeElement.name") == "vat_number"
    page.keyboard.type(VAT_NUMBER)
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()
    assert status_text(page) == "The VAT registration is saved."
    assert card.locator(".vat-status").inner_text() == f"VAT-registered, {VAT_NUMBER}"
    checked(page, "sellers vat")

    seller = new_page(PHONE)
    seller.goto(base + "/")
    sign_in_from_header(seller, "paperbirds@demo.coop", DEMO_PASSWORD)
    seller.get_by_role("navigation", name="Main").get_by_role("link", name="My shop").click()
    assert f"number {VAT_NUMBER}" in seller.locator("#vat-status").inner_text()
    checked(seller, "my shop vat registered")
    status, shop = http.get_json(f"{base}/marketplace/sellers/{_member_id(base)}")
    assert status == 200 and shop["vat_registered"] is True


def _member_id(base: str) -> int:
    status, listings = http.get_json(f"{base}/marketplace/listings?q=robin")
    assert status == 200 and listings
    return listings[0]["seller_id"]
