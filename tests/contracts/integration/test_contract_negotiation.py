"""Negotiating a contract through the contracts API: buyers, rounds, moves, versions and events.

Coordinators enter both sides' offers; every change of terms is a new round, every move a checked
transition that publishes its event, and every change names the version it was made on (If-Match).
"""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from services.contracts.contracts import expire_lapsed_offers
from tests.support.desk import START, terms
from tests.support.outbox import published_types, published_with_types

LARGE = terms(line_items=[{"description": "Hand-made cards", "quantity": 4000, "unit": "cards",
                           "unit_price_pence": 250}])  # £10,000: over the default £5,000 threshold
COUNTER = terms(line_items=[{"description": "Hand-made Christmas cards", "quantity": 600, "unit": "cards",
                             "unit_price_pence": 225}])


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


def later(**delta) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**delta)).isoformat()


def add_round(desk, by, contract, party="buyer", new_terms=None, version=None, **fields):
    """Record a round of terms on a contract, naming the version last read; return the response."""
    version = contract["version"] if version is None else version
    body = {"party": party, "terms": new_terms or COUNTER, **fields}
    return desk.client.post(f"/contracts/{contract['id']}/rounds", json=body,
                            headers={**by.headers, "If-Match": f'"{version}"'})


def countered(desk, by, **fields) -> dict:
    """A contract proposed by the co-op and countered by the buyer (round 2)."""
    contract = desk.moved(by, desk.contract(by, **fields), "propose")
    response = add_round(desk, by, contract)
    assert response.status_code == 201, response.json
    return response.json


def get(desk, by, path):
    return desk.client.get(path, headers=by.headers)


# Buyers


def test_a_coordinator_records_a_buyer(desk, coordinator):
    buyer = desk.buyer(coordinator, name="Tails Kennels", phone="0113 496 0000")

    assert get(desk, coordinator, f"/buyers/{buyer['id']}").json == buyer
    assert buyer["name"] == "Tails Kennels" and buyer["phone"] == "0113 496 0000"


def test_buyers_are_listed_by_name(desk, coordinator):
    for name in ("Venue B", "Arts Hub", "Leaf & Co"):
        desk.buyer(coordinator, name=name)

    names = [buyer["name"] for buyer in get(desk, coordinator, "/buyers").json]

    assert names == ["Arts Hub", "Leaf & Co", "Venue B"]


def test_a_coordinator_changes_a_buyers_details(desk, coordinator):
    buyer = desk.buyer(coordinator)

    response = desk.client.patch(f"/buyers/{buyer['id']}", json={"address": "2 Low Lane, York"},
                                 headers=coordinator.headers)

    assert response.status_code == 200
    assert get(desk, coordinator, f"/buyers/{buyer['id']}").json == {**buyer, "address": "2 Low Lane, York"}


@pytest.mark.parametrize("body", [
    {"name": ""}, {"email": "not an email"}, {"address": None}, {"name": "x" * 201}, {"website": "leaf.example"},
])
def test_a_buyer_with_bad_details_is_refused(desk, coordinator, body):
    good = {"name": "Leaf & Co", "contact_name": "Sam Leaf", "email": "sam@leaf.example", "address": "Leeds"}

    response = desk.client.post("/buyers", json={**good, **body}, headers=coordinator.headers)

    assert response.status_code == 422
    assert set(response.json["errors"]) == set(body)


def test_a_change_to_a_buyer_that_breaks_a_rule_is_refused(desk, coordinator):
    buyer = desk.buyer(coordinator)

    response = desk.client.patch(f"/buyers/{buyer['id']}", json={"name": ""}, headers=coordinator.headers)

    assert response.status_code == 422
    assert get(desk, coordinator, f"/buyers/{buyer['id']}").json == buyer


@pytest.mark.parametrize("path", ["/buyers/999999", "/buyers/abc", "/buyers/99999999999"])
def test_an_unknown_or_malformed_buyer_is_not_found(desk, coordinator, path):
    assert get(desk, coordinator, path).status_code == 404


# Contracts and their first round


def test_creating_a_contract_makes_a_draft_whose_round_1_is_the_coops(desk, coordinator):
    contract = desk.contract(coordinator, comment="Opening offer")

    assert contract["state"] == "draft"
    assert contract["total_pence"] == 500 * 250
    assert [(r["number"], r["proposed_by"], r["comment"], r["total_pence"]) for r in contract["rounds"]] == [
        (1, "coop", "Opening offer", 125_000)]
    assert contract["rounds"][0]["terms"]["line_items"][0]["quantity"] == 500


def test_the_created_contract_carries_its_version_as_etag(desk, coordinator):
    body = {"buyer_id": desk.buyer(coordinator)["id"], "title": "Cards", "sector": "cards", "terms": terms()}

    response = desk.client.post("/contracts", json=body, headers=coordinator.headers)

    assert response.headers["ETag"] == f'"{response.json["version"]}"'


def test_a_contract_is_shown_with_its_version_as_etag(desk, coordinator):
    contract = desk.contract(coordinator)

    response = get(desk, coordinator, f"/contracts/{contract['id']}")

    assert response.json == contract
    assert response.headers["ETag"] == f'"{contract["version"]}"'


def test_contracts_are_listed_newest_first(desk, coordinator):
    first, second = desk.contract(coordinator), desk.contract(coordinator)

    listed = [c["id"] for c in get(desk, coordinator, "/contracts").json]

    assert listed == [second["id"], first["id"]]


def test_contracts_are_listed_by_state(desk, coordinator):
    desk.contract(coordinator)
    proposed = desk.moved(coordinator, desk.contract(coordinator), "propose")

    listed = get(desk, coordinator, "/contracts?state=proposed").json

    assert [c["id"] for c in listed] == [proposed["id"]]


def test_contracts_are_listed_for_one_buyer(desk, coordinator):
    buyer = desk.buyer(coordinator, name="Arts Hub")
    theirs = desk.contract(coordinator, buyer_id=buyer["id"])
    desk.contract(coordinator)

    listed = get(desk, coordinator, f"/contracts?buyer_id={buyer['id']}").json

    assert [(c["id"], c["buyer"]["name"]) for c in listed] == [(theirs["id"], "Arts Hub")]


@pytest.mark.parametrize("query", ["state=haggling", "buyer_id=0", "buyer_id=abc"])
def test_a_bad_list_filter_is_refused(desk, coordinator, query):
    assert get(desk, coordinator, f"/contracts?{query}").status_code == 422


BAD_TERMS = {
    "a negative price": terms(line_items=[{"description": "Cards", "quantity": 5, "unit_price_pence": -1}]),
    "a zero quantity": terms(line_items=[{"description": "Cards", "quantity": 0, "unit_price_pence": 250}]),
    "a quantity of a million and one": terms(
        line_items=[{"description": "Cards", "quantity": 1_000_001, "unit_price_pence": 1}]),
    "a fractional price": terms(line_items=[{"description": "Cards", "quantity": 5, "unit_price_pence": 2.5}]),
    "no line items": terms(line_items=[]),
    "an end before the start": terms(end_on=str(START - dt.timedelta(days=1)), milestones=[]),
    "a milestone after the end": terms(milestones=[{"title": "Late", "due_on": str(START + dt.timedelta(days=61))}]),
    "a milestone before the start": terms(milestones=[{"title": "Early", "due_on": str(START - dt.timedelta(days=1))}]),
    "a total over the cap": terms(line_items=[
        {"description": f"Sculpture {n}", "quantity": 1_000, "unit_price_pence": 10_000_000} for n in range(2)]),
    "a member named twice": terms(member_ids=[7, 7]),
    "an unknown field": terms(discount_percent=10),
    "a malformed date": terms(start_on="next Monday"),
}


@pytest.mark.parametrize("bad", BAD_TERMS.values(), ids=BAD_TERMS.keys())
def test_a_contract_with_bad_terms_is_refused(desk, coordinator, bad):
    body = {"buyer_id": desk.buyer(coordinator)["id"], "title": "Cards", "sector": "cards", "terms": bad}

    response = desk.client.post("/contracts", json=body, headers=coordinator.headers)

    assert response.status_code == 422, response.json
    assert "terms" in response.json["errors"]
    assert get(desk, coordinator, "/contracts").json == []


@pytest.mark.parametrize("field, value", [
    ("sector", "haulage"), ("title", ""), ("title", "   "), ("buyer_id", -3), ("buyer_id", "12")])
def test_a_contract_with_a_bad_field_is_refused(desk, coordinator, field, value):
    body = {"buyer_id": desk.buyer(coordinator)["id"], "title": "Cards", "sector": "cards", "terms": terms(),
            field: value}

    response = desk.client.post("/contracts", json=body, headers=coordinator.headers)

    assert response.status_code == 422
    assert field in response.json["errors"]


def test_a_contract_for_an_unknown_buyer_is_refused(desk, coordinator):
    body = {"buyer_id": 999_999, "title": "Cards", "sector": "cards", "terms": terms()}

    response = desk.client.post("/contracts", json=body, headers=coordinator.headers)

    assert response.status_code == 422
    assert "999999" in response.json["detail"]


def test_a_contract_naming_unknown_member_businesses_is_refused(desk, coordinator):
    member = desk.member()
    body = {"buyer_id": desk.buyer(coordinator)["id"], "title": "Cards", "sector": "cards",
            "terms": terms(member_ids=[member.member_id, 999_999])}

    response = desk.client.post("/contracts", json=body, headers=coordinator.headers)

    assert response.status_code == 422
    assert "999999" in response.json["detail"] and str(member.member_id) not in response.json["detail"]
    assert get(desk, coordinator, "/contracts").json == []


def test_a_contract_names_the_member_businesses_proposed_for_the_work(desk, coordinator):
    member = desk.member()

    contract = desk.contract(coordinator, terms=terms(member_ids=[member.member_id]))

    assert contract["rounds"][0]["terms"]["member_ids"] == [member.member_id]


@pytest.mark.parametrize("path", [
    "/contracts/abc", "/contracts/999999", "/contracts/99999999999", "/contracts/-1",
    "/contracts/abc/rounds", "/contracts/{id}/rounds/abc", "/contracts/{id}/rounds/99999999999",
])
def test_a_malformed_or_unknown_contract_path_is_not_found(desk, coordinator, path):
    contract = desk.contract(coordinator)

    assert get(desk, coordinator, path.format(id=contract["id"])).status_code == 404


def test_a_move_on_an_unknown_contract_is_not_found(desk, coordinator):
    response = desk.move(coordinator, {"id": 999_999, "version": 1}, "propose")

    assert response.status_code == 404


# Rounds


def test_a_revised_draft_is_a_new_round_by_the_coop(desk, coordinator):
    contract = desk.contract(coordinator)

    response = add_round(desk, coordinator, contract, party="coop", comment="Fewer cards")

    assert response.status_code == 201
    assert response.json["state"] == "draft"
    assert [(r["number"], r["proposed_by"]) for r in response.json["rounds"]] == [(1, "coop"), (2, "coop")]


def test_a_new_round_records_who_proposed_it_who_entered_it_when_and_why(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")
    before = dt.datetime.now(dt.UTC)

    latest = add_round(desk, coordinator, contract, comment="They want more, cheaper").json["rounds"][-1]

    assert (latest["proposed_by"], latest["entered_by"], latest["comment"]) == (
        "buyer", coordinator.account_id, "They want more, cheaper")
    assert before <= dt.datetime.fromisoformat(latest["created_at"]) <= dt.datetime.now(dt.UTC)


def test_the_contract_total_follows_the_latest_round(desk, coordinator):
    contract = countered(desk, coordinator)

    assert contract["total_pence"] == 600 * 225 == contract["rounds"][-1]["total_pence"]


def test_earlier_rounds_are_unchanged_by_later_ones(desk, coordinator):
    contract = desk.contract(coordinator)
    round_1 = get(desk, coordinator, f"/contracts/{contract['id']}/rounds/1").json

    contract = add_round(desk, coordinator, contract, party="coop").json
    add_round(desk, coordinator, contract, party="coop", new_terms=LARGE)

    assert get(desk, coordinator, f"/contracts/{contract['id']}/rounds/1").json == round_1


def test_rounds_are_listed_oldest_first(desk, coordinator):
    contract = countered(desk, coordinator)

    rounds = get(desk, coordinator, f"/contracts/{contract['id']}/rounds").json

    assert [(r["number"], r["proposed_by"]) for r in rounds] == [(1, "coop"), (2, "buyer")]
    assert rounds == contract["rounds"]


def test_a_round_is_given_by_its_number(desk, coordinator):
    contract = countered(desk, coordinator)

    response = get(desk, coordinator, f"/contracts/{contract['id']}/rounds/2")

    assert response.json == contract["rounds"][1]


def test_a_round_that_does_not_exist_is_not_found(desk, coordinator):
    contract = desk.contract(coordinator)

    response = get(desk, coordinator, f"/contracts/{contract['id']}/rounds/2")

    assert response.status_code == 404
    assert "no round 2" in response.json["detail"]


def test_a_round_with_bad_terms_is_refused_and_adds_no_round(desk, coordinator):
    contract = desk.contract(coordinator)

    response = add_round(desk, coordinator, contract, party="coop", new_terms=BAD_TERMS["a zero quantity"])

    assert response.status_code == 422
    assert desk.get(coordinator, contract) == contract


@pytest.mark.parametrize("body", [{"party": "agency"}, {"party": None}, {"comment": "x" * 2001}])
def test_a_round_with_a_bad_field_is_refused(desk, coordinator, body):
    contract = desk.contract(coordinator)

    response = desk.client.post(f"/contracts/{contract['id']}/rounds", json={"party": "coop", "terms": terms(),
                                **body}, headers={**coordinator.headers, "If-Match": f'"{contract["version"]}"'})

    assert response.status_code == 422
    assert set(response.json["errors"]) == set(body)


# Differences between rounds


def test_the_diff_between_two_rounds_lists_each_changed_field(desk, coordinator):
    contract = countered(desk, coordinator)

    response = get(desk, coordinator, f"/contracts/{contract['id']}/diff?from=1&to=2")

    assert response.json == {"from": 1, "to": 2, "changes": [
        {"field": "line_items[0].quantity", "change": "changed", "before": 500, "after": 600},
        {"field": "line_items[0].unit_price_pence", "change": "changed", "before": 250, "after": 225},
    ]}


def test_the_diff_can_go_backwards_and_across_several_rounds(desk, coordinator):
    contract = countered(desk, coordinator)
    more = terms(clauses=["Cards packed in tens.", "Returns within 14 days."])
    add_round(desk, coordinator, contract, party="coop", new_terms=more)

    changes = get(desk, coordinator, f"/contracts/{contract['id']}/diff?from=3&to=1").json["changes"]

    assert changes == [{"field": "clauses[1]", "change": "removed", "before": "Returns within 14 days.",
                        "after": None}]


def test_the_diff_of_a_round_with_itself_is_empty(desk, coordinator):
    contract = desk.contract(coordinator)

    assert get(desk, coordinator, f"/contracts/{contract['id']}/diff?from=1&to=1").json["changes"] == []


@pytest.mark.parametrize("query", ["from=1&to=3", "from=4&to=1"])
def test_a_diff_with_a_round_that_does_not_exist_is_not_found(desk, coordinator, query):
    contract = countered(desk, coordinator)

    response = get(desk, coordinator, f"/contracts/{contract['id']}/diff?{query}")

    assert response.status_code == 404
    assert "1 to 2" in response.json["detail"]


@pytest.mark.parametrize("query", ["from=0&to=1", "from=1&to=-2", "from=one&to=2", "from=1", ""])
def test_a_diff_with_a_malformed_round_number_is_refused(desk, coordinator, query):
    contract = desk.contract(coordinator)

    assert get(desk, coordinator, f"/contracts/{contract['id']}/diff?{query}").status_code == 422


# Moves


def test_the_buyer_cannot_counter_a_draft_they_have_not_seen(desk, coordinator):
    contract = desk.contract(coordinator)

    response = add_round(desk, coordinator, contract, party="buyer")

    assert response.status_code == 409
    assert "propose it" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


def test_proposing_a_draft_sends_it_to_the_buyer(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"comment": "Sent by email"})

    assert contract["state"] == "proposed"
    assert contract["actions"] == ["counter", "agree", "reject", "withdraw"]


def test_a_counter_offer_by_the_buyer_is_a_new_round_and_makes_it_countered(desk, coordinator):
    contract = countered(desk, coordinator)

    assert contract["state"] == "countered"
    assert [(r["number"], r["proposed_by"]) for r in contract["rounds"]] == [(1, "coop"), (2, "buyer")]


def test_counter_offers_go_on_for_any_number_of_rounds(desk, coordinator):
    contract = countered(desk, coordinator)
    for party in ("coop", "buyer", "coop"):
        contract = add_round(desk, coordinator, contract, party=party, new_terms=terms(payment_terms_days=14)).json

    assert contract["state"] == "countered"
    assert [r["proposed_by"] for r in contract["rounds"]] == ["coop", "buyer", "coop", "buyer", "coop"]


def test_the_buyer_agrees_to_the_coops_offer(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")

    contract = desk.moved(coordinator, contract, "agree", {"party": "buyer"})

    assert contract["state"] == "agreed"
    assert contract["actions"] == ["sign", "withdraw"]


def test_the_coop_agrees_to_the_buyers_counter_offer(desk, coordinator):
    contract = desk.moved(coordinator, countered(desk, coordinator), "agree", {"party": "coop"})

    assert contract["state"] == "agreed"
    assert contract["total_pence"] == 600 * 225


@pytest.mark.parametrize("party, make", [("coop", "proposed"), ("buyer", "countered")])
def test_a_party_cannot_agree_to_its_own_offer(desk, coordinator, party, make):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")
    if make == "countered":
        contract = add_round(desk, coordinator, contract).json

    response = desk.move(coordinator, contract, "agree", {"party": party})

    assert response.status_code == 409
    assert "only the" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


def test_agreeing_under_the_threshold_needs_no_approval(desk, coordinator):
    assert desk.agreed(coordinator)["approval"] == "not_needed"


def test_agreeing_over_the_threshold_waits_for_the_members_approval(desk, coordinator):
    contract = desk.agreed(coordinator, terms=LARGE)

    assert contract["approval"] == "pending"


def test_a_contract_waiting_for_approval_cannot_be_signed(desk, coordinator):
    contract = desk.agreed(coordinator, terms=LARGE)

    response = desk.move(coordinator, contract, "sign", {"buyer_signatory": "Sam Leaf"})

    assert response.status_code == 409
    assert "members have not yet approved" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


def test_an_agreed_contract_under_the_threshold_is_signed(desk, coordinator):
    contract = desk.moved(coordinator, desk.agreed(coordinator), "sign", {"buyer_signatory": " Sam Leaf "})

    assert (contract["state"], contract["buyer_signatory"]) == ("signed", "Sam Leaf")
    assert contract["actions"] == ["start"]


def test_signing_creates_the_milestones_of_the_agreed_terms(desk, coordinator):
    agreed_terms = terms(milestones=[{"title": "Samples", "due_on": "2027-01-08"},
                                     {"title": "All cards", "due_on": "2027-02-01"}])
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")
    contract = add_round(desk, coordinator, contract, new_terms=agreed_terms).json
    contract = desk.moved(coordinator, contract, "agree", {"party": "coop"})

    contract = desk.moved(coordinator, contract, "sign", {"buyer_signatory": "Sam Leaf"})

    assert [(m["number"], m["title"], m["due_on"], m["done_at"]) for m in contract["milestones"]] == [
        (1, "Samples", "2027-01-08", None), (2, "All cards", "2027-02-01", None)]


@pytest.mark.parametrize("body", [{}, {"buyer_signatory": "  "}])
def test_a_contract_is_not_signed_without_the_buyers_signatory(desk, coordinator, body):
    contract = desk.agreed(coordinator)

    response = desk.move(coordinator, contract, "sign", body)

    assert response.status_code == 422
    assert "buyer_signatory" in response.json["errors"]
    assert desk.get(coordinator, contract) == contract


@pytest.mark.parametrize("party, who", [("buyer", "buyer"), ("coop", "co-op")])
@pytest.mark.parametrize("make", ["proposed", "countered"])
def test_either_side_can_reject_an_open_offer(desk, coordinator, party, who, make):
    contract = countered(desk, coordinator) if make == "countered" else desk.moved(
        coordinator, desk.contract(coordinator), "propose")

    contract = desk.moved(coordinator, contract, "reject", {"party": party, "reason": "Too dear"})

    assert contract["state"] == "rejected"
    assert contract["closing_reason"] == f"Rejected by the {who}: Too dear"
    assert contract["actions"] == []


@pytest.mark.parametrize("make", ["draft", "proposed", "countered", "agreed"])
def test_the_coop_withdraws_from_a_contract_not_yet_signed(desk, coordinator, make):
    contract = make_contract(desk, coordinator, make)

    contract = desk.moved(coordinator, contract, "withdraw", {"reason": "The members cannot take it on"})

    assert (contract["state"], contract["closing_reason"]) == ("withdrawn", "The members cannot take it on")


def make_contract(desk, by, state: str) -> dict:
    """A contract brought to a state by legal moves."""
    if state == "draft":
        return desk.contract(by)
    if state == "proposed":
        return desk.moved(by, desk.contract(by), "propose")
    if state == "countered":
        return countered(desk, by)
    if state == "agreed":
        return desk.agreed(by)
    if state == "pending approval":
        return desk.agreed(by, terms=LARGE)
    if state == "signed":
        return desk.signed(by)
    if state == "rejected":
        return desk.moved(by, make_contract(desk, by, "proposed"), "reject", {"party": "buyer", "reason": "No"})
    if state == "withdrawn":
        return desk.moved(by, desk.contract(by), "withdraw", {"reason": "Not for us"})
    raise AssertionError(state)


ILLEGAL = [
    ("draft", "agree", {"party": "buyer"}),
    ("draft", "sign", {"buyer_signatory": "Sam Leaf"}),
    ("draft", "reject", {"party": "buyer", "reason": "No"}),
    ("proposed", "propose", {}),
    ("proposed", "sign", {"buyer_signatory": "Sam Leaf"}),
    ("countered", "propose", {}),
    ("agreed", "agree", {"party": "coop"}),
    ("agreed", "agree", {"party": "buyer"}),
    ("agreed", "reject", {"party": "buyer", "reason": "Changed our mind"}),
    ("agreed", "propose", {}),
    ("pending approval", "agree", {"party": "coop"}),
    ("signed", "withdraw", {"reason": "Too late"}),
    ("signed", "sign", {"buyer_signatory": "Sam Leaf"}),
    ("signed", "reject", {"party": "buyer", "reason": "No"}),
    ("rejected", "propose", {}),
    ("rejected", "agree", {"party": "coop"}),
    ("rejected", "withdraw", {"reason": "Tidy up"}),
    ("withdrawn", "sign", {"buyer_signatory": "Sam Leaf"}),
]


@pytest.mark.parametrize("state, action, body", ILLEGAL, ids=[f"{s}-{a}-{b.get('party', '')}" for s, a, b in ILLEGAL])
def test_an_illegal_move_is_refused_with_409_and_changes_nothing(desk, coordinator, state, action, body):
    contract = make_contract(desk, coordinator, state)
    events = published_with_types(desk)

    response = desk.move(coordinator, contract, action, body)

    assert response.status_code == 409, response.json
    assert f"that is {contract['state']} cannot be" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract
    assert published_with_types(desk) == events


@pytest.mark.parametrize("state", ["agreed", "signed", "rejected", "withdrawn"])
def test_new_terms_on_a_contract_no_longer_negotiated_are_refused(desk, coordinator, state):
    contract = make_contract(desk, coordinator, state)

    response = add_round(desk, coordinator, contract, party="coop")

    assert response.status_code == 409
    assert f"that is {state} cannot be countered" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


# Offers with a deadline


def test_an_offer_can_name_a_date_to_answer_by(desk, coordinator):
    respond_by = later(days=7)

    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": respond_by})

    assert dt.datetime.fromisoformat(contract["offer_expires_at"]) == dt.datetime.fromisoformat(respond_by)


def test_a_counter_offer_sets_its_own_deadline(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})
    respond_by = later(days=2)

    contract = add_round(desk, coordinator, contract, respond_by=respond_by).json

    assert dt.datetime.fromisoformat(contract["offer_expires_at"]) == dt.datetime.fromisoformat(respond_by)
    assert contract["rounds"][-1]["respond_by"] == contract["offer_expires_at"]


@pytest.mark.parametrize("when", [later(hours=-1), "2020-01-01T00:00:00+00:00"])
def test_an_answer_date_in_the_past_is_refused(desk, coordinator, when):
    contract = desk.contract(coordinator)

    response = desk.move(coordinator, contract, "propose", {"respond_by": when})

    assert response.status_code == 422
    assert "respond_by" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


def test_a_counter_offer_with_an_answer_date_in_the_past_is_refused(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")

    response = add_round(desk, coordinator, contract, respond_by=later(minutes=-5))

    assert response.status_code == 422
    assert desk.get(coordinator, contract) == contract


def test_an_answer_date_without_a_time_zone_is_refused(desk, coordinator):
    contract = desk.contract(coordinator)

    response = desk.move(coordinator, contract, "propose", {"respond_by": "2030-01-01T00:00:00"})

    assert response.status_code == 422


def lapse(desk, **delta) -> list[int]:
    """Run the job that closes overdue offers as if it were ``delta`` from now."""
    with desk.runtime.db.transaction() as session:
        return expire_lapsed_offers(session, now=dt.datetime.now(dt.UTC) + dt.timedelta(**delta))


def test_an_offer_not_answered_in_time_lapses(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})

    assert lapse(desk, days=8) == [contract["id"]]

    contract = desk.get(coordinator, contract)
    assert (contract["state"], contract["offer_expires_at"]) == ("expired", None)
    assert contract["closing_reason"] == "The offer lapsed without an answer."
    assert published_types(desk, contract_id=contract["id"])[-1] == "contract.expired"


def test_an_offer_does_not_lapse_before_its_deadline(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})

    assert lapse(desk, days=6) == []
    assert desk.get(coordinator, contract) == contract


def test_an_offer_without_a_deadline_never_lapses(desk, coordinator):
    desk.moved(coordinator, desk.contract(coordinator), "propose")

    assert lapse(desk, days=3650) == []


def test_a_counter_offer_without_a_deadline_lifts_the_earlier_one(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})
    contract = add_round(desk, coordinator, contract).json

    assert contract["offer_expires_at"] is None
    assert lapse(desk, days=8) == []


def test_an_agreed_offer_no_longer_lapses(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})
    contract = desk.moved(coordinator, contract, "agree", {"party": "buyer"})

    assert lapse(desk, days=8) == []
    assert desk.get(coordinator, contract)["state"] == "agreed"


def test_a_lapsed_offer_cannot_be_agreed(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=7)})
    lapse(desk, days=8)
    contract = desk.get(coordinator, contract)

    response = desk.move(coordinator, contract, "agree", {"party": "buyer"})

    assert response.status_code == 409
    assert "expired" in response.json["detail"]


# Versions: If-Match


def test_a_change_without_if_match_is_refused_with_428(desk, coordinator):
    contract = desk.contract(coordinator)

    response = desk.client.post(f"/contracts/{contract['id']}/propose", json={}, headers=coordinator.headers)

    assert response.status_code == 428
    assert "If-Match" in response.json["detail"]
    assert desk.get(coordinator, contract) == contract


@pytest.mark.parametrize("header", ["three", '"1", "2"', "*", '"-1"', ""])
def test_a_malformed_if_match_is_refused_with_400(desk, coordinator, header):
    contract = desk.contract(coordinator)

    response = desk.client.post(f"/contracts/{contract['id']}/propose", json={},
                                headers={**coordinator.headers, "If-Match": header})

    assert response.status_code == 400
    assert desk.get(coordinator, contract) == contract


def test_a_change_made_on_a_stale_version_is_refused_with_the_current_one(desk, coordinator):
    contract = desk.contract(coordinator)
    current = add_round(desk, coordinator, contract, party="coop").json

    response = desk.move(coordinator, contract, "propose")

    assert response.status_code == 409
    assert f"it is now version {current['version']}" in response.json["detail"]
    assert response.headers["ETag"] == f'"{current["version"]}"'
    assert desk.get(coordinator, contract) == current


def test_a_successful_change_answers_with_the_new_version_as_etag(desk, coordinator):
    contract = desk.contract(coordinator)

    response = desk.move(coordinator, contract, "propose")

    assert response.json["version"] > contract["version"]
    assert response.headers["ETag"] == f'"{response.json["version"]}"'


@pytest.mark.parametrize("header", ['W/"{v}"', "{v}"])
def test_a_weak_or_unquoted_if_match_is_understood(desk, coordinator, header):
    contract = desk.contract(coordinator)

    response = desk.client.post(f"/contracts/{contract['id']}/propose", json={},
                                headers={**coordinator.headers, "If-Match": header.format(v=contract["version"])})

    assert response.status_code == 200


def test_of_two_coordinators_editing_at_once_the_second_gets_409_and_the_first_round_stands(desk):
    first, second = desk.coordinator(), desk.coordinator()
    contract = desk.moved(first, desk.contract(first), "propose")
    both_read = desk.get(second, contract)

    assert add_round(desk, first, both_read, comment="First writer").status_code == 201
    response = add_round(desk, second, both_read, comment="Second writer", new_terms=LARGE)

    assert response.status_code == 409
    rounds = desk.get(first, contract)["rounds"]
    assert [(r["number"], r["comment"], r["entered_by"]) for r in rounds[1:]] == [
        (2, "First writer", first.account_id)]


def test_a_stale_writer_that_reloads_can_then_make_its_change(desk):
    first, second = desk.coordinator(), desk.coordinator()
    contract = desk.moved(first, desk.contract(first), "propose")
    add_round(desk, first, contract)

    response = add_round(desk, second, desk.get(second, contract), party="coop")

    assert response.status_code == 201
    assert len(response.json["rounds"]) == 3


def test_of_two_coordinators_countering_at_the_same_moment_one_wins_and_the_other_gets_409(desk):
    first, second = desk.coordinator(), desk.coordinator()
    contract = desk.moved(first, desk.contract(first), "propose")
    together = threading.Barrier(2)
    answers = {}

    def counter(who, comment, new_terms):
        together.wait()
        answers[comment] = add_round(desk, who, contract, comment=comment, new_terms=new_terms)

    writers = [threading.Thread(target=counter, args=(first, "First writer", COUNTER)),
               threading.Thread(target=counter, args=(second, "Second writer", LARGE))]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(30)

    statuses = sorted(response.status_code for response in answers.values())
    assert statuses == [201, 409], {comment: (r.status_code, r.json) for comment, r in answers.items()}
    [winner] = [comment for comment, response in answers.items() if response.status_code == 201]
    [loser] = [response for response in answers.values() if response.status_code == 409]
    assert loser.mimetype == "application/problem+json" and "changed" in loser.json["detail"]
    now = desk.get(first, contract)
    assert now["state"] == "countered" and now["version"] == answers[winner].json["version"]
    assert [(r["number"], r["comment"]) for r in now["rounds"][1:]] == [(2, winner)]
    assert [(h["from_state"], h["to_state"]) for h in now["history"]].count(("proposed", "countered")) == 1
    assert published_types(desk, contract_id=contract["id"]).count("contract.countered") == 1


# Events and history


def test_each_move_publishes_its_event(desk, coordinator):
    contract = countered(desk, coordinator)
    contract = desk.moved(coordinator, contract, "agree", {"party": "coop"})
    desk.moved(coordinator, contract, "sign", {"buyer_signatory": "Sam Leaf"})

    assert published_types(desk, contract_id=contract["id"]) == [
        "contract.proposed", "contract.countered", "contract.agreed", "contract.signed"]


@pytest.mark.parametrize("state, event", [("rejected", "contract.rejected"), ("withdrawn", "contract.withdrawn")])
def test_closing_a_contract_publishes_its_event_with_the_reason(desk, coordinator, state, event):
    contract = make_contract(desk, coordinator, state)

    kind, data = published_with_types(desk, contract_id=contract["id"])[-1]

    assert (kind, data["state"], data["reason"]) == (event, state, contract["closing_reason"])


def test_drafts_publish_nothing(desk, coordinator):
    contract = desk.contract(coordinator)
    add_round(desk, coordinator, contract, party="coop")

    assert published_with_types(desk) == []


def test_an_event_says_what_the_contract_is_worth_and_its_round(desk, coordinator):
    contract = countered(desk, coordinator)

    _, data = published_with_types(desk, contract_id=contract["id"])[-1]

    assert {key: data[key] for key in ("reference", "state", "total_pence", "currency", "round_number")} == {
        "reference": contract["reference"], "state": "countered", "total_pence": 135_000, "currency": "GBP",
        "round_number": 2}


def test_the_agreed_event_says_whether_the_members_must_approve(desk, coordinator):
    small, large = desk.agreed(coordinator), desk.agreed(coordinator, terms=LARGE)

    agreed = {data["contract_id"]: data for kind, data in published_with_types(desk) if kind == "contract.agreed"}

    assert agreed[small["id"]]["needs_approval"] is False
    assert agreed[large["id"]]["needs_approval"] is True
    threshold = desk.runtime.collaborators.settings.contract_approval_threshold_pence
    assert agreed[large["id"]]["approval_threshold_pence"] == threshold


def test_events_carry_no_detailed_terms(desk, coordinator):
    contract = countered(desk, coordinator)
    desk.moved(coordinator, contract, "agree", {"party": "coop"})

    text = json.dumps([data for _, data in published_with_types(desk)])

    for detail in ("line_items", "clauses", "milestones", "unit_price_pence", "Hand-made Christmas cards",
                   "Cards packed in tens.", "payment_terms_days"):
        assert detail not in text


def test_the_history_lists_each_change_of_state(desk, coordinator):
    contract = desk.signed(coordinator)

    history = desk.get(coordinator, contract)["history"]

    assert [(h["from_state"], h["to_state"], h["by"]) for h in history] == [
        (None, "draft", coordinator.account_id), ("draft", "proposed", coordinator.account_id),
        ("proposed", "agreed", coordinator.account_id), ("agreed", "signed", coordinator.account_id)]


def test_the_history_notes_why_a_contract_closed(desk, coordinator):
    contract = make_contract(desk, coordinator, "withdrawn")

    assert contract["history"][-1]["note"] == "Not for us"


def test_an_expiry_is_in_the_history_as_made_by_no_one(desk, coordinator):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose", {"respond_by": later(days=1)})
    lapse(desk, days=2)

    last = desk.get(coordinator, contract)["history"][-1]

    assert (last["from_state"], last["to_state"], last["by"]) == ("proposed", "expired", None)
