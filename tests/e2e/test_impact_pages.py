"""The impact report's charts in a real headless browser (Debian's Chromium), against `coop run`."""

import pytest

from tests.support.browser import sign_in
from tests.support.png import colours


@pytest.fixture
def report_page(back_office, browser):
    """The impact report on a fresh `coop run`, signed in as the demo coordinator."""
    _process, base = back_office()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, f"{base}/members/impact", "coordinator@demo.coop")
    yield page, f"{base}/members/impact"
    context.close()


def test_the_charts_render_in_a_browser(report_page):
    page, report = report_page
    page.goto(f"{report}/")
    charts = page.locator("figure svg")
    assert charts.count() == 2
    for index in range(2):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 100
        shot = chart.screenshot()
        assert colours(shot) > 3, "the chart's screenshot is blank"


def test_the_printable_report_renders_its_charts_without_the_form(report_page):
    page, report = report_page
    page.goto(f"{report}/print?version=funder")
    assert page.locator("figure svg").count() == 2 and page.locator("form.period").count() == 0
    assert "Funder-safe" in page.locator("#version").inner_text()
