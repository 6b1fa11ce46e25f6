"""A new process's metrics are made once, when its app is created: its first requests, together, raise nothing.

Each test starts a fresh Python process (metrics belong to a process), on this test's settings.
"""

import json
import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.support.cli import environment

N = 16

FRESH_PROCESS = textwrap.dedent(f"""
    import json, logging, sys, threading
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    from prometheus_client import REGISTRY
    from services.members.app import build_runtime, create_app
    from shared.settings import Settings

    def made():
        return sorted(family.name for family in REGISTRY.collect() if family.name.startswith("coop_"))

    runtime = build_runtime(Settings.from_env())
    after_runtime = made()
    app = create_app(runtime=runtime, start_relay=False)
    after_app = made()
    together, statuses = threading.Barrier({N}), []

    def first_request(path):
        client = app.test_client()
        together.wait(timeout=30)
        statuses.append(client.get(path).status_code)

    threads = [threading.Thread(target=first_request, args=(path,))
               for path in ["/healthz", "/accounts/me"] * ({N} // 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    exposition = app.test_client().get("/metrics").get_data(as_text=True)
    runtime.stop()
    print(json.dumps({{"after_runtime": after_runtime, "after_app": after_app, "statuses": statuses,
                      "exposition": exposition}}))
""")


@pytest.fixture(scope="module")
def fresh_process(backend, tmp_path_factory):
    """What one fresh members process saw, and what it logged (run once for the tests below)."""
    settings = backend.settings_for_test(tmp_path_factory.mktemp("fresh"), uuid.uuid4().hex[:10])
    try:
        done = subprocess.run([sys.executable, "-c", FRESH_PROCESS], env={**environment(settings), "PATH": ""},
                              capture_output=True, text=True, timeout=120)
    finally:
        backend.clean_up_test(settings)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_the_metrics_are_made_when_the_app_is_created_not_on_the_first_request(fresh_process):
    made = fresh_process[0]["after_app"]
    assert "coop_http_requests" in made and "coop_events_consumed" in made


def test_building_a_runtime_makes_no_metrics_so_coop_serve_can_still_choose_multiprocess_mode(fresh_process):
    assert fresh_process[0]["after_runtime"] == []


def test_concurrent_first_requests_log_no_error(fresh_process):
    result, logs = fresh_process
    assert sorted(result["statuses"]) == [200] * (N // 2) + [401] * (N // 2)
    assert "Traceback" not in logs and "Duplicated" not in logs and "ERROR" not in logs


def test_concurrent_first_requests_are_counted_in_one_set_of_metrics(fresh_process):
    lines = fresh_process[0]["exposition"].splitlines()
    types = [line for line in lines if line.startswith("# TYPE coop_")]
    assert "# TYPE coop_http_requests_total counter" in types and len(types) == len(set(types))
    assert sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith("coop_http_requests_total{")) == N
