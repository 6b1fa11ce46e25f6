"""The pages keep to their Content-Security-Policy in a real browser: nothing on them is refused.

Headless Chromium opens the main pages of every service of `coop run` (the demo data), signed out and
signed in, and records every violation the browser reports (the page's securitypolicyviolation events
and Chromium's console). A page that used inline script or style, or loaded something from another site,
would be refused there, and fail here.
"""

import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support.browser import ViolationLog, chromium, coop_run

SIGNED_OUT = ["/marketplace/store/", "/marketplace/store/search?q=card", "/marketplace/store/sign-in",
              "/brokering/jobs/calculator", "/members/docs", "/marketplace/docs"]
CUSTOMER = ["/marketplace/store/", "/marketplace/store/cart", "/marketplace/store/orders"]
COORDINATOR = ["/members/impact/", "/contracts/desk/", "/contracts/desk/buyers", "/brokering/jobs/desk"]


@pytest.fixture(scope="module")
def site(backend, tmp_path_factory):
    if backend.is_real:
        pytest.skip("`coop run` is the embedded default; the headers on the real backend are tested without a browser")
    with coop_run(tmp_path_factory.mktemp("csp") / "data") as base, chromium() as browser:
        yield base, browser


def visit(site, paths, email=None) -> dict[str, list[str]]:
    """Open each path (signed in as email, if given); return what the browser refused on each."""
    base, browser = site
    context = browser.new_context()
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log = ViolationLog(page)
        if email:
            page.goto(f"{base}/marketplace/store/sign-in")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("button", name="Sign out").first.wait_for()
        refused = {}
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status < 400, (path, response and response.status)
            page.wait_for_load_state("networkidle")
            refused[path] = log.seen()
        return {path: found for path, found in refused.items() if found}
    finally:
        context.close()


def test_the_violation_log_hears_an_inline_style_the_policy_refuses(site):
    base, browser = site
    page = browser.new_page()
    try:
        log = ViolationLog(page)
        page.goto(f"{base}/marketplace/store/")
        page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: red }</style>')")
        page.wait_for_timeout(200)
        assert any("style-src" in line for line in log.seen())
    finally:
        page.close()


def test_the_pages_anyone_can_open_break_no_rule_of_their_policy(site):
    assert visit(site, SIGNED_OUT) == {}


def test_a_customers_pages_break_no_rule_of_their_policy(site):
    assert visit(site, CUSTOMER, "customer@demo.coop") == {}


def test_a_coordinators_pages_break_no_rule_of_their_policy(site):
    assert visit(site, COORDINATOR, "coordinator@demo.coop") == {}
