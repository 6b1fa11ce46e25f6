"""Where a page may send the browser after signing in: only a path on this site (no open redirect)."""

import pytest

from shared.pages import safe_next

HOME = "/store/"

# What browsers read as another site, or as script: each must fall back to the home page.
BYPASSES = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    "/%5Cevil.example/",
    "/%5cevil.example/",
    "/%2F/evil.example/",
    "/%2f/evil.example/",
    "%2F%2Fevil.example/",
    "/%252F/evil.example/",
    "/%255Cevil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
    "/\n/evil.example/",
    "/%0A/evil.example/",
    "/\r\n/evil.example/",
    "/%0D%0A/evil.example/",
    "/%00/evil.example/",
    " //evil.example/",
    "\t//evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "HTTPS://evil.example",
    "//evil.example@store/",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "java%0Ascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "",
    None,
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_next_that_leaves_the_site_goes_home_instead(target):
    assert safe_next(target, HOME) == HOME


@pytest.mark.parametrize("target", [
    "/store/",
    "/store/my-shop",
    "/members/impact/?from=2026-01&to=2026-12",
    "/store/search?q=blue%20tit",
    "/store/search?q=a//b",
    "/jobs/vacancies/3#apply",
])
def test_a_path_on_this_site_is_followed(target):
    assert safe_next(target, HOME) == target
