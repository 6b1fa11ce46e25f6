"""The compose file's topology, run as local processes on the machine's RabbitMQ and PostgreSQL.

Every container's own command (migrations, gunicorn web processes, workers, the nginx gateway) runs
here as tests/support/topology.py explains; the flows below go through the gateway's one port, as a
browser or an integration would. The tests share one topology (starting it takes a while) and run
in the order written: the last stops every process and checks each one exits cleanly.
"""

import re
import threading
import uuid
from urllib.parse import urlsplit

import pytest

from coop.services import SERVICES
from shared.http import DATA_POLICY, PAGE_POLICY
from tests.support import http
from tests.support.accessibility import serious_violations
from tests.support.browser import chromium
from tests.support.cards import expiry_year
from tests.support.gateway import (
    PASSWORD,
    admit,
    answer_headers,
    applicant,
    create_coordinator,
    is_a_seller,
    new_account,
    rows,
    sign_in,
)
from tests.support.site import PHONE, fits_the_window, screenshot, sign_in_from_header
from tests.support.topology import running_topology, skip_unless_runnable
from tests.support.waiting import wait_for

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": expiry_year(), "cvc": "123", "holder_name": "Cass"}
STREAM = 30  # admissions in the stream a worker is stopped in the middle of


@pytest.fixture(scope="module")
def topology(backend, tmp_path_factory):
    skip_unless_runnable(backend)
    with running_topology(backend, tmp_path_factory.mktemp("topology"), uuid.uuid4().hex[:8]) as topology:
        yield topology


@pytest.fixture(scope="module")
def gateway(topology):
    return topology.url("gateway")


@pytest.fixture(scope="module")
def coordinator(topology):
    return create_coordinator(topology)


def test_every_process_passes_its_own_health_check(topology):
    assert [name for name in topology.processes if topology.services[name].get("healthcheck")
            and not topology.is_healthy(name)] == []


def test_the_gateway_serves_every_service_under_its_prefix_and_hides_their_metrics(gateway):
    for service in SERVICES:
        assert http.get_json(f"{gateway}/{service}/readyz")[0] == 200
        status, document = http.get_json(f"{gateway}/{service}/openapi.json")
        assert status == 200 and document["servers"] == [{"url": f"/{service}"}]
        assert http.status(f"{gateway}/{service}/metrics") == 404


def test_pages_behind_the_gateway_link_under_their_service_prefix(gateway):
    page = http.get_text(f"{gateway}/marketplace/store/")
    assert 'href="/marketplace/store/' in page


def test_the_gateway_answers_at_slash_with_the_front_page_whose_links_work(gateway):
    page = http.get_text(f"{gateway}/")
    assert "Fresh Start Co-op" in page and 'href="/marketplace/store/search' in page


def test_what_the_gateway_answers_itself_has_the_security_headers_of_a_response_that_loads_nothing(gateway):
    for path, expected in (("/healthz", 200), ("/members/metrics", 404)):
        status, headers = answer_headers(f"{gateway}{path}")
        assert status == expected
        assert headers["content-security-policy"] == [DATA_POLICY], path
        assert headers["x-content-type-options"] == ["nosniff"] and headers["referrer-policy"] == ["same-origin"]


def test_through_the_gateway_a_page_keeps_its_own_policy_once_and_the_api_its_own(gateway):
    for path, policy in (("/marketplace/store/", PAGE_POLICY), ("/brokering/jobs/calculator", PAGE_POLICY),
                         ("/members/openapi.json", DATA_POLICY)):
        status, headers = answer_headers(f"{gateway}{path}")
        assert status == 200, path
        assert headers["content-security-policy"] == [policy], path
        assert headers["x-content-type-options"] == ["nosniff"] and headers["referrer-policy"] == ["same-origin"]


def test_a_member_admitted_becomes_a_seller_and_a_customer_buys_from_her(topology, gateway, coordinator):
    member_id, email = applicant(gateway, "Paper Birds")
    admit(gateway, coordinator, member_id)
    wait_for(lambda: is_a_seller(gateway, member_id), timeout=30)
    seller = sign_in(gateway, email)  # again: the new token carries the member role
    status, listing = http.post_json(f"{gateway}/marketplace/shop/listings", {
        "kind": "goods", "title": "Robin card", "category": "cards", "price_pence": 350, "stock": 5}, seller)
    assert status == 201, listing
    assert http.post_json(f"{gateway}/marketplace/shop/listings/{listing['id']}/publish", {}, seller)[0] == 200

    customer = new_account(gateway, f"{uuid.uuid4().hex[:10]}@topology.test")
    assert http.post_json(f"{gateway}/marketplace/cart/lines", {"listing_id": listing["id"], "quantity": 2},
                          customer)[0] == 201
    status, order = http.post_json(f"{gateway}/marketplace/checkout", {}, {**customer, "Idempotency-Key": "o-1"})
    assert status == 201 and order["total_pence"] == 700
    status, paid = http.post_json(f"{gateway}/marketplace/orders/{order['id']}/payment", {"card": CARD},
                                  {**customer, "Idempotency-Key": "p-1"})
    assert status == 200 and paid["status"] == "paid"
    assert http.get_json(f"{gateway}/marketplace/listings/{listing['id']}")[1]["variants"][0]["stock"] == 3


def test_in_a_browser_through_the_gateway_a_member_finds_her_listing_in_my_shop_and_a_customer_buys_it(
        topology, gateway, coordinator):
    member_id, member_email = applicant(gateway, "Wren Cards")
    admit(gateway, coordinator, member_id)
    wait_for(lambda: is_a_seller(gateway, member_id), timeout=30)
    seller = sign_in(gateway, member_email)
    status, listing = http.post_json(f"{gateway}/marketplace/shop/listings", {
        "kind": "goods", "title": "Wren birthday card", "category": "cards", "price_pence": 275, "stock": 4}, seller)
    assert status == 201, listing
    assert http.post_json(f"{gateway}/marketplace/shop/listings/{listing['id']}/publish", {}, seller)[0] == 200
    customer_email = f"{uuid.uuid4().hex[:10]}@topology.test"
    customer = new_account(gateway, customer_email)

    with chromium() as browser:
        member = browser.new_context(viewport=PHONE, base_url=gateway).new_page()
        member.goto("/")
        sign_in_from_header(member, member_email, PASSWORD)
        member.get_by_role("navigation", name="Main").get_by_role("link", name="My shop").click()
        member.get_by_text("Wren birthday card").first.wait_for()
        assert fits_the_window(member) and serious_violations(member) == []
        screenshot(member, "gateway-member", "my shop")

        buyer = browser.new_context(viewport=PHONE, base_url=gateway).new_page()
        buyer.goto("/")
        sign_in_from_header(buyer, customer_email, PASSWORD)
        buyer.get_by_label("Search the market").fill("Wren")
        buyer.get_by_role("button", name="Search").click()
        buyer.get_by_role("link", name="Wren birthday card").click()
        buyer.get_by_label("Quantity").fill("2")
        buyer.get_by_role("button", name="Add to cart").click()
        buyer.get_by_role("link", name="Go to checkout").click()
        buyer.get_by_label("Delivery address").fill("1 High Street, Leeds")
        buyer.get_by_label("Name on card").fill("Cass Customer")
        buyer.get_by_label("Card number").fill("4242 4242 4242 4242")
        buyer.get_by_label("Expiry month").fill("12")
        buyer.get_by_label("Expiry year (4 digits)").fill(str(expiry_year()))
        buyer.get_by_label("Security code").fill("123")
        buyer.get_by_role("button", name="Place order and pay £5.50").click()
        buyer.get_by_role("heading", name="is paid").wait_for()
        assert fits_the_window(buyer) and serious_violations(buyer) == []
        screenshot(buyer, "gateway-customer", "order paid")
    status, orders = http.get_json(f"{gateway}/marketplace/orders", customer)
    assert status == 200 and [order["status"] for order in orders] == ["paid"]
    assert http.get_json(f"{gateway}/marketplace/listings/{listing['id']}")[1]["variants"][0]["stock"] == 2


def test_a_new_account_is_mailed_its_verification_link_through_the_mail_server_and_the_link_works(
        topology, gateway):
    address = f"{uuid.uuid4().hex[:10]}@topology.test"
    new_account(gateway, address)

    def mailed():
        return next((message for message in topology.caught_mail() if message["To"] == address), None)
    message = wait_for(mailed, timeout=60)
    assert message["Subject"] == "Confirm your email address"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/members/account/verify-email\?token=\S+", text)
    assert link, text
    parts = urlsplit(link.group(0))
    page = http.get_text(f"{gateway}{parts.path}?{parts.query}")
    assert "<form" in page and "verify" in page.lower()


def test_a_worker_stopped_in_the_middle_of_a_stream_loses_no_event_and_applies_none_twice(
        topology, gateway, coordinator):
    members = [applicant(gateway, f"Stream {index}")[0] for index in range(STREAM)]
    admitted = threading.Event()

    def stream():
        for index, member_id in enumerate(members):
            admit(gateway, coordinator, member_id)
            if index == STREAM // 3:
                admitted.set()

    admissions = threading.Thread(target=stream)
    admissions.start()
    admitted.wait(60)
    assert topology.stop("marketplace-worker") == 0  # SIGTERM, in the middle of it all: a clean exit
    admissions.join(120)
    waited = [member_id for member_id in members if not is_a_seller(gateway, member_id)]
    topology.start("marketplace-worker")

    wait_for(lambda: all(is_a_seller(gateway, member_id) for member_id in members), timeout=60)
    ids = ",".join(str(member_id) for member_id in members)
    sent = {row[0] for row in rows(topology, "members", "SELECT event_id FROM outbox WHERE event_type = "
                                   f"'member.admitted' AND (envelope->'data'->>'member_id')::int IN ({ids})")}
    handled = [row[0] for row in rows(topology, "marketplace", "SELECT event_id FROM inbox WHERE event_type = "
                                      "'member.admitted'")]
    assert len(sent) == STREAM and sent <= set(handled) and len(handled) == len(set(handled))
    sellers = rows(topology, "marketplace", f"SELECT member_id FROM sellers WHERE member_id IN ({ids})")
    assert sorted(row[0] for row in sellers) == sorted(members)
    assert rows(topology, "marketplace", "SELECT count(*) FROM dead_letters")[0][0] == 0
    assert waited, "every admission was handled before the stop: the stop was not in the middle of the stream"


def test_one_request_id_is_in_the_json_logs_of_the_gateway_the_web_process_and_the_other_services_worker(
        topology, gateway, coordinator):
    member_id, _email = applicant(gateway, "Traced")
    request_id = f"topology-{uuid.uuid4().hex[:12]}"
    admit(gateway, coordinator, member_id, request_id)
    wait_for(lambda: is_a_seller(gateway, member_id), timeout=30)
    for name in ("gateway", "members-web", "marketplace-worker", "contracts-worker"):
        wait_for(lambda name=name: topology.logged(name, correlation_id=request_id), timeout=15)


def test_the_worker_and_web_metrics_count_what_happened(topology):
    worker = http.get_text(topology.url("marketplace-worker", "/metrics"))
    assert 'coop_events_consumed_total{event_type="member.admitted",outcome="handled",service="marketplace"}' in worker
    web = http.get_text(topology.url("members-web", "/metrics"))
    assert 'route="/members/<int:member_id>/admit",service="members",status="200"' in web
    assert 'coop_outbox_backlog{service="members"}' in web


def test_every_process_exits_cleanly_when_stopped(topology):
    statuses = topology.down()
    assert statuses == {name: 0 for name in statuses}
