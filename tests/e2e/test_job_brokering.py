"""Job brokering in a real headless browser (Debian's Chromium), against `coop run`: a job seeker
applies, the employer makes a conditional offer, the disclosure is shared by consent and withdrawn."""

import pytest

from tests.support.browser import sign_in

STATEMENT = "I am on licence and doing well"


@pytest.fixture
def jobs(back_office, browser):
    """Two phone-sized pages on a fresh `coop run`: the demo job seeker's and the demo employer's."""
    _process, base = back_office()
    contexts = [browser.new_context(viewport={"width": 390, "height": 844}) for _ in range(2)]
    pages = []
    for context, email in zip(contexts, ("threadbare@demo.coop", "employer@demo.coop"), strict=True):
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, f"{base}/brokering/jobs", email)
        pages.append(page)
    yield (*pages, f"{base}/brokering/jobs")
    for context in contexts:
        context.close()


def wait_for_demo(page, url: str) -> None:
    """Reload until the demo vacancies (made shortly after start) are there."""
    for _ in range(60):
        page.goto(url)
        if page.get_by_role("button", name="Apply for Kitchen assistant").count():
            return
        page.wait_for_timeout(500)
    pytest.fail("the demo vacancies never appeared")


def test_a_disclosure_is_seen_only_after_an_offer_with_consent_and_not_after_it_is_withdrawn(jobs):
    seeker, employer, base = jobs
    wait_for_demo(seeker, f"{base}/me")
    assert seeker.get_by_role("button", name="Apply for Breakfast club helper").count() == 0  # licence condition
    seeker.get_by_role("button", name="Apply for Kitchen assistant").click()
    seeker.get_by_role("status").wait_for()

    employer.goto(f"{base}/employer")
    employer.get_by_role("link", name="Kitchen assistant").click()
    employer.get_by_role("link", name="Kez").click()
    assert employer.get_by_text(STATEMENT).count() == 0
    employer.get_by_label("Move to").select_option("conditional_offer")
    employer.get_by_role("button", name="Move the application").click()
    assert employer.locator("#stage").inner_text() == "conditional offer"
    assert employer.get_by_text(STATEMENT).count() == 0  # an offer alone shows nothing

    seeker.goto(f"{base}/me")
    seeker.get_by_role("button", name="Share my disclosure with Green Kitchen Ltd").click()
    employer.reload()
    assert employer.get_by_text(STATEMENT).count() == 1
    seeker.goto(f"{base}/me")
    assert seeker.locator("#access-log").get_by_text("Green Kitchen Ltd").count() >= 1

    seeker.get_by_role("button", name="Stop sharing my disclosure").click()
    employer.reload()
    assert employer.get_by_text(STATEMENT).count() == 0
