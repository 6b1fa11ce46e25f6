"""Swagger UI works in a real headless browser under the pages' policy, with nothing off the site."""

from tests.support.concurrency import serve


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
