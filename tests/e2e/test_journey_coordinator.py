"""A coordinator's and an administrator's whole jobs in a real headless browser against `coop run` and its demo:
from "/", the coordinator signs in from the header, admits the demo applicant with a reason, suspends and
reinstates a member seeing her history, opens a proposal and closes it once its time is up, and looks at the
dead letters waiting; the administrator gives and takes the coordinator role. At a phone's width (and once
at a desk's, by keyboard alone), with no sideways scrolling and no serious axe violation on any page; each
result is checked in the page and through the JSON API."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, fits_the_window, screenshot, sign_in_from_header
from tests.support.waiting import wait_for

JOURNEY = "coordinator"
UK = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def site(demo_run):
    return demo_run.base, demo_run.browser, demo_run.data_dir


@pytest.fixture
def new_page(site, open_page):
    return site[0], open_page


def checked(page, step: str) -> None:
    """Every page visited: nothing to scroll sideways to, no serious axe violation, and a picture."""
    assert fits_the_window(page), step
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def token(base: str, email: str) -> dict[str, str]:
    status, body = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201, body
    return {"Authorization": f"Bearer {body['access_token']}"}


def api(base: str, path: str, headers: dict) -> dict:
    status, body = http.get_json(f"{base}{path}", headers)
    assert status == 200, body
    return body


def open_from_menu(page, base: str, label: str, path: str) -> None:
    """Follow the site menu's link (asked of the site's menu); until it is there, go to its page."""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=label)
    if link.count():
        link.click()
    else:
        page.goto(base + path)


def signed_in_at_front_page(page, base: str, email: str) -> None:
    page.goto(base + "/")
    sign_in_from_header(page, email, DEMO_PASSWORD)


def signed_out(page) -> None:
    """Sign out from the header: back at the front page, or at the sign-in form of a page for some people only."""
    page.locator("#sign-out").click()
    page.locator("#sign-in-link").or_(page.get_by_label("Password")).first.wait_for()
    assert page.locator("#sign-out").count() == 0


def member_id_in(page) -> int:
    return int(page.url.split("/members/coordination/members/")[1].split("?")[0])


def dead_letters_listed_by_the_command_line(data_dir, service: str) -> int:
    """How many dead letters `coop dead-letters list` finds in the service, in the run's own data."""
    done = subprocess.run([sys.executable, "-m", "coop", "dead-letters", "list", service], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COOP_DATA_DIR": str(data_dir)}, check=True)
    return len(done.stdout.splitlines())


def test_a_coordinator_admits_suspends_reinstates_runs_a_proposal_and_reads_the_dead_letters(site, new_page):
    base, make = new_page
    page = make()
    signed_in_at_front_page(page, base, "coordinator@demo.coop")
    checked(page, "front page signed in")
    coordinator = token(base, "coordinator@demo.coop")

    # The applicant: admitted with a reason.
    open_from_menu(page, base, "Members desk", "/members/coordination/applicants")
    page.get_by_role("heading", name="Applicants").wait_for()
    checked(page, "applicants")
    page.get_by_role("link", name="Bloom & Bake").click()
    page.get_by_role("heading", name="Bloom & Bake").wait_for()
    checked(page, "applicant")
    bloom = member_id_in(page)
    page.get_by_label("Reason (optional)").first.fill("Welcome, Tasha: references checked.")
    page.get_by_role("button", name="Admit as a member").click()
    assert "Admitted" in page.get_by_role("status").inner_text()
    assert page.locator("#member-status").inner_text() == "active"
    assert "Welcome, Tasha" in page.locator("#history").inner_text()
    checked(page, "admitted")
    record = api(base, f"/members/members/{bloom}", coordinator)
    assert record["status"] == "active" and record["member_number"]

    # A member: suspended, then reinstated, each in her history.
    page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Members").click()
    page.get_by_role("heading", name="Members").wait_for()
    checked(page, "members")
    page.get_by_role("link", name="Paper Birds Cards").click()
    page.get_by_label("Reason (kept in the history)").fill("Stall fees unpaid since March.")
    page.get_by_role("button", name="Suspend the member").click()
    assert "Suspended" in page.get_by_role("status").inner_text()
    checked(page, "suspended")
    page.get_by_label("Reason (optional)").first.fill("Fees paid in full.")
    page.get_by_role("button", name="Reinstate the member").click()
    history = page.locator("#history").inner_text()
    assert "Stall fees unpaid since March." in history and "Fees paid in full." in history
    checked(page, "reinstated with history")
    paper_birds = member_id_in(page)
    changes = api(base, f"/members/members/{paper_birds}", coordinator)["history"]
    assert [(c["to_status"], c["reason"]) for c in changes[-2:]] == [
        ("suspended", "Stall fees unpaid since March."), ("active", "Fees paid in full.")]

    # A proposal: opened, and closed once its time is up.
    page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Proposals").click()
    page.get_by_role("heading", name="Proposals").wait_for()
    checked(page, "proposals")
    page.get_by_role("link", name="Put a new proposal to the members").click()
    checked(page, "new proposal")
    page.get_by_label("Title").fill("Buy a shared van")
    page.get_by_label("The resolution, in full").fill("Spend up to £4,000 on a second-hand van for deliveries.")
    closes = dt.datetime.now(UK) + dt.timedelta(seconds=6)
    page.get_by_label("Voting closes (UK time)").fill(closes.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Open the proposal for votes").click()
    assert "open for votes" in page.get_by_role("status").inner_text()
    assert page.locator("#proposal-status").inner_text() == "open"
    checked(page, "proposal opened")
    proposal = int(page.url.split("/proposals/")[1].split("?")[0])
    assert api(base, f"/members/proposals/{proposal}", coordinator)["title"] == "Buy a shared van"

    def close_offered() -> bool:
        page.reload()
        return page.get_by_role("button", name="Close and count the votes").count() == 1

    wait_for(close_offered, timeout=30, interval=1)
    page.get_by_role("button", name="Close and count the votes").click()
    assert "closed" in page.get_by_role("status").inner_text()
    assert page.locator("#proposal-status").inner_text() == "closed"
    checked(page, "proposal closed")
    assert api(base, f"/members/proposals/{proposal}", coordinator)["status"] == "closed"

    # The dead letters waiting: read-only, with the command to replay each.
    page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Dead letters").click()
    page.get_by_role("heading", name="Dead letters in members").wait_for()
    waiting = dead_letters_listed_by_the_command_line(site[2], "members")
    shown = page.locator("#dead-letter-count").inner_text()
    assert shown.startswith(f"{waiting} waiting") if waiting else "No dead letters are waiting" in shown
    assert page.get_by_role("button").filter(has_text="eplay").count() == 0
    checked(page, "dead letters")
    signed_out(page)


def tab_to(page, locator, limit: int = 80) -> None:
    """Press Tab until the element has the focus (the keyboard is all there is)."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("element => document.activeElement === element", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def test_by_keyboard_alone_at_a_desk_a_coordinator_suspends_and_reinstates_a_member(new_page):
    base, make = new_page
    page = make(DESK)
    signed_in_at_front_page(page, base, "coordinator@demo.coop")
    open_from_menu(page, base, "Members desk", "/members/coordination/applicants")
    page.get_by_role("heading", name="Applicants").wait_for()

    tab_to(page, page.get_by_role("navigation", name="Coordination").get_by_role("link", name="Members"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Members").wait_for()
    tab_to(page, page.get_by_role("link", name="Wagtails Dog Grooming"))
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Wagtails Dog Grooming").wait_for()
    checked(page, "keyboard member")

    tab_to(page, page.get_by_label("Reason (kept in the history)"))
    page.keyboard.type("Complaint being looked into.")
    page.keyboard.press("Tab")  # to the button of the same form
    assert page.evaluate("document.activeElement.textContent") == "Suspend the member"
    page.keyboard.press("Enter")
    page.get_by_role("status").wait_for()
    assert page.locator("#member-status").inner_text() == "suspended"

    tab_to(page, page.get_by_label("Reason (optional)").first)
    page.keyboard.type("Complaint resolved.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Reinstate the member"
    page.keyboard.press("Enter")
    page.get_by_text("Reinstated").wait_for()
    assert page.locator("#member-status").inner_text() == "active"
    assert "Complaint resolved." in page.locator("#history").inner_text()
    checked(page, "keyboard reinstated")
    wagtails = member_id_in(page)
    record = api(base, f"/members/members/{wagtails}", token(base, "coordinator@demo.coop"))
    assert record["status"] == "active" and record["history"][-1]["reason"] == "Complaint resolved."


def roles_in_token(base: str, email: str) -> list[str]:
    headers = token(base, email)
    return api(base, "/members/accounts/me", headers)["roles"]


def test_an_administrator_gives_and_takes_the_coordinator_role(new_page):
    base, make = new_page
    page = make()
    signed_in_at_front_page(page, base, "admin@demo.coop")
    open_from_menu(page, base, "Roles", "/members/admin/roles")
    page.get_by_role("heading", name="Give and take roles").wait_for()
    checked(page, "roles find")
    page.get_by_label("The account's email").fill("customer@demo.coop")
    page.get_by_role("button", name="Find the account").click()
    page.get_by_role("heading", name="Roles of Cass Customer").wait_for()
    checked(page, "roles of an account")

    page.get_by_label("Coordinator: runs the co-op's desks, members and proposals").check()
    page.get_by_role("button", name="Save the roles").click()
    assert "Roles saved" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Coordinator: runs the co-op's desks, members and proposals").is_checked()
    checked(page, "role given")
    assert "coordinator" in roles_in_token(base, "customer@demo.coop")

    page.get_by_label("Coordinator: runs the co-op's desks, members and proposals").uncheck()
    page.get_by_role("button", name="Save the roles").click()
    assert "Roles saved" in page.get_by_role("status").inner_text()
    assert roles_in_token(base, "customer@demo.coop") == ["customer"]
    signed_out(page)


def test_a_coordinator_is_refused_the_roles_pages(new_page):
    base, make = new_page
    page = make()
    signed_in_at_front_page(page, base, "coordinator@demo.coop")
    response = page.goto(base + "/members/admin/roles")
    assert response.status == 403
    page.get_by_role("alert").wait_for()
    checked(page, "roles refused to a coordinator")
