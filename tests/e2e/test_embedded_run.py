"""`coop run` as a newcomer runs it: one process, one port, every service, demo data and logins."""

import signal

from coop.services import SERVICES
from services.members.demo import DEMO_PASSWORD
from tests.support import http
from tests.support.cards import expiry_year
from tests.support.waiting import wait_for


def stop(process) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    return output


def test_every_service_answers_under_its_prefix_with_its_api_document(back_office):
    _process, base = back_office()
    for service in SERVICES:
        assert http.get_json(f"{base}/{service}/healthz") == (200, {"status": "ok"})
        status, document = http.get_json(f"{base}/{service}/openapi.json")
        assert status == 200 and document["openapi"].startswith("3.")
        assert document["servers"] == [{"url": f"/{service}"}]
        assert http.get_json(f"{base}/{service}/readyz")[0] == 200


def test_a_newcomer_signs_in_as_the_demo_coordinator_and_admits_the_waiting_applicant(back_office):
    process, base = back_office()
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "coordinator@demo.coop", "password": DEMO_PASSWORD})
    assert status == 201
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    status, applicants = http.get_json(f"{base}/members/members?status=applicant", headers)
    assert status == 200 and [a["name"] for a in applicants] == ["Bloom & Bake"]
    status, member = http.post_json(f"{base}/members/members/{applicants[0]['id']}/admit", {}, headers)
    assert status == 200 and member["status"] == "active" and member["member_number"] == 8
    output = stop(process)
    assert "coordinator@demo.coop" in output


def test_a_second_run_keeps_the_data_and_loads_no_second_demo(back_office):
    first, base = back_office()
    stop(first)
    second, base = back_office()
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "coordinator@demo.coop", "password": DEMO_PASSWORD})
    status, members = http.get_json(f"{base}/members/members?page_size=50",
                                    {"Authorization": f"Bearer {token['access_token']}"})
    assert len(members) == 8
    assert "Existing data found" in stop(second)


def test_a_newcomer_buys_a_demo_listing_with_the_test_card(back_office):
    _process, base = back_office()
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "customer@demo.coop", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    # Sellers arrive as member events, then the demo listings are made: wait for the catalogue.
    listings = wait_for(lambda: http.get_json(f"{base}/marketplace/listings?category=cards")[1], timeout=30)
    card = next(listing for listing in listings if listing["title"] == "Robin Christmas card")
    status, _ = http.post_json(f"{base}/marketplace/cart/lines", {"listing_id": card["id"], "quantity": 2}, headers)
    assert status == 201
    status, order = http.post_json(f"{base}/marketplace/checkout", {}, {**headers, "Idempotency-Key": "c1"})
    assert status == 201 and order["total_pence"] == 700
    status, paid = http.post_json(
        f"{base}/marketplace/orders/{order['id']}/payment",
        {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": expiry_year(), "cvc": "123",
                  "holder_name": "Cass Customer"}},
        {**headers, "Idempotency-Key": "p1"})
    assert status == 200 and paid["status"] == "paid"


def test_the_demo_coordinator_finds_contracts_in_negotiation_signed_and_awaiting_the_members_vote(back_office):
    _process, base = back_office()
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "coordinator@demo.coop", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    # Member businesses arrive as member events, then the demo contracts are made.
    contracts = wait_for(lambda: http.get_json(f"{base}/contracts/contracts", headers)[1], timeout=30)
    by_state = {contract["state"]: contract for contract in contracts}
    assert {"countered", "signed", "agreed"} <= by_state.keys()
    assert by_state["agreed"]["approval"] == "pending"
    status, signed = http.get_json(f"{base}/contracts/contracts/{by_state['signed']['id']}", headers)
    assert all(line["remaining"] == 0 for line in signed["lines"])
    status, negotiating = http.get_json(f"{base}/contracts/contracts/{by_state['countered']['id']}", headers)
    assert len(negotiating["rounds"]) == 2


def test_the_demo_has_an_employer_with_vacancies_and_a_job_seeker_in_a_placement(back_office):
    _process, base = back_office()
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "coordinator@demo.coop", "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    # The job seeker's profile arrives as member.seeking_work, then the demo placement is made.
    placements = wait_for(lambda: http.get_json(f"{base}/brokering/placements", headers)[1], timeout=30)
    assert placements[0]["employer_name"] == "Green Kitchen Ltd"
    status, vacancies = http.get_json(f"{base}/brokering/vacancies", headers)
    assert len(vacancies) == 3
    status, token = http.post_json(f"{base}/members/tokens",
                                   {"email": "employer@demo.coop", "password": DEMO_PASSWORD})
    employer = {"Authorization": f"Bearer {token['access_token']}"}
    [application] = http.get_json(f"{base}/brokering/applications", employer)[1]
    assert application["stage"] == "accepted" and "disclosure" not in application
