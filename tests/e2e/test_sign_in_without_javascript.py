"""Signing in, staying signed in and signing out in a real browser with JavaScript turned off."""

import pytest

from services.members.demo import DEMO_PASSWORD


@pytest.fixture
def no_script_page(back_office, browser):
    """A page of headless Chromium with JavaScript disabled, on a fresh `coop run`; and its base address."""
    _process, base = back_office()
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context, context.new_page(), base
    context.close()


def sign_in(page, base: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/marketplace/store/sign-in?next=/marketplace/store/orders")
    page.get_by_label("Email").fill("customer@demo.coop")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_signing_in_works_without_javascript_and_comes_back_to_next(no_script_page):
    _context, page, base = no_script_page
    sign_in(page, base)
    page.get_by_role("button", name="Sign out").wait_for()
    assert page.url == f"{base}/marketplace/store/orders"


def test_a_wrong_password_shows_the_form_again_with_the_email_kept(no_script_page):
    _context, page, base = no_script_page
    sign_in(page, base, password="not the demo password")
    page.get_by_text("That email and password do not match an account.").wait_for()
    assert page.get_by_label("Email").input_value() == "customer@demo.coop"


def test_a_page_whose_access_cookie_ran_out_renews_it_and_stays_signed_in(no_script_page):
    context, page, base = no_script_page
    sign_in(page, base)
    page.get_by_role("button", name="Sign out").wait_for()
    [access] = [cookie for cookie in context.cookies() if cookie["name"] == "coop_token"]
    context.add_cookies([{**access, "value": access["value"][:-8] + "AAAAAAAA"}])  # as good as expired
    page.goto(f"{base}/marketplace/store/orders")
    page.get_by_role("button", name="Sign out").wait_for()
    assert page.url == f"{base}/marketplace/store/orders"


def test_signing_out_ends_the_sign_in(no_script_page):
    context, page, base = no_script_page
    sign_in(page, base)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").first.wait_for()
    assert not [cookie for cookie in context.cookies() if cookie["name"] in ("coop_token", "coop_refresh")]
    page.goto(f"{base}/marketplace/store/orders")
    assert "/marketplace/store/sign-in" in page.url
