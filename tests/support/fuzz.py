"""Fuzzing every service's API document with schemathesis: the operations, the callers and the run.

The tests are made when pytest collects them, one for each (service, operation, role), so the list of
operations comes from the API documents then: ``documents()`` builds each app once on a throwaway
SQLite folder for that. The fuzzing itself runs against the apps of the fixtures (tests/fuzz/conftest.py),
on the backend of the run, and loads each schema from the live app's ``/openapi.json``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import os
import re
import tempfile
from pathlib import Path

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth import ROLES

# The service, its app's module and the fixture (tests/fuzz/conftest.py) that runs it.
SERVICES = {"members": "coop", "contracts": "desk", "marketplace": "market", "brokering": "agency",
            "notifications": "notices"}
METHODS = ("get", "post", "put", "patch", "delete")
# No token at all, as well as one for each role: every secured operation must say 401, as documented.
ANONYMOUS = "anonymous"
CALLERS = (*ROLES, ANONYMOUS)
# Examples run and (operation, caller) tests passed in this process, for the summary at the end.
TOTALS = {"examples": 0, "tests": 0}

# What each response is checked for: never a 5xx, and each as documented (a status code the operation
# names, its content type, its headers and its body's schema).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]

# Examples per (operation, caller): enough to reach the rules for the callers an operation is for, one
# for those it refuses (their answer is a 401 or 403 before anything is read) and for the signed-in
# callers of an open operation (the token changes nothing there), so that the whole suite (the positive
# run below included) takes about a minute of CPU per backend. COOP_FUZZ_EXAMPLES=50 fuzzes harder, and
# COOP_FUZZ_POSITIVE_EXAMPLES=50 tries harder to find a valid request refused, for a search by hand.
# derandomize: the same examples every run.
EXAMPLES_ALLOWED = int(os.environ.get("COOP_FUZZ_EXAMPLES", "3"))
EXAMPLES_OTHERS = 1
SETTINGS = hypothesis.settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


@dataclasses.dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    roles: tuple[str, ...] | None  # the roles it allows; None: any signed-in account
    secured: bool
    path_ids: tuple[str, ...]  # its integer path parameters, to aim some examples at seeded rows

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def allows(self, caller: str) -> bool:
        if not self.secured:
            return True
        if caller == ANONYMOUS:
            return False
        return self.roles is None or caller in self.roles

    def examples_for(self, caller: str) -> int:
        """How many examples to run as this caller: the full count where the rules are reached."""
        reached = caller == ANONYMOUS if not self.secured else self.allows(caller)
        return EXAMPLES_ALLOWED if reached else EXAMPLES_OTHERS


@functools.cache
def documents() -> dict[str, dict]:
    """Each service's API document, from an app built on a throwaway embedded backend."""
    from shared.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="coop-fuzz-docs-"))
    settings = Settings(broker_url="memory://", data_dir=folder, jwt_private_key_file=folder / "jwt-private.pem",
                        log_json=False)
    found = {}
    for service in SERVICES:
        module = importlib.import_module(f"services.{service}.app")
        runtime = module.build_runtime(settings)
        try:
            app = module.create_app(settings, runtime=runtime, start_relay=False)
            found[service] = app.test_client().get("/openapi.json").json
        finally:
            runtime.stop()
    return found


def operations(document: dict, service: str) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        shared_parameters = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = shared_parameters + operation.get("parameters", [])
            path_ids = tuple(parameter["name"] for parameter in parameters
                             if parameter["in"] == "path" and parameter["schema"].get("type") == "integer")
            allowed = re.search(r"Allowed for: (.+?)\.", operation.get("description", "") + " ")
            roles = None
            if allowed and allowed.group(1) != "any signed-in account":
                roles = tuple(role.strip() for role in allowed.group(1).split(","))
            found.append(Operation(service, method, path, roles, bool(operation.get("security")), path_ids))
    return found


def cases():
    """(operation, caller) for every operation of every service and every caller, named for the test id."""
    import pytest

    params = []
    for service, document in documents().items():
        for operation in operations(document, service):
            for caller in CALLERS:
                params.append(pytest.param(operation, caller, id=f"{service}:{operation.label}:{caller}"))
    return params


# Dates are drawn mostly from the years the APIs take (documented as a pattern of years, which a random
# date from 0001 to 9999 rarely matches: Hypothesis would throw away most examples), and sometimes from any.
schemathesis.openapi.format("date", st.one_of(
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)), st.dates()).map(dt.date.isoformat))

# The positive-data run: requests the document says are valid, sent by the callers the operation is for,
# must not be refused as malformed. A generated client makes only such requests: if the server refuses
# one, the document did not say what the server accepts.
POSITIVE_SERVICES = ("members", "contracts", "marketplace", "brokering", "notifications")
POSITIVE_EXAMPLES = int(os.environ.get("COOP_FUZZ_POSITIVE_EXAMPLES", "6"))
# "The request is malformed": never the answer to a schema-valid request.
REFUSALS = frozenset({400, 415, 422})
# Every other 4xx is a fact about the data or the caller, not the request's form, and is allowed:
# 401/403 (the caller's token or role; ownership), 404 (an id that names nothing), 409 (the state does
# not allow it now, or a duplicate), 402 (the card was declined), 428 (If-Match missing: not in positive
# data, as the header is required), 429 (a rate limit).
# Rules a JSON Schema cannot state, by operation: they compare two fields (an end and its start, the
# fields a kind of listing needs), a field with today or with what is stored, or read a file's content.
# A refusal is allowed when its problem names the rule.
BUSINESS_RULES: dict[tuple[str, str], re.Pattern] = {key: re.compile(pattern) for key, pattern in {
    ("marketplace", "POST /shop/listings"): r"A service needs its duration|Goods have stock, not a duration|"
                                            r"A service has slots, not stock|stock of each variant, or one|"
                                            r"variant needs its own name|member discount|in the future",
    ("marketplace", "PATCH /shop/listings/{listing_id}"): r"Goods have stock, not a duration|A service needs its "
                                                          r"duration|member discount",
    ("marketplace", "POST /shop/listings/{listing_id}/slots"): r"in the future|Goods have stock",
    ("marketplace", "POST /shop/listings/{listing_id}/images"): r"Only JPEG, PNG and WebP|could not be read as|"
                                                                r"is declared as|image is empty|at most",
    ("marketplace", "POST /payouts"): r"end on or after its start|must end before today",
    ("marketplace", "GET /sellers/{seller_id}/statement"): r"end on or after its start",
    # Each kind named must be a kind there is, not an essential one, and "digest" only for a chatty kind.
    ("notifications", "PATCH /preferences"): r"Nothing was changed",
    ("brokering", "GET /outcomes"): r"end cannot be before the start",
    ("brokering", "POST /vacancies"): r"closing date has passed|below the National Minimum Wage|exempt from the "
                                      r"Rehabilitation of Offenders Act",
    ("brokering", "PATCH /vacancies/{vacancy_id}"): r"closing date has passed|below the National Minimum Wage|"
                                                    r"exempt from the Rehabilitation of Offenders Act",
    ("brokering", "POST /disclosure-calculator"): r"Give the length of the custodial sentence|Give the date the "
                                                  r"sentence|cannot end before the conviction|in the future",
    ("brokering", "POST /placements/{placement_id}/end"): r"cannot end before it starts",
    # The password rules (NIST SP 800-63B: not a common or guessable password), the proposal's own options,
    # a closing time in the future and within a year, a proxy who is an active member.
    ("members", "POST /accounts"): r"password",
    ("members", "POST /accounts/me/password"): r"password",
    # A reset token is a signed link from an email: any other string is refused as not a valid link.
    ("members", "POST /accounts/password-reset/confirm"): r"This link is not valid|password",
    ("members", "POST /proposals"): r"in the future|open for at most",
    ("members", "POST /proposals/{proposal_id}/votes"): r"Choose one of",
    ("members", "POST /proposals/{proposal_id}/proxies"): r"must be an active member",
    # A body naming a buyer, member or line that does not exist (the 404 of a body); an end before a start,
    # milestones outside the contract's dates, lines that add up to more than a contract may be worth.
    ("contracts", "POST /contracts"): r"There is no buyer|end date cannot be before the start|"
                                      r"milestone must fall between|terms add up to more than",
    ("contracts", "POST /contracts/{contract_id}/rounds"): r"end date cannot be before the start|"
                                                           r"milestone must fall between|terms add up to more than",
    ("contracts", "POST /contracts/{contract_id}/allocations"): r"there is no line|There is no member business",
    ("contracts", "POST /allocations/{allocation_id}/reallocate"): r"There is no member business",
}.items()}
# An operation's "any signed-in account" is tried as each of these.
SIGNED_IN = ("customer", "member", "employer", "coordinator")


def positive_callers(operation: Operation) -> tuple[str, ...]:
    """The callers an operation is for: its roles, every kind of account, or no one signed in."""
    if not operation.secured:
        return (ANONYMOUS,)
    return operation.roles or SIGNED_IN


def positive_cases():
    """(operation, caller) for every operation of the positive run's services and each caller it is for."""
    import pytest

    return [pytest.param(operation, caller, id=f"{service}:{operation.label}:{caller}")
            for service in POSITIVE_SERVICES for operation in operations(documents()[service], service)
            for caller in positive_callers(operation)]


def accepted_if_schema_valid(operation: Operation):
    """A check that fails when a request generated as valid is refused as malformed (400, 415, 422)."""
    rule = BUSINESS_RULES.get((operation.service, operation.label))

    def check(_ctx, response, case):
        if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code not in REFUSALS:
            return None
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        if rule is not None and rule.search(f"{problem.get('detail')} {problem.get('errors')}"):
            return None
        raise AssertionError(f"{operation.service} {operation.label}: a schema-valid request was refused with "
                             f"{response.status_code}: "
                             f"{problem.get('detail')} {problem.get('errors') or ''}")

    return check


@dataclasses.dataclass
class Target:
    """A service under test, seeded, with its live schema and a bearer header for each caller."""

    service: str
    app: object
    schema: schemathesis.BaseSchema
    headers: dict[str, dict[str, str]]
    # For the positive run: no NUL in any string, as each document's description says (TEXT_RULE);
    # lone surrogates cannot be sent at all in UTF-8, the default codec.
    valid_schema: schemathesis.BaseSchema


def target(service: str, app, headers: dict[str, dict[str, str]]) -> Target:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    valid_schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    valid_schema.config.generation.update(allow_x00=False)
    return Target(service, app, schema, {**headers, ANONYMOUS: {}}, valid_schema)


def fuzz(target: Target, operation: Operation, caller: str) -> int:
    """Run the examples of one operation as one caller; fail on the first 5xx or undocumented response."""
    api_operation = target.schema[operation.path][operation.method.upper()]
    strategies = [api_operation.as_strategy()]
    if operation.path_ids:
        # Most random ids name nothing (404); these examples name the rows the fixtures seeded (id 1).
        strategies.append(api_operation.as_strategy(path_parameters={name: 1 for name in operation.path_ids}))
    # And requests that break the document (wrong types, missing fields): a 4xx, never a 5xx.
    strategies.append(api_operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))
    strategy = st.one_of(strategies)
    examples = operation.examples_for(caller)
    headers = target.headers[caller]
    ran = 0

    @hypothesis.settings(SETTINGS, max_examples=examples)
    @given(case=strategy)
    def run(case):
        nonlocal ran
        ran += 1
        if caller == ANONYMOUS:
            # Schemathesis may make up an Authorization header for a secured operation; anonymous sends none.
            (case.headers or {}).pop("Authorization", None)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
    TOTALS["examples"] += ran
    TOTALS["tests"] += 1
    return ran


def positive(target: Target, operation: Operation, caller: str) -> int:
    """Run schema-valid examples of one operation as one caller it is for; fail on a refusal as malformed."""
    api_operation = target.valid_schema[operation.path][operation.method.upper()]
    strategies = [api_operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE)]
    if operation.path_ids:
        strategies.append(api_operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE,
                                                    path_parameters={name: 1 for name in operation.path_ids}))
    headers = target.headers[caller]
    checks = [not_a_server_error, accepted_if_schema_valid(operation)]
    ran = 0

    @hypothesis.settings(SETTINGS, max_examples=POSITIVE_EXAMPLES)
    @given(case=st.one_of(strategies))
    def run(case):
        nonlocal ran
        ran += 1
        if caller == ANONYMOUS:
            (case.headers or {}).pop("Authorization", None)
        case.call_and_validate(headers=headers, checks=checks)

    run()
    TOTALS["examples"] += ran
    TOTALS["tests"] += 1
    return ran
