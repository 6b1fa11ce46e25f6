"""Notices and a forgotten password in a real headless browser (Debian's Chromium), against `coop run`,
at a phone's width: the header's unread count, the notices page, and "Forgot your password?" from the
sign-in page through the emailed link (a .eml file, as `coop run` has no mail server)."""

import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support.browser import sign_in
from tests.support.waiting import wait_for

NEW_PASSWORD = "a kiln for the whole co-op 42"


@pytest.fixture
def phone(back_office, browser, tmp_path):
    """A phone-sized page on a fresh `coop run`; the page, the site's address and its mail folder."""
    _process, base = back_office()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.set_default_timeout(15_000)
    yield context.new_page(), base, tmp_path / "data" / "mail"
    context.close()


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_seller_sees_her_unread_count_in_the_header_and_reads_her_notices(phone):
    page, base, _mail = phone
    store = f"{base}/marketplace/store"
    sign_in(page, store, "paperbirds@demo.coop")
    # The demo's paid order for her cards and its open proposals reach her through the events, in no set order.
    def all_arrived():
        page.goto(f"{base}/notifications/inbox/notices")
        return (page.get_by_role("heading", name=re.compile("A new order for you")).count() == 1
                and page.get_by_role("heading", name=re.compile("A new proposal to vote on")).count() >= 1)
    wait_for(all_arrived, timeout=120)
    page.goto(store)
    page.get_by_role("link", name=re.compile(r"^Notices, \d+ unread")).wait_for()
    before = int(re.search(r"\((\d+)\)", page.locator("a.coop-notices").inner_text()).group(1))

    page.locator("a.coop-notices").click()
    page.get_by_role("heading", name="Your notices").wait_for()
    assert page.get_by_role("heading", name=re.compile("A new order for you")).count() == 1
    assert page.get_by_role("heading", name=re.compile("A new proposal to vote on")).count() >= 1  # the demo opens two
    assert no_sideways_scrolling(page)
    page.get_by_role("button", name="Mark read").first.click()
    page.get_by_role("heading", name="Your notices").wait_for()
    page.wait_for_function(f"document.querySelector('a.coop-notices').innerText.includes('({before - 1})')")


def reset_link_in(mail_folder, address: str) -> str:
    """The path of the password-reset link in the newest email to this address."""
    def found():
        for eml in sorted(mail_folder.glob("*.eml"), key=lambda path: path.stat().st_mtime, reverse=True):
            message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
            if message["To"] == address and "password" in message["Subject"].lower():
                text = message.get_body(("plain",)).get_content()
                url = re.search(r"https?://\S+reset-password\S+", text).group(0)
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
        return None
    return wait_for(found, timeout=60)


def test_she_resets_a_forgotten_password_from_the_sign_in_page_and_signs_in_with_the_new_one(phone):
    page, base, mail_folder = phone
    store = f"{base}/marketplace/store"
    page.goto(f"{store}/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("wagtails@demo.coop")
    page.get_by_role("button", name=re.compile("link", re.IGNORECASE)).click()
    page.get_by_text(re.compile("If an account exists")).wait_for()
    assert no_sideways_scrolling(page)

    page.goto(base + reset_link_in(mail_folder, "wagtails@demo.coop"))
    page.get_by_label(re.compile("^New password")).fill(NEW_PASSWORD)
    page.get_by_label(re.compile("again", re.IGNORECASE)).fill(NEW_PASSWORD)
    page.get_by_role("button", name=re.compile("password", re.IGNORECASE)).click()
    page.get_by_role("heading", name="Your new password is set").wait_for()

    page.goto(f"{store}/sign-in")
    page.get_by_label("Email").fill("wagtails@demo.coop")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()  # the old password no longer works
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
