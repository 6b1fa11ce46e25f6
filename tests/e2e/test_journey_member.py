"""A member's whole job in a real browser (Debian's Chromium) against `coop run` and its demo co-op: Jo of
Paper Birds Cards starts at "/", signs in from the header, opens her membership, appoints a proxy on the
open demo proposal and withdraws it, votes, checks her receipt, reads her record month by month, asks
for job brokering and changes her mind back; every page at a phone's width (and at a desk's), fitting
the window, with no serious accessibility violation; and a member votes by keyboard alone. Each result is
checked in the page and through the JSON API (or the members database)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, fits_the_window, screenshot, sign_in_from_header

JOURNEY = "member"
PROPOSAL = "Adopt the 2027 marketing plan"


@pytest.fixture(scope="module")
def site(demo_run):
    return demo_run.base, demo_run.data_dir, demo_run.browser


@pytest.fixture
def new_page(open_page):
    return open_page


def api(base: str, email: str) -> dict:
    status, token = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201
    return {"Authorization": f"Bearer {token['access_token']}"}


def checked(page, step: str) -> None:
    """Every page she visits: it fits the window, axe finds nothing serious, and a picture is kept."""
    assert fits_the_window(page), f"{step}: the page scrolls sideways"
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def open_membership(page, base: str) -> None:
    # From the site's menu (on the front page and in the header) once it links here; until the lead adds
    # "My membership" to services.MENU, by its address.
    link = page.get_by_role("link", name="My membership")
    if link.count():
        link.first.click()
    else:
        page.goto(f"{base}/members/my-membership/")
    page.get_by_role("heading", name="My membership", level=1).wait_for()


def proxy_held(data_dir, member_name: str):
    with sqlite3.connect(data_dir / "members.db") as db:
        row = db.execute("SELECT holder.name FROM proxies JOIN members AS giver ON giver.id = proxies.member_id "
                         "JOIN members AS holder ON holder.id = proxies.proxy_member_id WHERE giver.name = ?",
                         (member_name,)).fetchone()
    return row[0] if row else None


def test_a_member_does_her_whole_job_on_a_phone(site, new_page):
    base, data_dir, _browser = site
    headers = api(base, "paperbirds@demo.coop")
    page = new_page()
    page.goto(base + "/")
    checked(page, "front page")
    sign_in_from_header(page, "paperbirds@demo.coop", DEMO_PASSWORD)

    open_membership(page, base)
    _status, me = http.get_json(f"{base}/members/members/me", headers)
    assert page.locator("#member-number").inner_text() == str(me["member_number"])
    assert page.locator("#member-status").inner_text() == "Active"
    assert page.locator("#member-share").inner_text().startswith("£1.00")
    assert "founding member" in page.locator("#history").inner_text()  # admitted, with the coordinator's reason
    checked(page, "membership")

    page.get_by_role("navigation", name="My membership").get_by_role("link", name="Votes").click()
    page.get_by_role("heading", name="The co-op's votes").wait_for()
    checked(page, "votes")
    page.get_by_role("link", name=PROPOSAL).click()
    page.get_by_role("heading", name=PROPOSAL).wait_for()
    assert "£1,200" in page.locator("#proposal-text").inner_text()
    checked(page, "proposal")

    # A proxy, by name, then withdrawn: she will vote herself.
    page.get_by_label("Member to vote for you").select_option(label="Silver Lining Jewellery")
    page.get_by_role("button", name="Appoint as my proxy").click()
    assert "Proxy appointed" in page.get_by_role("status").inner_text()
    assert "Silver Lining Jewellery" in page.locator("#my-vote-state").inner_text()
    assert proxy_held(data_dir, "Paper Birds Cards") == "Silver Lining Jewellery"
    checked(page, "proxy appointed")
    page.get_by_role("button", name="Withdraw my proxy").click()
    assert "Proxy withdrawn" in page.get_by_role("status").inner_text()
    assert proxy_held(data_dir, "Paper Birds Cards") is None

    page.get_by_role("group", name="How do you vote?").get_by_label("For").check()
    page.get_by_role("button", name="Cast my vote").click()
    page.get_by_role("heading", name="Vote recorded").wait_for()
    receipt = page.get_by_label("Receipt").input_value()
    assert len(receipt) > 20
    checked(page, "vote recorded")
    proposal_id = int(re.search(r"/votes/(\d+)", page.get_by_role("link", name="Back to the proposal")
                                .get_attribute("href")).group(1))
    _status, proposal = http.get_json(f"{base}/members/proposals/{proposal_id}", headers)
    assert proposal["votes_cast"] == 1 and proposal["result"] is None

    page.get_by_role("link", name="Check my ballot with the receipt").click()
    page.get_by_role("heading", name="Check a ballot").wait_for()
    page.get_by_label("Receipt").fill(receipt)
    page.get_by_role("button", name="Check").click()
    # Open still: the ballot waits to go into the box in a shuffled batch, as the API says too.
    assert "may not be there yet" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Receipt").input_value() == receipt
    status, _ = http.post_json(f"{base}/members/proposals/{proposal_id}/ballot-checks", {"receipt": receipt}, headers)
    assert status == 404
    checked(page, "receipt checked")

    page.get_by_role("navigation", name="My membership").get_by_role("link", name="My record").click()
    page.get_by_role("heading", name="My record, month by month").wait_for()
    _status, months = http.get_json(f"{base}/members/members/{me['id']}/record", headers)
    if months:
        assert page.locator("#record tbody tr").count() == len(months)
    else:
        assert page.locator("#record-empty").is_visible()
    checked(page, "record")

    page.get_by_role("navigation", name="My membership").get_by_role("link", name="My membership").click()
    page.get_by_role("button", name="Ask for job brokering").click()
    assert "job brokering has been asked" in page.get_by_role("status").inner_text()
    assert http.get_json(f"{base}/members/members/me", headers)[1]["seeking_work_since"] is not None
    checked(page, "job brokering asked")
    page.get_by_role("button", name="I have changed my mind: stop job brokering").click()
    assert "no longer asking" in page.get_by_role("status").inner_text()
    assert http.get_json(f"{base}/members/members/me", headers)[1]["seeking_work_since"] is None
    assert page.get_by_role("button", name="Ask for job brokering").is_visible()


def test_her_pages_fit_a_desk_too(site, new_page):
    base, _data, _browser = site
    page = new_page(DESK)
    page.goto(base + "/")
    sign_in_from_header(page, "secondhelpings@demo.coop", DEMO_PASSWORD)
    open_membership(page, base)
    checked(page, "desk membership")
    page.get_by_role("navigation", name="My membership").get_by_role("link", name="Votes").click()
    page.get_by_role("link", name=PROPOSAL).click()
    page.get_by_role("heading", name=PROPOSAL).wait_for()
    checked(page, "desk proposal")
    page.get_by_role("navigation", name="My membership").get_by_role("link", name="My record").click()
    page.get_by_role("heading", name="My record, month by month").wait_for()
    checked(page, "desk record")


def tab_to(page, matches: str, limit: int = 80) -> None:
    """Press Tab until the focused element's text, label or value matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; const l = e.labels && e.labels[0];"
            " return [e.innerText, e.value, l && l.innerText, e.getAttribute('aria-label')].join(' | '); }")
        if re.search(matches, focused):
            return
    raise AssertionError(f"Tab never reached {matches!r}")


def test_a_member_votes_by_keyboard_alone(site, new_page):
    base, _data, _browser = site
    page = new_page()
    page.goto(base + "/")
    tab_to(page, r"^Sign in \|")
    page.keyboard.press("Enter")
    page.get_by_label("Email").wait_for()
    tab_to(page, r"Email")
    page.keyboard.type("wagtails@demo.coop")
    tab_to(page, r"Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    if page.get_by_role("link", name="My membership").count():
        tab_to(page, r"^My membership \|")
        page.keyboard.press("Enter")
    else:
        page.goto(f"{base}/members/my-membership/")
    page.get_by_role("heading", name="My membership", level=1).wait_for()
    tab_to(page, r"^Votes \|")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="The co-op's votes").wait_for()
    tab_to(page, PROPOSAL)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=PROPOSAL).wait_for()
    tab_to(page, r"\| for \|")
    page.keyboard.press("Space")
    assert page.get_by_role("group", name="How do you vote?").get_by_label("For").is_checked()
    tab_to(page, r"^Cast my vote")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Vote recorded").wait_for()
    checked(page, "keyboard vote recorded")
    headers = api(base, "wagtails@demo.coop")
    proposal_id = int(re.search(r"/votes/(\d+)", page.url).group(1))
    status, _ = http.post_json(f"{base}/members/proposals/{proposal_id}/votes", {"option": "against"}, headers)
    assert status == 409  # her vote is recorded: a second is refused
