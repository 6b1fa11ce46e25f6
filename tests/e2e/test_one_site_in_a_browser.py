"""The one site, in a real headless browser (Debian's Chromium) against one `coop run` with the demo: the
front page at /, one header on every service's pages with each person's own menu, signing in and out
from any page's header and coming back to it, by mouse and by keyboard, at a phone's width."""


import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support.accessibility import serious_violations
from tests.support.site import DESK, PHONE, fits_the_window, screenshot, sign_in_from_header, sign_out_from_header

# A page of each service, as a signed-in coordinator sees it.
EVERY_SERVICE = ["/marketplace/store/search", "/contracts/desk/", "/members/impact/", "/brokering/jobs/desk",
                 "/notifications/inbox/notices"]


@pytest.fixture(scope="module")
def site(demo_run):
    return demo_run.base, demo_run.browser


@pytest.fixture
def new_page(site, open_page):
    return lambda viewport=PHONE: open_page(viewport, base_url=site[0])


def menu(page) -> list[str]:
    return page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_the_front_page_says_what_the_co_op_is_and_shows_the_newest_products(new_page, viewport):
    page = new_page(viewport)
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Made, sold and run by its members"
    page.get_by_role("heading", name="New in the market").wait_for()
    page.get_by_role("heading", name="How to join").wait_for()
    assert page.locator(".grid .card").count() >= 1
    assert fits_the_window(page)
    assert serious_violations(page) == []
    screenshot(page, "one-site", "front page")


def test_a_visitor_signs_in_from_a_store_page_header_and_comes_back_to_it(new_page):
    page = new_page()
    page.goto("/marketplace/store/search?q=card")
    sign_in_from_header(page, "customer@demo.coop", DEMO_PASSWORD)
    assert page.url.endswith("/marketplace/store/search?q=card")
    assert "My orders" in menu(page) and "Contracts desk" not in menu(page)


def test_the_sign_in_page_fits_a_phone_and_has_no_serious_accessibility_violation(new_page):
    page = new_page()
    page.goto("/")
    page.locator("#sign-in-link").click()
    page.get_by_label("Email").wait_for()
    assert fits_the_window(page) and serious_violations(page) == []
    screenshot(page, "one-site", "sign in")


def test_a_coordinator_sees_one_header_with_her_own_menu_on_every_service_s_pages(new_page):
    page = new_page()
    page.goto("/")
    sign_in_from_header(page, "coordinator@demo.coop", DEMO_PASSWORD)
    for path in EVERY_SERVICE:
        page.goto(path)
        assert page.locator(".brand").inner_text() == "Fresh Start Co-op", path
        assert {"Shop", "Contracts desk", "Impact report"} <= set(menu(page)), path
        assert fits_the_window(page), path
        assert serious_violations(page) == [], path


def test_signing_out_from_any_page_comes_back_to_it_signed_out(new_page):
    page = new_page()
    page.goto("/")
    sign_in_from_header(page, "customer@demo.coop", DEMO_PASSWORD)
    page.goto("/marketplace/store/search")
    sign_out_from_header(page)
    assert page.url.endswith("/marketplace/store/search")
    assert "My orders" not in menu(page)


def tab_to(page, element_id: str, presses: int = 30) -> None:
    """Press Tab until the element with this id has the focus (fail if it never does)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"Tab never reached #{element_id}")


def test_a_keyboard_alone_signs_in_from_the_front_page(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab_to(page, "sign-in-link")
    page.keyboard.press("Enter")
    page.get_by_label("Email").wait_for()
    tab_to(page, "email")
    page.keyboard.type("customer@demo.coop")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#sign-out").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Made, sold and run by its members"
