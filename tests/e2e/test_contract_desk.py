"""The coordinators' contracts desk in a real headless browser (Debian's Chromium), against `coop run`."""

import uuid

import pytest

from tests.support.browser import sign_in


@pytest.fixture
def desk_page(back_office, browser):
    """A laptop-sized page on a fresh `coop run`, signed in as the demo coordinator."""
    _process, base = back_office()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, f"{base}/contracts/desk", "coordinator@demo.coop")
    yield page, f"{base}/contracts/desk"
    context.close()


def fill_terms(page, quantity: str, price: str) -> None:
    page.get_by_label("Line 1: description").fill("Hand-made birthday cards")
    page.get_by_label("quantity", exact=True).first.fill(quantity)
    page.get_by_label("unit", exact=True).first.fill("cards")
    page.get_by_label("unit price (£)").first.fill(price)
    page.get_by_label("Start").fill("2027-02-01")
    page.get_by_label("End").fill("2027-04-30")
    page.get_by_label("Milestone 1").fill("All cards delivered")
    page.get_by_label("due").first.fill("2027-03-31")


def test_a_coordinator_negotiates_signs_and_allocates_a_contract(desk_page):
    page, desk = desk_page
    buyer = f"Corner Shop {uuid.uuid4().hex[:6]}"
    page.goto(f"{desk}/buyers")
    page.get_by_label("Organisation").fill(buyer)
    page.get_by_label("Contact").fill("Ali")
    page.get_by_label("Email").fill("ali@corner.example")
    page.get_by_label("Address").fill("2 Market Street, Leeds")
    page.get_by_role("button", name="Add the buyer").click()
    page.get_by_role("status").wait_for()

    page.goto(f"{desk}/contracts/new")
    page.get_by_label("Buyer").select_option(label=buyer)
    page.get_by_label("Title").fill("Birthday cards")
    page.get_by_label("Sector").select_option("cards")
    fill_terms(page, "300", "2.00")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("heading", name="Birthday cards").wait_for()
    page.get_by_role("button", name="Propose").click()
    assert page.locator("#state").inner_text() == "proposed"

    # The buyer asks for more cards at a lower price: a new round, its changes highlighted.
    counter = page.get_by_role("form", name="counter")
    counter.get_by_label("Offered by").select_option("buyer")
    counter.get_by_label("quantity", exact=True).first.fill("400")
    counter.get_by_label("unit price (£)").first.fill("1.80")
    counter.get_by_role("button", name="Record the new terms").click()
    assert page.locator("#state").inner_text() == "countered"
    changed = page.locator("#rounds tr.changed")
    assert changed.count() == 2
    assert page.locator("#rounds mark", has_text="400").count() == 1

    page.get_by_role("button", name="Agree").click()
    assert page.locator("#state").inner_text() == "agreed"  # £720: under the threshold, no vote needed
    page.get_by_label("Signed for the buyer by").fill("Ali")
    page.get_by_role("button", name="Record the signature").click()
    assert page.locator("#state").inner_text() == "signed"

    page.get_by_role("link", name="Work: allocation and milestones").click()
    page.get_by_label("Member business").select_option(label="Paper Birds Cards")
    page.get_by_label("Quantity").fill("400")
    page.get_by_role("button", name="Allocate").click()
    assert page.locator("#allocations").get_by_text("Paper Birds Cards").count() == 1
    assert page.locator("#lines td").nth(3).inner_text() == "0"
