"""The coordinator's job brokering in a real browser (Debian's Chromium) against `coop run` and its demo:
from "/" she signs in from the header, opens the jobs desk, refers a person, puts Kez (threadbare@demo.coop)
forward for a job (Kez agrees), reads Kez's disclosure giving a purpose (refused without one), records a
check-in "not in work", ends the placement, and sees the outcomes of a period; each result checked in the
page and through the JSON API. At a phone's width, then by keyboard only at a desk's width; every page
fits the window and has no serious accessibility violation."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, PHONE, fits_the_window, screenshot, sign_in_from_header
from tests.support.waiting import wait_for

JOURNEY = "brokering-desk"
COORDINATOR, KEZ, EMPLOYER = "coordinator@demo.coop", "threadbare@demo.coop", "employer@demo.coop"
STATEMENT = "I am on licence and doing well"


@pytest.fixture(scope="module")
def site(demo_run):
    """The demo run once the demo placement is made."""
    wait_for(lambda: demo_placed(demo_run.base), timeout=120, interval=0.5)
    return demo_run.browser, demo_run.base


_TOKENS: dict[tuple[str, str], tuple[float, dict]] = {}


def token(base: str, email: str) -> dict:
    """An API sign-in for a demo login, kept for a minute (an access token lives a few)."""
    kept = _TOKENS.get((base, email))
    if kept is None or time.monotonic() - kept[0] > 60:
        status, issued = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
        assert status == 201, issued
        kept = _TOKENS[(base, email)] = (time.monotonic(), {"Authorization": f"Bearer {issued['access_token']}"})
    return kept[1]


def demo_placed(base: str) -> bool:
    """Whether the demo's placement is made (the demo waits for its job seeker, who comes as an event)."""
    status, placed = api(base, COORDINATOR, "GET", "/brokering/placements")
    return status == 200 and bool(placed)


def api(base: str, email: str, method: str, path: str, body=None):
    headers = token(base, email)
    if method == "GET":
        return http.get_json(f"{base}{path}", headers)
    return http.post_json(f"{base}{path}", body or {}, headers)


@pytest.fixture
def new_page(site, open_page):
    return site[1], open_page


def looked_at(page, step: str) -> None:
    """The page fits the window, has no serious accessibility violation, and is kept as a screenshot."""
    assert fits_the_window(page), f"{step}: the page scrolls sideways"
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def heading(page, name: str) -> None:
    page.get_by_role("heading", level=1, name=name).wait_for()


def kez_id(base: str) -> int:
    _status, people = api(base, COORDINATOR, "GET", "/brokering/job-seekers?page_size=100")
    return next(p["id"] for p in people if p["display_name"] == "Kez")


def her_readings(base: str) -> list[dict]:
    return api(base, KEZ, "GET", "/brokering/job-seekers/me/disclosure-access")[1]


def test_a_coordinator_does_her_brokering_on_a_phone(new_page):
    base, opened = new_page
    page = opened(PHONE)
    page.goto(base + "/")
    looked_at(page, "front page")
    sign_in_from_header(page, COORDINATOR, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs desk").click()
    heading(page, "Brokering desk")
    looked_at(page, "desk")

    # Refer a person.
    page.get_by_role("navigation", name="Brokering desk").get_by_role("link", name="People").click()
    heading(page, "People looking for work")
    looked_at(page, "people")
    page.get_by_label("Name").fill("Ann Referred")
    page.get_by_label("Skills").fill("cleaning, retail")
    page.get_by_label("retail").check()
    page.get_by_label("Most hours a week").fill("16")
    page.get_by_label("Postcode district").fill("LS7")
    page.get_by_role("button", name="Refer this person").click()
    heading(page, "Ann Referred")
    expect(page.get_by_role("status")).to_have_text("Referred: her profile is open.")
    looked_at(page, "referred")
    _status, people = api(base, COORDINATOR, "GET", "/brokering/job-seekers?page_size=100")
    [ann] = [p for p in people if p["display_name"] == "Ann Referred"]
    assert (ann["skills"], ann["sectors"], ann["hours_per_week"]) == (["cleaning", "retail"], ["retail"], 16)

    # Put Kez forward for the kitchen job; she agrees (on her side, through the API).
    page.get_by_role("navigation", name="Brokering desk").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Kez", exact=True).click()
    heading(page, "Kez")
    assert page.get_by_role("button", name="Put Kez forward for Breakfast club helper").count() == 0  # licence
    page.get_by_role("button", name="Put Kez forward for Kitchen assistant").click()
    page.get_by_role("status").wait_for()
    assert "waiting for her agreement" in page.locator("#applications + table").inner_text()
    _status, hers = api(base, KEZ, "GET", "/brokering/applications")
    [kitchen] = [a for a in hers if a["vacancy_title"] == "Kitchen assistant"]
    assert kitchen["agreed"] is False and kitchen["stage"] == "put_forward"
    assert api(base, KEZ, "POST", f"/brokering/applications/{kitchen['id']}/agreement")[0] == 200
    page.reload()
    assert "agreed" in page.locator(f"#application-{kitchen['id']}").inner_text()
    looked_at(page, "put forward")

    # Reading her disclosure: refused without a purpose, and nothing logged.
    readings = len(her_readings(base))
    page.get_by_role("button", name="Read her disclosure").click()
    assert "Say why" in page.get_by_role("alert").inner_text()
    assert page.get_by_text(STATEMENT).count() == 0 and len(her_readings(base)) == readings
    looked_at(page, "disclosure refused")
    page.get_by_label("Why you are reading it").fill("Checking her licence condition before an interview")
    page.get_by_role("button", name="Read her disclosure").click()
    heading(page, "Kez's disclosure")
    assert page.get_by_text(STATEMENT).count() == 1
    looked_at(page, "disclosure")
    latest = her_readings(base)[0]
    assert len(her_readings(base)) == readings + 1
    assert (latest["role"], latest["purpose"]) == ("coordinator", "Checking her licence condition before an interview")

    # What the demo lacks: the kitchen job offered and accepted, starting 7 weeks ago, so its 6-week check-in is due.
    for stage in ("interview", "conditional-offer", "offer-confirmed"):
        assert api(base, EMPLOYER, "POST", f"/brokering/applications/{kitchen['id']}/{stage}")[0] == 200
    started = dt.date.today() - dt.timedelta(weeks=7)
    assert api(base, KEZ, "POST", f"/brokering/applications/{kitchen['id']}/accepted",
               {"start_on": started.isoformat()})[0] == 200
    _status, placed = api(base, COORDINATOR, "GET", "/brokering/placements")
    [placement] = [p for p in placed if p["application_id"] == kitchen["id"]]

    # A check-in "not in work", then ending the placement.
    page.get_by_role("navigation", name="Brokering desk").get_by_role("link", name="Desk").click()
    heading(page, "Brokering desk")
    page.get_by_role("link", name=f"Placement {placement['id']}", exact=True).click()
    heading(page, f"Placement {placement['id']}")
    looked_at(page, "placement")
    six_weeks = page.get_by_role("group", name="At 6 weeks: is she still in work?")
    six_weeks.get_by_label("Not in work").check()
    page.get_by_label("Note (optional)").fill("Left after a month; looking again.")
    page.get_by_role("button", name="Record the 6 weeks check-in").click()
    expect(page.get_by_role("status")).to_have_text("Check-in recorded.")
    assert "not in work" in page.locator("#row-6w").inner_text()
    page.get_by_label("Why it ended").select_option(label="Moved on to other work")
    page.get_by_role("button", name="End this placement").click()
    expect(page.get_by_role("status")).to_have_text("Placement ended.")
    assert page.locator("#placement-status").inner_text().startswith("ended")
    looked_at(page, "placement ended")
    _status, placed = api(base, COORDINATOR, "GET", "/brokering/placements")
    [now] = [p for p in placed if p["id"] == placement["id"]]
    assert now["status"] == "ended" and now["end_reason"] == "moved_on"
    assert next(c for c in now["check_ins"] if c["milestone"] == "6w")["in_work"] is False

    # Outcomes for a period: the page says what the API says.
    page.get_by_role("navigation", name="Brokering desk").get_by_role("link", name="Outcomes").click()
    heading(page, "Outcomes for a period")
    start = started - dt.timedelta(weeks=8)
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To").fill(dt.date.today().isoformat())
    page.get_by_role("button", name="Show the outcomes").click()
    page.locator("#totals").wait_for()
    looked_at(page, "outcomes")
    _status, report = api(base, COORDINATOR, "GET",
                          f"/brokering/outcomes?start={start.isoformat()}&end={dt.date.today().isoformat()}")
    totals = page.locator("#totals td")
    assert [int(totals.nth(i).inner_text()) for i in range(5)] == [
        report["totals"][name] for name in ("job_starts", "in_work_6_weeks", "sustained_13_weeks",
                                            "sustained_26_weeks", "in_work_6_months")]
    assert report["totals"]["job_starts"] >= 2  # the demo placement and this one
    assert page.get_by_text("Kez").count() == 0  # no personal data


def press_tab_until(page, name: str, limit: int = 120) -> None:
    """Press Tab until the element with focus is the link, button or field called ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement; if (!e) return "";
            const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
            return (label || e.textContent || e.value || "").trim(); }""")
        if focused == name:
            return
    pytest.fail(f"Tab never reached {name!r}")


def test_a_coordinator_refers_a_person_and_reads_a_disclosure_by_keyboard_only(new_page):
    base, opened = new_page
    page = opened(DESK)
    page.goto(base + "/")
    press_tab_until(page, "Sign in")
    page.keyboard.press("Enter")
    heading(page, "Sign in")
    press_tab_until(page, "Email")
    page.keyboard.type(COORDINATOR)
    press_tab_until(page, "Password")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()

    press_tab_until(page, "Jobs")
    page.keyboard.press("Enter")
    heading(page, "Brokering desk")
    looked_at(page, "keyboard desk")
    press_tab_until(page, "People and referrals")
    page.keyboard.press("Enter")
    heading(page, "People looking for work")
    press_tab_until(page, "Name")
    page.keyboard.type("Bo Keyboard")
    press_tab_until(page, "Skills")
    page.keyboard.type("gardening")
    press_tab_until(page, "Refer this person")
    page.keyboard.press("Enter")
    heading(page, "Bo Keyboard")
    expect(page.get_by_role("status")).to_have_text("Referred: her profile is open.")
    _status, people = api(base, COORDINATOR, "GET", "/brokering/job-seekers?page_size=100")
    assert [p["skills"] for p in people if p["display_name"] == "Bo Keyboard"] == [["gardening"]]

    press_tab_until(page, "People")
    page.keyboard.press("Enter")
    heading(page, "People looking for work")
    press_tab_until(page, "Kez")
    page.keyboard.press("Enter")
    heading(page, "Kez")
    readings = len(her_readings(base))
    press_tab_until(page, "Why you are reading it")
    page.keyboard.type("Her probation officer asked us to confirm")
    press_tab_until(page, "Read her disclosure")
    page.keyboard.press("Enter")
    heading(page, "Kez's disclosure")
    assert page.get_by_text(STATEMENT).count() == 1
    looked_at(page, "keyboard disclosure")
    assert len(her_readings(base)) == readings + 1
    assert her_readings(base)[0]["purpose"] == "Her probation officer asked us to confirm"
    assert kez_id(base) > 0
