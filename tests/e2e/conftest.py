"""What the browser and `coop run` tests share: a fresh `coop run`, and headless Chromium."""

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.marketplace.demo import DEMO_LISTINGS
from tests.support import http
from tests.support.browser import chromium, coop_run
from tests.support.http import free_port
from tests.support.site import PHONE
from tests.support.waiting import wait_for


@pytest.fixture
def back_office(backend, tmp_path):
    """Start `coop run` on a free port with its own data folder; stop it (by its PID) afterwards."""
    if backend.is_real:
        pytest.skip("`coop run` is the embedded default; the real pass covers the services separately")
    port = free_port()

    started = []

    def launch():
        env = {**os.environ, "COOP_DATA_DIR": str(tmp_path / "data"), "COOP_LOG_JSON": "false"}
        process = subprocess.Popen(
            [sys.executable, "-m", "coop", "run", "--bind", f"127.0.0.1:{port}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started.append(process)  # before waiting: one that never gets ready is still stopped afterwards
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http.ok(f"{base}/members/healthz") or process.poll() is not None, timeout=180)
        assert process.poll() is None, process.stdout.read()
        return process, base

    yield launch
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


@pytest.fixture
def browser():
    """Headless Chromium through Playwright, or a skip when either is missing."""
    with chromium() as launched:
        yield launched


@dataclass
class DemoRun:
    """One `coop run` with the demo data, and the browser that visits it."""

    base: str
    data_dir: Path
    browser: object


@pytest.fixture(scope="module")
def demo_run(request, tmp_path_factory):
    """One `coop run` with the demo and one headless Chromium for a whole file of journeys (embedded pass only)."""
    if os.environ.get("COOP_TEST_BACKEND", "embedded") == "real":
        pytest.skip("`coop run` is the embedded default; the real pass covers the services separately")
    data_dir = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with coop_run(data_dir) as base, chromium() as browser:
        # The demo's listings are made once their sellers' admissions have travelled as events: on a loaded
        # machine that is well after the site answers, and a journey must not start on an empty shop.
        on_sale = sum(len(listings) for listings in DEMO_LISTINGS.values())
        wait_for(lambda: len(http.get_json(f"{base}/marketplace/listings?page_size=100")[1] or []) >= on_sale,
                 timeout=180)
        yield DemoRun(base, data_dir, browser)


@pytest.fixture
def open_page(demo_run):
    """A maker of pages, each in a fresh browser context (one person each), closed after the test."""
    contexts = []

    def make(viewport=PHONE, **options):
        context = demo_run.browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
