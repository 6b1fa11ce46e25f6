"""What the browser and `coop run` tests share: a fresh `coop run`, and headless Chromium."""

import os
import signal
import subprocess
import sys

import pytest

from tests.support import http
from tests.support.browser import chromium
from tests.support.http import free_port
from tests.support.waiting import wait_for


@pytest.fixture
def back_office(backend, tmp_path):
    """Start `coop run` on a free port with its own data folder; stop it (by its PID) afterwards."""
    if backend.is_real:
        pytest.skip("`coop run` is the embedded default; the real pass covers the services separately")
    port = free_port()

    def start():
        env = {**os.environ, "COOP_DATA_DIR": str(tmp_path / "data"), "COOP_LOG_JSON": "false"}
        process = subprocess.Popen(
            [sys.executable, "-m", "coop", "run", "--bind", f"127.0.0.1:{port}"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http.ok(f"{base}/members/healthz") or process.poll() is not None, timeout=180)
        assert process.poll() is None, process.stdout.read()
        return process, base

    started = []

    def launch():
        process, base = start()
        started.append(process)
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
