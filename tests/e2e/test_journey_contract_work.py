"""A member's contract work, the whole job in a real browser (Debian's Chromium) against `coop run`'s demo.

The demo has no open offer of work, so the coordinator first makes some from "/": she starts, finishes and
invoices the demo's signed catering contract (Second Helpings earns her share), then negotiates a new one and
offers both its lines to Second Helpings. Then Priya of Second Helpings signs in from "/", accepts one offer
(by keyboard only), declines the other, and sees what she earned and was paid in pounds; each checked through
the API too. At a phone's width (and her pages once at a desk's), nothing scrolls sideways and axe-core finds
no serious or critical violation on any page visited.
"""

from __future__ import annotations

import pytest

from services.members.demo import DEMO_PASSWORD
from shared.money import pounds
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, fits_the_window, screenshot, sign_in_from_header, sign_out_from_header

JOURNEY = "contract-work"
MEMBER = "secondhelpings@demo.coop"


@pytest.fixture(scope="module")
def site(demo_run):
    return demo_run.base, demo_run.browser


@pytest.fixture
def new_page(open_page):
    return open_page


def api(base: str, email: str) -> dict:
    status, token = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201, token
    return {"Authorization": f"Bearer {token['access_token']}"}


def checked(page, found: dict, step: str) -> None:
    """The page fits the window, has no serious accessibility violation, and its picture is kept."""
    assert fits_the_window(page), f"{step} scrolls sideways"
    found[step] = serious_violations(page)
    screenshot(page, JOURNEY, step)


def open_my_work(page) -> None:
    """Go to her contract work from the site's menu (by its address until the menu links it)."""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="My contract work")
    if link.count():
        link.click()
    else:
        page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/contracts/my-work/")
    page.get_by_role("heading", name="My contract work", level=1).wait_for()


def tab_to(page, button, limit: int = 80) -> None:
    """Press Tab until the button has the focus (failing if it never gets it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError("the button never got the focus by Tab")


def test_the_coordinator_finishes_the_demo_catering_and_offers_new_work_to_second_helpings(site, new_page):
    base, _browser = site
    page, found = new_page(), {}
    page.goto(base + "/")
    sign_in_from_header(page, "coordinator@demo.coop", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contracts desk").click()
    checked(page, found, "desk")

    # The demo's signed catering contract: all its work accepted; start it, serve it, complete it.
    page.get_by_role("link", name="Open day catering").click()
    page.get_by_role("button", name="Start the work").click()
    assert page.locator("#state").inner_text() == "active"
    page.get_by_role("link", name="Work: allocation and milestones").click()
    page.get_by_role("button", name="Mark done").click()
    checked(page, found, "work of the catering contract")
    page.get_by_role("link", name="Back to the contract").click()
    page.get_by_role("button", name="Complete and invoice").click()
    assert page.locator("#state").inner_text() == "completed"

    # A new contract for the same venue, two lines, agreed and signed; both lines offered to Second Helpings.
    page.get_by_role("navigation", name="Contracts desk").get_by_role("link", name="New contract").click()
    page.get_by_label("Buyer").select_option(label="The Old Mill Arts Venue")
    page.get_by_label("Title").fill("Harvest supper")
    page.get_by_label("Sector").select_option("catering")
    page.get_by_label("Line 1: description").fill("Harvest supper")
    page.get_by_label("quantity", exact=True).nth(0).fill("40")
    page.get_by_label("unit", exact=True).nth(0).fill("covers")
    page.get_by_label("unit price (£)").nth(0).fill("9.50")
    page.get_by_label("Line 2: description").fill("Cheese board")
    page.get_by_label("quantity", exact=True).nth(1).fill("10")
    page.get_by_label("unit", exact=True).nth(1).fill("boards")
    page.get_by_label("unit price (£)").nth(1).fill("12.00")
    page.get_by_label("Start").fill("2027-09-20")
    page.get_by_label("End").fill("2027-09-30")
    checked(page, found, "new contract")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("heading", name="Harvest supper").wait_for()
    page.get_by_role("button", name="Propose").click()
    page.get_by_role("button", name="Agree").click()
    assert page.locator("#state").inner_text() == "agreed"  # £500: no members' vote needed
    page.get_by_label("Signed for the buyer by").fill("Robin Hale")
    page.get_by_role("button", name="Record the signature").click()
    assert page.locator("#state").inner_text() == "signed"
    checked(page, found, "signed contract")

    page.get_by_role("link", name="Work: allocation and milestones").click()
    for line, quantity in (("1: Harvest supper", "40"), ("2: Cheese board", "10")):
        page.get_by_label("Member business").select_option(label="Second Helpings Catering")
        page.get_by_label("Line", exact=True).select_option(label=line)
        page.get_by_label("Quantity").fill(quantity)
        page.get_by_role("button", name="Allocate").click()
        page.locator("#allocations").get_by_text(line).wait_for()
    assert page.locator("#allocations").get_by_text("£380.00").count() == 1
    checked(page, found, "allocated")
    page.goto(base + "/")
    sign_out_from_header(page)

    status, offers = http.get_json(f"{base}/contracts/my/allocations?state=offered", api(base, MEMBER))
    assert status == 200
    assert sorted((o["description"], o["quantity"], o["value_pence"]) for o in offers) == [
        ("Cheese board", 10, 12_000), ("Harvest supper", 40, 38_000)]
    assert found == dict.fromkeys(found, [])


def test_second_helpings_accepts_one_offer_by_keyboard_declines_the_other_and_sees_her_earnings(site, new_page):
    base, _browser = site
    page, found = new_page(), {}
    page.goto(base + "/")
    sign_in_from_header(page, MEMBER, DEMO_PASSWORD)
    open_my_work(page)
    offers = page.get_by_role("region", name="Work offered to you (2)")
    offers.wait_for()
    checked(page, found, "offers")

    # Accepting by keyboard only: Tab to the button, Enter.
    accept = page.get_by_role("button", name="Accept 40 covers of Harvest supper")
    tab_to(page, accept)
    page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text().startswith("You accepted the work: 40 covers of Harvest supper")
    checked(page, found, "accepted")

    page.get_by_role("link", name="10 boards of Cheese board").click()
    page.get_by_role("heading", name="10 boards of Cheese board", level=1).wait_for()
    assert "£12.00 each, £120.00 in all" in page.locator("main").inner_text()
    checked(page, found, "one offer")
    page.get_by_role("button", name="Decline 10 boards of Cheese board").click()
    assert page.get_by_role("status").inner_text().startswith("You declined the work: 10 boards of Cheese board")
    page.get_by_role("region", name="Work offered to you (0)").wait_for()

    headers = api(base, MEMBER)
    status, mine = http.get_json(f"{base}/contracts/my/allocations", headers)
    assert status == 200
    states = {(a["contract_title"], a["description"]): a["state"] for a in mine}
    assert states[("Harvest supper", "Harvest supper")] == "accepted"
    assert states[("Harvest supper", "Cheese board")] == "declined"
    status, [share] = http.get_json(f"{base}/contracts/my/shares", headers)
    assert status == 200 and share["paid_at"] is None
    assert page.locator("#earned").inner_text() == pounds(share["net_pence"])
    assert page.locator("#paid").inner_text() == "£0.00"
    assert page.locator("#to-do").inner_text() == "£380.00"
    assert "Not paid yet" in page.locator("#shares").inner_text()
    checked(page, found, "declined")
    assert found == dict.fromkeys(found, [])


def test_her_pages_fit_a_desk_too_and_no_one_else_answers_her_offers(site, new_page):
    base, _browser = site
    page, found = new_page(DESK), {}
    page.goto(base + "/")
    sign_in_from_header(page, MEMBER, DEMO_PASSWORD)
    open_my_work(page)
    checked(page, found, "my work at a desk")
    page.get_by_role("link", name="40 covers of Harvest supper").click()
    checked(page, found, "one allocation at a desk")
    assert found == dict.fromkeys(found, [])

    # Another member, and a customer, answering her work by its id: refused, and nothing changes.
    status, mine = http.get_json(f"{base}/contracts/my/allocations", api(base, MEMBER))
    harvest = next(a for a in mine if a["description"] == "Harvest supper")
    other = api(base, "paperbirds@demo.coop")
    assert http.post_json(f"{base}/contracts/allocations/{harvest['id']}/decline", {}, other)[0] == 403
    assert http.get_json(f"{base}/contracts/my/allocations", other)[1] == []
    intruder = new_page()
    intruder.goto(base + "/")
    sign_in_from_header(intruder, "paperbirds@demo.coop", DEMO_PASSWORD)
    assert intruder.goto(f"{base}/contracts/my-work/{harvest['id']}").status == 404
    customer = new_page()
    customer.goto(base + "/")
    sign_in_from_header(customer, "customer@demo.coop", DEMO_PASSWORD)
    assert customer.goto(f"{base}/contracts/my-work/").status == 403
    status, mine = http.get_json(f"{base}/contracts/my/allocations", api(base, MEMBER))
    assert next(a for a in mine if a["id"] == harvest["id"])["state"] == "accepted"
