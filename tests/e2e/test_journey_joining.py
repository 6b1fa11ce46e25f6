"""Anyone and a person joining, in a real browser against `coop run` with its demo data: a visitor signs up
as a customer, verifies her address from the email's link, signs in, changes her name and her password;
the demo customer applies as a producer member and sees her application waiting; the demo applicant
(bloom@demo.coop) sees hers; an employer applies as a support agency by keyboard alone. At a phone's width
(and the applicant at a desk's), nothing scrolls sideways and axe-core finds nothing serious on any page."""

from __future__ import annotations

import email
import email.policy
import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from services.members.demo import DEMO_PASSWORD
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, fits_the_window, screenshot, sign_in_from_header, sign_out_from_header
from tests.support.waiting import wait_for

JOURNEY = "joining"
NEW_PASSWORD = "seven blue herons at dawn"


@pytest.fixture(scope="module")
def site(demo_run):
    """The demo run: its address, its mail folder and the browser."""
    return demo_run.base, demo_run.data_dir / "mail", demo_run.browser


@pytest.fixture
def new_page(open_page):
    return open_page


def looks_right(page, step: str, picture: bool = True) -> None:
    """The page open now fits the window, has no serious accessibility violation, and (key pages) is pictured."""
    assert fits_the_window(page), f"{step}: the page scrolls sideways"
    assert serious_violations(page) == [], step
    if picture:
        screenshot(page, JOURNEY, step)


def emailed_path(mail_folder, address: str, subject: str, pattern: str) -> str:
    """The path and query of the link matching pattern in the email to this address (written to <data>/mail)."""
    def found():
        for eml in mail_folder.glob("*.eml"):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == address and message["Subject"] == subject:
                parts = urlsplit(re.search(pattern, message.get_body(("plain",)).get_content()).group(0))
                return f"{parts.path}?{parts.query}"
        return None
    return wait_for(found, timeout=60)


def api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    """Call the members JSON API: (status, answer)."""
    request = urllib.request.Request(f"{base}/members{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, None


def token_for(base: str, email_address: str, password: str) -> str | None:
    status, answer = api(base, "POST", "/tokens", {"email": email_address, "password": password})
    return answer["access_token"] if status == 201 else None


def test_a_visitor_signs_up_verifies_signs_in_and_changes_her_name_and_password(site, new_page):
    base, mail, _browser = site
    page = new_page()
    page.goto(base + "/")
    assert fits_the_window(page)  # the front page is the site's; its own tests check the rest
    page.goto(base + "/members/join/")  # "How to join" (the front page's link to it is the site's)
    looks_right(page, "how to join")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_role("heading", name="Create an account").wait_for()
    looks_right(page, "sign up")
    assert page.get_by_label("A customer").is_checked()
    page.get_by_label("Your name, or your organisation's").fill("Nell Newcomer")
    page.get_by_label("Email").fill("nell@example.org")
    page.get_by_label("Password").fill("short")
    page.get_by_label("Password").evaluate("field => field.removeAttribute('minlength')")  # the server says why
    page.get_by_role("button", name="Create my account").click()
    assert "at least 15 characters" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Email").input_value() == "nell@example.org"  # what she typed is kept
    looks_right(page, "sign up refused", picture=False)
    page.get_by_label("Password").fill("a kettle of seven curlews")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    looks_right(page, "check your email")
    assert token_for(base, "nell@example.org", "a kettle of seven curlews")  # the account is there

    page.goto(base + emailed_path(mail, "nell@example.org", "Confirm your email address",
                                  r"https?://\S+/members/account/verify-email\?token=\S+"))
    looks_right(page, "verify", picture=False)
    page.get_by_role("button", name="Yes, this is my email address").click()
    page.get_by_role("heading", name="Email address verified").wait_for()
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("nell@example.org")
    page.get_by_label("Password").fill("a kettle of seven curlews")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your account").wait_for()
    assert "(verified)" in page.get_by_role("main").inner_text()
    looks_right(page, "your account")

    page.get_by_label("The name the co-op calls you by").fill("Nell Bird")
    page.get_by_role("button", name="Save my name").click()
    expect(page.get_by_role("status")).to_have_text("Your name is saved.")
    status, me = api(base, "GET", "/accounts/me", token=token_for(base, "nell@example.org",
                                                                   "a kettle of seven curlews"))
    assert status == 200 and me["display_name"] == "Nell Bird" and me["roles"] == ["customer"]

    page.get_by_role("link", name="Change your password").click()
    page.get_by_role("heading", name="Change your password").wait_for()
    looks_right(page, "change password")
    page.get_by_label("Your current password").fill("a kettle of seven curlews")
    page.get_by_label("New password (at least 15 characters)").fill(NEW_PASSWORD)
    page.get_by_label("The new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    assert "Your new password is set" in page.get_by_role("status").inner_text()
    assert token_for(base, "nell@example.org", NEW_PASSWORD) and not token_for(base, "nell@example.org",
                                                                               "a kettle of seven curlews")
    page.goto(base + "/")  # (signing out of a page that needs a sign-in lands on its sign-in form)
    sign_out_from_header(page)
    sign_in_from_header(page, "nell@example.org", NEW_PASSWORD)


def test_a_customer_applies_as_a_producer_member_and_sees_her_application_waiting(site, new_page):
    base, _mail, _browser = site
    page = new_page()
    page.goto(base + "/")
    sign_in_from_header(page, "customer@demo.coop", DEMO_PASSWORD)
    page.goto(base + "/members/join/")
    page.get_by_role("link", name="Apply as a producer member").click()
    page.get_by_role("heading", name="Apply to join the co-op").wait_for()
    looks_right(page, "apply")
    assert page.get_by_label("A producer member").is_checked()
    page.get_by_label("The name of your business or organisation").fill("Cass's Candles")
    page.get_by_label("Crafts").check()
    page.get_by_label("About it, for the other members to read").fill("Hand-poured soy candles.")
    page.get_by_label("How you came to the co-op").fill("A friend told me.")
    page.get_by_role("button", name="Send my application").click()
    page.get_by_role("heading", name="My application").wait_for()
    assert "your application is sent" in page.get_by_role("status").inner_text()
    main = page.get_by_role("main").inner_text()
    assert "Waiting for a coordinator to look at it" in main and "Cass's Candles" in main
    looks_right(page, "my application")
    status, mine = api(base, "GET", "/members/me", token=token_for(base, "customer@demo.coop", DEMO_PASSWORD))
    assert status == 200 and (mine["status"], mine["kind"], mine["sectors"]) == ("applicant", "producer", ["crafts"])


def test_the_demo_applicant_sees_where_her_application_stands_at_a_desk(site, new_page):
    base, _mail, _browser = site
    page = new_page(DESK)
    page.goto(base + "/")
    sign_in_from_header(page, "bloom@demo.coop", DEMO_PASSWORD)
    page.goto(base + "/members/join/")
    page.get_by_role("link", name="See where your application stands").click()
    page.get_by_role("heading", name="My application").wait_for()
    main = page.get_by_role("main").inner_text()
    assert "Bloom & Bake" in main and "Waiting for a coordinator to look at it" in main
    assert "Referred by Open Path Women's Centre." in main
    assert page.locator("#history tbody tr").count() == 1
    looks_right(page, "demo applicant")


def focused(page) -> str:
    return page.evaluate("document.activeElement ? (document.activeElement.id || "
                         "document.activeElement.textContent.trim()) : ''")


def tab_to(page, wanted: str, most: int = 60) -> None:
    """Press Tab until the element with this id (or these words) has the focus."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if focused(page) == wanted:
            return
    raise AssertionError(f"Tab never reached {wanted!r} (last: {focused(page)!r})")


def test_an_employer_applies_as_a_support_agency_by_keyboard_alone(site, new_page):
    base, _mail, _browser = site
    page = new_page()
    page.goto(base + "/members/join/")
    tab_to(page, "sign-in-link")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Sign in").wait_for()
    tab_to(page, "email")
    page.keyboard.type("employer@demo.coop")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    page.get_by_role("link", name="Apply as a support agency").wait_for()
    tab_to(page, "Apply as a support agency")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Apply to join the co-op").wait_for()
    assert page.get_by_label("A support agency").is_checked()
    tab_to(page, "name")
    page.keyboard.type("Green Kitchen Training")
    tab_to(page, "description")
    page.keyboard.type("Kitchen training for women leaving prison.")
    page.keyboard.press("Tab")
    page.keyboard.type("We met at a jobs fair.")
    tab_to(page, "Send my application")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="My application").wait_for()
    assert "Support agency" in page.get_by_role("main").inner_text()
    looks_right(page, "agency applied by keyboard")
    status, mine = api(base, "GET", "/members/me", token=token_for(base, "employer@demo.coop", DEMO_PASSWORD))
    assert status == 200 and (mine["kind"], mine["name"], mine["status"]) == ("agency", "Green Kitchen Training",
                                                                             "applicant")
