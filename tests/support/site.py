"""What every browser journey test shares: a phone's and a desk's window, signing in from the site's header,
the no-sideways-scrolling check, and screenshots for a reviewer (the folder is named in the CI log)."""

from __future__ import annotations

import os
import re
from pathlib import Path

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
# Where the journeys' screenshots go: COOP_SCREENSHOTS, else a folder in the checkout that .ci/run names.
SCREENSHOTS = Path(os.environ.get("COOP_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "screenshots")


def fits_the_window(page) -> bool:
    """Whether the page is no wider than its window: nothing to scroll sideways to."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def sign_in_from_header(page, email: str, password: str) -> None:
    """Click "Sign in" in the header of the page open now, sign in, and wait to be back where she was."""
    page.locator("#sign-in-link").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#sign-out").wait_for()


def sign_out_from_header(page) -> None:
    """Click "Sign out" in the header and wait for the "Sign in" link to come back."""
    page.locator("#sign-out").click()
    page.locator("#sign-in-link").wait_for()


def screenshot(page, journey: str, step: str) -> Path:
    """Keep a picture of the whole page as it is now, as <journey>/<width>-<step>.png."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = SCREENSHOTS / journey / f"{width}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
