"""An employer's and a job seeker's whole job in a real browser (Debian's Chromium) against `coop run` and
its demo. From "/" the employer (employer@demo.coop) signs in from the header, opens Jobs, posts a vacancy
with restricted work, an exempt role and a DBS level (refused first without the exempt role, what she typed
kept), changes it, closes it, and sees her placements. Kez (threadbare@demo.coop, a member also looking
for work) sees no offer of the job she was placed in, changes her sectors and availability, applies, opens
her application from her page once the employer (through the API) confirms the offer, accepts it there,
and closes her profile. Each result is checked in the page and through the JSON API. At a phone's width;
then the employer posts a vacancy by keyboard only at a desk's width. Every page visited fits the window
and has no serious accessibility violation."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, PHONE, fits_the_window, screenshot, sign_in_from_header
from tests.support.waiting import wait_for

JOURNEY = "employer-and-seeker"
EMPLOYER, KEZ = "employer@demo.coop", "threadbare@demo.coop"
CLOSING = (dt.date.today() + dt.timedelta(days=30)).isoformat()
# Typed by keyboard into a date field, whose order (day or month first) is the browser's: a day like 3 March
# reads the same either way.
SAME_DAY_AND_MONTH = next(day for day in (dt.date.today() + dt.timedelta(days=n) for n in range(1, 400))
                          if day.day == day.month)


@pytest.fixture(scope="module")
def site(demo_run):
    """The demo run once Kez is placed in the demo's shop job."""
    wait_for(lambda: api(demo_run.base, EMPLOYER, "GET", "/brokering/employers/me/placements")[1], timeout=60)
    return demo_run.browser, demo_run.base


def api(base: str, email: str, method: str, path: str, body=None):
    status, issued = http.post_json(f"{base}/members/tokens", {"email": email, "password": DEMO_PASSWORD})
    assert status == 201, issued
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    if method == "GET":
        return http.get_json(f"{base}{path}", headers)
    return http.post_json(f"{base}{path}", body or {}, headers)


@pytest.fixture
def new_page(site, open_page):
    return site[1], lambda viewport: open_page(viewport, locale="en-GB")


def looked_at(page, step: str) -> None:
    """The page fits the window, has no serious accessibility violation, and is kept as a screenshot."""
    assert fits_the_window(page), f"{step}: the page scrolls sideways"
    assert serious_violations(page) == [], step
    screenshot(page, JOURNEY, step)


def heading(page, name: str) -> None:
    page.get_by_role("heading", level=1, name=name).wait_for()


def open_jobs(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Jobs", exact=True).click()


def vacancy_id_of(page) -> int:
    return int(page.url.split("/vacancies/")[1].split("?")[0].split("/")[0])


def test_an_employer_posts_changes_and_closes_a_vacancy_and_sees_her_placements(new_page):
    base, opened = new_page
    page = opened(PHONE)
    page.goto(base + "/")
    sign_in_from_header(page, EMPLOYER, DEMO_PASSWORD)
    open_jobs(page)
    heading(page, "Green Kitchen Ltd")
    assert page.locator("#placements").get_by_text("Kez").count() == 1  # the demo's placement
    looked_at(page, "employer page")

    page.get_by_label("Job title").fill("Nursery cook")
    page.get_by_label("Sector", exact=True).select_option("catering")
    page.get_by_label("Skills wanted").fill("cooking, food hygiene")
    page.get_by_label("Postcode district").fill("LS6")
    page.get_by_label("Hours a week").fill("20")
    page.get_by_label("Pay per hour (£)").fill("13.50")
    page.get_by_label("Contract").select_option("part_time")
    page.get_by_label("children", exact=True).check()
    page.get_by_label("DBS check").select_option("enhanced")
    page.get_by_label("Closing date").fill(CLOSING)
    page.get_by_role("button", name="Post the vacancy").click()  # not marked exempt: refused, form kept
    assert "Only a role exempt" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Job title").input_value() == "Nursery cook"
    assert page.get_by_label("children", exact=True).is_checked()
    looked_at(page, "vacancy refused")

    page.get_by_label("Exempt role").check()
    page.get_by_role("button", name="Post the vacancy").click()
    heading(page, "Nursery cook")
    expect(page.get_by_role("status")).to_have_text("Vacancy posted.")
    assert page.locator("#dbs").inner_text() == "enhanced" and page.locator("#involves").inner_text() == "children"
    looked_at(page, "vacancy posted")
    vacancy_id = vacancy_id_of(page)
    _status, posted = api(base, EMPLOYER, "GET", f"/brokering/vacancies/{vacancy_id}")
    assert (posted["involves"], posted["exempt"], posted["dbs_check"], posted["pay_pence_per_hour"]) == (
        ["children"], True, "enhanced", 1350)

    page.get_by_role("link", name="Change the vacancy").click()
    heading(page, "Change Nursery cook")
    assert page.get_by_label("Pay per hour (£)").input_value() == "13.50"
    looked_at(page, "vacancy change")
    page.get_by_label("Pay per hour (£)").fill("14.00")
    page.get_by_label("Hours a week").fill("16")
    page.get_by_role("button", name="Save the vacancy").click()
    expect(page.get_by_role("status")).to_have_text("Vacancy saved.")
    _status, changed = api(base, EMPLOYER, "GET", f"/brokering/vacancies/{vacancy_id}")
    assert (changed["pay_pence_per_hour"], changed["hours_per_week"], changed["dbs_check"]) == (1400, 16, "enhanced")

    page.get_by_role("button", name="Close the vacancy").click()
    expect(page.get_by_role("status")).to_have_text("Vacancy closed: nobody new can apply.")
    assert page.locator("#vacancy-status").inner_text() == "closed"
    looked_at(page, "vacancy closed")
    assert api(base, EMPLOYER, "GET", f"/brokering/vacancies/{vacancy_id}")[1]["status"] == "closed"

    page.get_by_role("link", name="My jobs page").click()
    heading(page, "Green Kitchen Ltd")
    closed = page.locator("#vacancies tr", has=page.get_by_role("link", name="Nursery cook", exact=True))
    assert closed.get_by_role("link", name="Change").count() == 0  # closed: no longer changed
    _status, placements = api(base, EMPLOYER, "GET", "/brokering/employers/me/placements")
    assert [p["person"] for p in placements] == ["Kez"]


def test_a_job_seeker_edits_her_profile_accepts_an_offer_from_her_page_and_closes_her_profile(new_page):
    base, opened = new_page
    page = opened(PHONE)
    page.goto(base + "/")
    sign_in_from_header(page, KEZ, DEMO_PASSWORD)
    open_jobs(page)
    heading(page, "My job search, Kez")
    # She was accepted for the demo's shop job: it is among her applications, and not offered to her again.
    assert page.locator("#applications").get_by_role("link", name="Shop floor assistant at Green Kitchen Ltd").count()
    assert page.get_by_role("button", name="Apply for Shop floor assistant").count() == 0
    looked_at(page, "seeker page")

    page.get_by_label("catering", exact=True).check()
    page.get_by_label("fashion", exact=True).uncheck()
    page.get_by_label("Available from").fill("2027-01-04")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    assert page.get_by_label("catering", exact=True).is_checked()
    _status, profile = api(base, KEZ, "GET", "/brokering/job-seekers/me")
    assert (profile["sectors"], profile["available_from"]) == (["catering", "retail"], "2027-01-04")

    page.get_by_role("button", name="Apply for Kitchen assistant").click()
    assert page.get_by_role("status").inner_text().startswith("You applied")
    _status, mine = api(base, KEZ, "GET", "/brokering/applications")
    applied = next(a for a in mine if a["vacancy_title"] == "Kitchen assistant")
    for step in ("interview", "conditional-offer", "offer-confirmed"):  # the employer's part, through the API
        status, moved = api(base, EMPLOYER, "POST", f"/brokering/applications/{applied['id']}/{step}")
        assert status == 200, moved

    page.reload()
    page.get_by_role("link", name="Kitchen assistant at Green Kitchen Ltd").click()
    heading(page, "Kitchen assistant at Green Kitchen Ltd")
    assert page.locator("#stage").inner_text() == "offer confirmed"
    looked_at(page, "offer to answer")
    page.get_by_label("The day I start").fill("2027-01-11")
    page.get_by_role("button", name="Accept the offer").click()
    assert page.get_by_role("status").inner_text().startswith("You accepted the offer")
    assert page.locator("#stage").inner_text() == "accepted"
    looked_at(page, "offer accepted")
    assert api(base, KEZ, "GET", f"/brokering/applications/{applied['id']}")[1]["stage"] == "accepted"
    _status, placements = api(base, EMPLOYER, "GET", "/brokering/employers/me/placements")
    assert ("Kez", "Kitchen assistant", "2027-01-11") in [(p["person"], p["title"], p["start_on"]) for p in placements]

    page.get_by_role("link", name="Back to my job search").click()
    heading(page, "My job search, Kez")
    assert page.get_by_role("button", name="Apply for Kitchen assistant").count() == 0
    page.get_by_role("button", name="Close my profile").click()
    assert page.get_by_role("status").inner_text().startswith("Your profile is closed")
    assert page.locator("#closed-notice").count() == 1
    looked_at(page, "profile closed")
    assert api(base, KEZ, "GET", "/brokering/job-seekers/me")[1]["status"] == "closed"
    assert api(base, KEZ, "GET", "/brokering/job-seekers/me/disclosure")[1] == {}


def tab_to(page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element with focus matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_an_employer_posts_a_vacancy_by_keyboard_only(new_page):
    base, opened = new_page
    page = opened(DESK)
    page.goto(base + "/")
    tab_to(page, "#sign-in-link")
    page.keyboard.press("Enter")
    page.get_by_label("Password").wait_for()
    tab_to(page, "input[type=email], input[name=email]")
    page.keyboard.type(EMPLOYER)
    tab_to(page, "input[type=password]")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    tab_to(page, "nav[aria-label=Main] a[href='/brokering/jobs/']")
    page.keyboard.press("Enter")
    heading(page, "Green Kitchen Ltd")
    looked_at(page, "keyboard employer page")

    for selector, typed in (("#title", "Youth club cook"), ("#skills", "cooking"), ("#location", "LS7"),
                            ("#hours_per_week", "12"), ("#pay", "13.00"),
                            ("#closing_on", SAME_DAY_AND_MONTH.strftime("%d%m%Y"))):
        tab_to(page, selector)
        page.keyboard.type(typed)
    tab_to(page, "#involves_children")
    page.keyboard.press("Space")
    tab_to(page, "#exempt")
    page.keyboard.press("Space")
    tab_to(page, "#dbs_check")
    page.keyboard.press("End")  # the last choice: enhanced
    tab_to(page, "form[action$='/employer/vacancies'] button[type=submit]")
    page.keyboard.press("Enter")
    heading(page, "Youth club cook")
    expect(page.get_by_role("status")).to_have_text("Vacancy posted.")
    looked_at(page, "keyboard vacancy posted")
    _status, posted = api(base, EMPLOYER, "GET", f"/brokering/vacancies/{vacancy_id_of(page)}")
    assert (posted["involves"], posted["exempt"], posted["dbs_check"], posted["closing_on"]) == (
        ["children"], True, "enhanced", SAME_DAY_AND_MONTH.isoformat())
