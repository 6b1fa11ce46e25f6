"""Swagger UI works in a real headless browser under the pages' policy, with nothing off the site."""

import shutil

import pytest

from tests.support.concurrency import serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    """Launch headless Chromium through Playwright, or skip when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install 'playwright>=1.40,<2'")
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def test_the_members_api_docs_render_offline_with_no_policy_violation(coop, browser):
    with serve(coop.app) as server:
        context = browser.new_context()
        off_site, problems = [], []
        # Offline: anything not asked of the service itself is refused, and noted.
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.base)
                      else (off_site.append(route.request.url), route.abort()))
        page = context.new_page()
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{server.base}/docs")
        page.get_by_text("Accounts and signing in").first.wait_for(timeout=20_000)
        assert page.locator(".opblock").count() > 5
        context.close()
    assert off_site == []
    assert problems == []
