"""What operators see: Prometheus metrics of each service and worker, request logs, the gateway's headers."""

import json
import logging
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.marketplace.app import create_app as create_marketplace
from services.members.events import CATALOG as MEMBER_EVENTS
from shared.db import utcnow
from shared.worker import WorkerEndpoints
from tests.support import http


def sample(text: str, name: str, **labels) -> float:
    """Return one sample's value from a scrape (0 when the series is not there yet)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(key) == value for key, value in labels.items()):
                return found.value
    return 0.0


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_requests_are_counted_by_route_and_status_not_by_path(coop):
    series = {"name": "coop_http_requests_total", "service": "members", "method": "GET",
              "route": "/members/<int:member_id>", "status": "401"}
    before = sample(scrape(coop.client), **series)
    coop.client.get("/members/12")
    coop.client.get("/members/345")
    assert sample(scrape(coop.client), **series) == before + 2


def test_request_time_is_measured_per_route(coop):
    coop.client.get("/healthz")
    text = scrape(coop.client)
    assert sample(text, "coop_http_request_duration_seconds_count", service="members", route="/healthz") >= 1


def test_a_services_metrics_leave_out_the_other_services_sharing_its_process(coop, market):
    market.client.get("/listings")
    assert 'service="marketplace"' not in scrape(coop.client)


def test_the_outbox_backlog_is_read_from_the_database(coop):
    applicant, coordinator = coop.member(status="applicant"), coop.coordinator()
    before = sample(scrape(coop.client), "coop_outbox_backlog", service="members")
    coop.client.post(f"/members/{applicant.member_id}/admit", json={}, headers=coordinator.headers)
    # The relay is not running in this test, so the admission's events (member.admitted, and
    # account.roles_changed for the role it grants) wait in the outbox.
    assert sample(scrape(coop.client), "coop_outbox_backlog", service="members") == before + 2


def test_a_parked_message_is_counted_and_waits_until_replayed(coop):
    coop.runtime.processor.process("{not json")
    text = scrape(coop.client)
    assert sample(text, "coop_dead_letters_waiting", service="members") == 1
    assert sample(text, "coop_events_dead_lettered_total", service="members", reason="not JSON") >= 1


def test_events_handled_and_duplicates_are_counted_apart(agency):
    series = {"name": "coop_events_consumed_total", "service": "brokering", "event_type": "member.seeking_work"}
    client = agency.client
    handled, duplicate = (sample(scrape(client), **series, outcome=outcome) for outcome in ("handled", "duplicate"))
    body = json.dumps(MEMBER_EVENTS.build("member.seeking_work", {
        "member_id": 77_001, "member_number": 77_001, "account_id": 77_002, "display_name": "Jo",
        "occurred_at": utcnow()}).to_dict())
    agency.runtime.processor.process(body)
    agency.runtime.processor.process(body)
    text = scrape(client)
    assert sample(text, **series, outcome="handled") == handled + 1
    assert sample(text, **series, outcome="duplicate") == duplicate + 1


def test_each_request_is_logged_once_with_its_request_id(coop, caplog):
    with caplog.at_level(logging.INFO, logger="coop.access"):
        coop.client.get("/members/7", headers={"X-Request-ID": "req-logged-1"})
    [record] = [r for r in caplog.records if r.name == "coop.access"]
    assert (record.path, record.status, record.route) == ("/members/7", 401, "/members/<int:member_id>")


def test_health_checks_and_scrapes_are_counted_but_not_logged(coop, caplog):
    with caplog.at_level(logging.INFO, logger="coop.access"):
        coop.client.get("/healthz")
        coop.client.get("/metrics")
    assert [r for r in caplog.records if r.name == "coop.access"] == []


@pytest.fixture
def storefront(settings):
    """The marketplace behind so many proxies (0: reached directly)."""
    def build(proxy_hops):
        app = create_marketplace(settings.replace(proxy_hops=proxy_hops), start_relay=False)
        return app.test_client()
    return build


def session_cookie(client, settings, **headers) -> str:
    """The cookie the store's sign-in page sets (the session cookies are set the same way, by members)."""
    response = client.get("/store/sign-in", headers=headers)
    assert response.status_code == 200
    return response.headers["Set-Cookie"]


def test_behind_a_tls_proxy_and_the_gateway_the_session_cookie_is_secure(storefront, settings):
    cookie = session_cookie(storefront(2), settings, **{"X-Forwarded-Proto": "https",
                                                       "X-Forwarded-For": "203.0.113.9, 10.0.0.2"})
    assert "Secure" in cookie


def test_reached_directly_a_claimed_https_is_not_believed(storefront, settings):
    assert "Secure" not in session_cookie(storefront(0), settings, **{"X-Forwarded-Proto": "https"})


def test_behind_the_gateway_pages_link_under_the_prefix_it_forwards(storefront):
    page = storefront(1).get("/store/", headers={"X-Forwarded-Prefix": "/marketplace"}).get_data(as_text=True)
    assert 'href="/marketplace/store/' in page


def test_without_a_gateway_forwarded_headers_are_not_believed(storefront):
    page = storefront(0).get("/store/", headers={"X-Forwarded-Prefix": "/elsewhere"}).get_data(as_text=True)
    assert "/elsewhere" not in page and 'href="/store/' in page


@pytest.fixture
def worker(agency):
    """The brokering worker's parts running, and its health and metrics endpoints on a free port."""
    agency.runtime.start_worker()
    endpoints = WorkerEndpoints(agency.runtime, "127.0.0.1", 0).start()
    yield agency.runtime, f"http://127.0.0.1:{endpoints.port}"
    endpoints.stop()


def test_the_worker_is_healthy_while_its_consumer_relay_and_jobs_run(worker):
    _runtime, base = worker
    status, body = http.get_json(f"{base}/healthz")
    assert status == 200 and body["checks"] == {"consumer": "ok", "relay": "ok", "jobs": "ok"}


def test_the_worker_is_ready_once_its_consumer_is_connected_and_its_database_answers(worker):
    runtime, base = worker
    runtime.consumer().ready.wait(10)
    status, body = http.get_json(f"{base}/readyz")
    assert status == 200 and body["checks"]["consumer connected"] == "ok" and body["checks"]["database"] == "ok"


def test_a_stopped_worker_says_it_is_not_healthy(worker):
    runtime, base = worker
    runtime.stop()
    status, body = http.get_json(f"{base}/healthz")
    assert status == 503 and body["checks"]["consumer"] == "stopped"


def test_the_worker_serves_its_services_metrics(worker):
    _runtime, base = worker
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert sample(text, "coop_outbox_backlog", service="brokering") == 0


def test_the_worker_answers_other_paths_with_404(worker):
    _runtime, base = worker
    assert http.status(f"{base}/admin") == 404


def test_worker_health_is_json(worker):
    _runtime, base = worker
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json" and json.loads(response.read())
