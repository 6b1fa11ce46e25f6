"""The API documents say what their servers accept, so that a client generated from one is not refused.

Schemathesis's positive-data run (tests/fuzz/test_api_positive.py) is the broad check; these are the
particular cases the review found, each tried directly.
"""

from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError

from shared.api_document import digits_between
from shared.http import BLANK, NOT_BLANK
from tests.support.cards import expiry_year

SERVICES = ("coop", "market", "desk", "agency", "notices")


def document(service) -> dict:
    return service.client.get("/openapi.json").json


def header(operation: dict, name: str) -> dict:
    [found] = [parameter for parameter in operation.get("parameters", [])
               if parameter["in"] == "header" and parameter["name"] == name]
    return found


def resolved(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize("path", ["/orders/{order_id}/payment", "/orders/{order_id}/refund"])
def test_the_idempotency_key_the_server_requires_is_documented_as_required(market, path):
    assert header(document(market)["paths"][path]["post"], "Idempotency-Key")["required"] is True


def test_a_payment_without_an_idempotency_key_is_refused_as_the_document_says(market):
    customer = market.customer()
    response = market.client.post("/orders/1/payment", headers=customer.headers, json={"card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": expiry_year(), "cvc": "123", "holder_name": "Cass"}})
    assert response.status_code == 422
    assert "Idempotency-Key" in str(response.json["errors"])


def test_if_match_is_documented_with_the_form_of_a_version(desk):
    paths = document(desk)["paths"]
    documented = [header(operation, "If-Match")["schema"] for item in paths.values() for operation in item.values()
                  if isinstance(operation, dict)
                  and any(p.get("name") == "If-Match" for p in operation.get("parameters", []))]
    assert documented
    for schema in documented:
        pattern = re.compile(schema["pattern"])
        assert pattern.search('"3"') and pattern.search("3") and not pattern.search("three")


@pytest.mark.parametrize("fixture", ["market", "agency"])
def test_every_date_a_request_takes_with_a_range_says_its_years(request, fixture):
    spec = document(request.getfixturevalue(fixture))
    in_bodies = [(name, field) for schema in spec["components"]["schemas"].values()
                 for name, field in schema.get("properties", {}).items()]
    in_queries = [(parameter["name"], parameter["schema"]) for item in spec["paths"].values()
                  for operation in item.values() if isinstance(operation, dict)
                  for parameter in operation.get("parameters", []) if parameter["in"] == "query"]
    ranged = [(name, field) for name, field in in_bodies + in_queries
              if field.get("format") == "date" and "x-maximum" in field]
    assert any(pair in ranged for pair in in_queries)  # the query's dates (a period) as well as the bodies'
    for name, field in ranged:
        pattern = re.compile(field["pattern"])
        assert pattern.match(field["x-minimum"]) and pattern.match(field["x-maximum"]), name
        assert not pattern.match("9999-12-31") and not pattern.match("0001-01-01"), name


def test_a_vacancy_move_documents_what_it_needs(agency):
    spec = document(agency)
    body = {stage: resolved(spec, spec["paths"][f"/applications/{{application_id}}/{stage}"]["post"]["requestBody"]
                            ["content"]["application/json"]["schema"]) for stage in ("accepted", "rejected")}
    assert "start_on" in body["accepted"]["required"]
    assert "reason" in body["rejected"]["required"] and body["rejected"]["properties"]["reason"]["minLength"] == 1


def test_a_payout_period_documents_the_days_of_the_books(market):
    spec = document(market)
    schema = resolved(spec, spec["paths"]["/payouts"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    pattern = re.compile(schema["properties"]["start"]["pattern"])
    assert pattern.match("2026-01-01") and not pattern.match("1999-12-31") and not pattern.match("2101-01-01")


def test_a_listing_image_reference_is_documented_with_its_form(market):
    spec = document(market)
    pattern = re.compile(spec["components"]["schemas"]["ListingCreate"]["properties"]["images"]["items"]["pattern"])
    assert pattern.match("https://example.org/robin.jpg") and pattern.match(f"images/{'a' * 32}.png")
    assert not pattern.match("") and not pattern.match("robin.jpg")


@pytest.mark.parametrize(("low", "high"), [(1900, 2200), (2000, 2100), (1, 9999), (1999, 2031), (2026, 2026)])
def test_the_years_pattern_matches_exactly_the_years_in_its_range(low, high):
    pattern = re.compile("^(" + "|".join(digits_between(f"{low:04}", f"{high:04}")) + ")$")
    assert [year for year in range(10_000) if pattern.match(f"{year:04}")] == list(range(low, high + 1))


@pytest.mark.parametrize("fixture", SERVICES)
def test_each_document_says_no_text_may_hold_a_nul(request, fixture):
    assert "NUL" in document(request.getfixturevalue(fixture))["info"]["description"]


def test_blank_means_what_the_server_strips_and_what_the_documents_regular_expressions_call_space():
    # ECMAScript's \s (the document's) also has U+FEFF; Python's has U+001C to U+001F and U+0085.
    ecmascript_space = {*"\t\n\v\f\r \xa0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff", *map(chr, range(0x2000, 0x200B))}
    stripped = {character for character in map(chr, range(0x10000)) if not character.strip()}
    assert {character for character in map(chr, range(0x10000)) if re.fullmatch(BLANK, character)} == (
        stripped | ecmascript_space)


def test_a_name_of_only_characters_the_server_strips_is_refused_as_blank():
    for name in (" ", "\x1c\x1d", "\x85", "\u3000", "\ufeff "):
        with pytest.raises(ValidationError):
            NOT_BLANK(name)
    assert NOT_BLANK(" Jo ") == " Jo "
