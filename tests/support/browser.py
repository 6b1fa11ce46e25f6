"""Headless Chromium through Playwright, and `coop run` for it to browse, for the browser tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys

import pytest

from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.http import free_port
from tests.support.waiting import wait_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Every Content-Security-Policy violation on a page, as the page's own event reports it, kept for the test.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`));
"""


@contextlib.contextmanager
def chromium():
    """Launch headless Chromium, or skip when it or Playwright is missing."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed: pip install 'playwright>=1.40,<2'")
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def coop_run(data_dir):
    """Start `coop run` (every service, demo data) on a free port; stop it by its PID afterwards."""
    port = free_port()
    env = {**os.environ, "COOP_DATA_DIR": str(data_dir), "COOP_LOG_JSON": "false"}
    process = subprocess.Popen([sys.executable, "-m", "coop", "run", "--bind", f"127.0.0.1:{port}"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: a loaded two-core machine has taken over 60 s to start every service.
        wait_for(lambda: http.ok(f"{base}/members/healthz") or process.poll() is not None, timeout=180)
        assert process.poll() is None, "coop run exited"
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


class ViolationLog:
    """A page's CSP violations: from its securitypolicyviolation events and Chromium's console."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._heard)

    def _heard(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def seen(self) -> list[str]:
        """Everything refused on the page now open, and before it (console)."""
        return [*self.page.evaluate("window.__cspViolations || []"), *self.console]


def sign_in(page, pages_url: str, email: str) -> None:
    """Sign in with the demo password on the sign-in page of the pages at pages_url."""
    page.goto(f"{pages_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
