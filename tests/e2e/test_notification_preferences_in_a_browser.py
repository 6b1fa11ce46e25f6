"""Choosing what the co-op emails her, and one-click unsubscribe from an email, in a real headless browser
(Debian's Chromium) against `coop run`, at a phone's width; and axe-core finds no serious or critical
accessibility violation on those pages or on the account pages (sign in, forgotten password, reset)."""

import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from services.members.demo import DEMO_PASSWORD
from tests.support.accessibility import serious_violations
from tests.support.browser import sign_in
from tests.support.site import sign_in_from_header
from tests.support.waiting import wait_for

PHONE = {"width": 390, "height": 844}
FRONT_PAGE = "/"
STORE = "/marketplace/store"


@pytest.fixture
def site(back_office, browser, tmp_path):
    """A fresh `coop run`: its address, its mail folder, and a maker of phone-sized pages (each its own context)."""
    _process, base = back_office()
    contexts = []

    def new_page():
        context = browser.new_context(viewport=PHONE)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield base, tmp_path / "data" / "mail", new_page
    for context in contexts:
        context.close()


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def emailed_link(mail_folder, address: str, subject: str, pattern: str) -> str:
    """The path (and query) of the first link matching pattern in the text of the email to this address."""
    def found():
        for eml in mail_folder.glob("*.eml"):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == address and message["Subject"] == subject:
                parts = urlsplit(re.search(pattern, message.get_body(("plain",)).get_content()).group(0))
                return f"{parts.path}?{parts.query}" if parts.query else parts.path
        return None
    return wait_for(found, timeout=60)


def unsubscribe_link(mail_folder, address: str, subject: str) -> str:
    """The path of the one-click link in the email's List-Unsubscribe header (RFC 8058)."""
    def found():
        for eml in mail_folder.glob("*.eml"):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == address and message["Subject"] == subject and message["List-Unsubscribe"]:
                assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
                return urlsplit(re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"]).group(1)).path
        return None
    return wait_for(found, timeout=60)


def kind(page, label: str):
    """The radio buttons of one kind on the preferences page, by the kind's name (the fieldset's legend)."""
    return page.get_by_role("group", name=label)


def test_a_member_chooses_site_only_and_the_weekly_digest_from_her_notices_and_her_choices_are_kept(site):
    base, _mail, new_page = site
    page = new_page()
    page.goto(base + FRONT_PAGE)
    sign_in_from_header(page, "paperbirds@demo.coop", DEMO_PASSWORD)
    page.locator("a.coop-notices").click()
    page.get_by_role("heading", name="Your notices").wait_for()

    page.get_by_role("link", name="Choose what the co-op emails you").click()
    page.get_by_role("heading", name="What the co-op emails you").wait_for()
    kind(page, "A new order for your shop").get_by_label("On the site only").check()
    kind(page, "A vote is decided").get_by_label("In a weekly digest email").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    page.reload()
    assert kind(page, "A new order for your shop").get_by_label("On the site only").is_checked()
    assert kind(page, "A vote is decided").get_by_label("In a weekly digest email").is_checked()
    assert kind(page, "A vote is open").get_by_label("By email").is_checked()  # the others stay as they were


def test_her_notices_and_preferences_pages_fit_a_phone_and_have_no_serious_accessibility_violation(site):
    base, _mail, new_page = site
    page = new_page()
    sign_in(page, base + STORE, "paperbirds@demo.coop")
    found = {}
    page.locator("a.coop-notices").click()
    page.get_by_role("heading", name="Your notices").wait_for()
    found["notices"] = serious_violations(page)
    assert no_sideways_scrolling(page)
    page.get_by_role("link", name="Choose what the co-op emails you").click()
    page.get_by_role("heading", name="What the co-op emails you").wait_for()
    found["preferences"] = serious_violations(page)
    assert no_sideways_scrolling(page)
    assert found == {"notices": [], "preferences": []}


def test_one_click_in_an_email_stops_that_kind_of_email_without_signing_in(site):
    base, mail_folder, new_page = site
    link = unsubscribe_link(mail_folder, "paperbirds@demo.coop", "A new order for you")  # the demo's paid order
    from_the_email = new_page()  # not signed in
    from_the_email.goto(base + link)
    from_the_email.get_by_role("heading", name="Stop these emails?").wait_for()
    from_the_email.get_by_role("button", name="Stop these emails").click()
    from_the_email.get_by_role("heading", name="You will not be emailed about this again").wait_for()
    assert "Emails about a new order for your shop are stopped" in from_the_email.get_by_role("status").inner_text()

    signed_in = new_page()
    sign_in(signed_in, f"{base}/notifications/inbox", "paperbirds@demo.coop")
    signed_in.goto(f"{base}/notifications/inbox/preferences")
    assert kind(signed_in, "A new order for your shop").get_by_label("On the site only").is_checked()


def test_the_unsubscribe_page_has_no_serious_accessibility_violation(site):
    base, mail_folder, new_page = site
    page = new_page()
    page.goto(base + unsubscribe_link(mail_folder, "paperbirds@demo.coop", "A new order for you"))
    found = {"asking": serious_violations(page)}
    assert no_sideways_scrolling(page)
    page.get_by_role("button", name="Stop these emails").click()
    page.get_by_role("heading", name="You will not be emailed about this again").wait_for()
    found["done"] = serious_violations(page)
    assert found == {"asking": [], "done": []}


def test_the_sign_in_forgot_password_and_reset_password_pages_have_no_serious_accessibility_violation(site):
    base, mail_folder, new_page = site
    page = new_page()
    found = {}
    page.goto(f"{base}/members/impact/sign-in")
    found["sign in"] = serious_violations(page)
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("heading", name="Forgot your password?").wait_for()
    found["forgot password"] = serious_violations(page)
    page.get_by_label("Email").fill("silverlining@demo.coop")
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    found["link sent"] = serious_violations(page)

    page.goto(base + emailed_link(mail_folder, "silverlining@demo.coop", "Resetting your password",
                                  r"https?://\S+reset-password\S+"))
    page.get_by_role("heading", name="Set a new password").wait_for()
    found["reset password"] = serious_violations(page)
    assert found == {"sign in": [], "forgot password": [], "link sent": [], "reset password": []}
