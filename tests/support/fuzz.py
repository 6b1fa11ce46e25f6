"""Fuzzing every service's API document with schemathesis: the operations, the callers and the run.

The tests are made when pytest collects them, one for each (service, operation, role), so the list of
operations comes from the API documents then: ``documents()`` builds each app once on a throwaway
SQLite folder for that. The fuzzing itself runs against the apps of the fixtures (tests/fuzz/conftest.py),
on the backend of the run, and loads each schema from the live app's ``/openapi.json``.
"""

from __future__ import annotations

import dataclasses
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
SERVICES = {"members": "coop", "contracts": "desk", "marketplace": "market", "brokering": "agency"}
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
# callers of an open operation (the token changes nothing there), so that the whole suite stays well under
# two minutes per backend on two cores. COOP_FUZZ_EXAMPLES=50 fuzzes harder, for a search by hand.
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


@dataclasses.dataclass
class Target:
    """A service under test, seeded, with its live schema and a bearer header for each caller."""

    service: str
    app: object
    schema: schemathesis.BaseSchema
    headers: dict[str, dict[str, str]]


def target(service: str, app, headers: dict[str, dict[str, str]]) -> Target:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    return Target(service, app, schema, {**headers, ANONYMOUS: {}})


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
