"""Who may call what: every operation of every service's API document, called by every kind of caller.

The document is the contract. An operation whose description says "Allowed for: ..." answers 401 to a
caller without a valid token (none, expired, signed with another key, for another audience or issuer,
unsigned) and 403 to a signed-in caller without one of the roles it lists; a caller with an allowed
role is let in (its answer may be 404, 409 or 422: the ids are made up and the body is empty, but it is
never 401 or 403). A public operation answers without a token, and no token breaks it. Every 401 and
403 is a problem+json body. Nothing, for anyone, is a 5xx.

One test per (service, caller) calls every operation and collects what is wrong, keyed
service-METHOD-path-caller, so that one run shows every mismatch at once.

Business rules about who sees what (a member sees only their own orders, only the buyer pays) stay in
the tests of each service: here every id is made up, so only the door is tested, not the room.
"""

from __future__ import annotations

import pytest

from shared.auth import ROLES
from shared.http import PROBLEM_JSON
from tests.support import access

# Each service, by the fixture that runs it (tests/conftest.py).
SERVICES = {"members": "coop", "contracts": "desk", "marketplace": "market", "brokering": "agency",
            "notifications": "notices"}

# What is open to anyone. Written down here, not read from the document: an operation that lost its
# @requires would otherwise be read as public and pass.
PUBLIC = {
    # Refreshing and revoking take the refresh token itself, not a bearer token.
    "members": {"GET /healthz", "GET /readyz", "POST /accounts", "POST /accounts/password-reset",
                "POST /accounts/password-reset/confirm", "POST /tokens", "POST /tokens/refresh",
                "POST /tokens/revoke", "GET /.well-known/jwks.json"},
    "contracts": {"GET /healthz", "GET /readyz"},
    "marketplace": {"GET /healthz", "GET /readyz", "GET /listings", "GET /listings/{listing_id}",
                    "GET /sellers/{member_id}", "GET /images/{name}"},
    "brokering": {"GET /healthz", "GET /readyz", "POST /disclosure-calculator"},
    "notifications": {"GET /healthz", "GET /readyz"},
}

TITLES = {401: "Unauthorized", 403: "Forbidden"}


def running(request, service):
    return request.getfixturevalue(SERVICES[service])


def known_member(service, under_test, kind) -> dict[str, str] | None:
    """A member business of this kind as the service knows it; brokering knows only members seeking work."""
    if service == "brokering":
        return under_test.job_seeker().headers if kind == "producer" else None
    return under_test.member(kind=kind).headers


def what_is_wrong(operation: access.Operation, caller: access.Caller, response) -> str | None:
    """Say how the answer differs from what the document promises this caller, or None if it does not."""
    status = response.status_code
    if status >= 500:
        return f"{status}: a server error"
    if not operation.secured:
        if caller.roles is None and caller.name != "no-token":
            return None  # a bad token on a public operation: anything but a server error
        return f"{status}: a public operation refused" if status in (401, 403) else None
    if caller.roles is not None and operation.allows(caller.roles):
        return f"{status}: an allowed caller refused" if status in (401, 403) else None
    expected = 401 if caller.roles is None else 403
    if status != expected:
        return f"{status}, expected {expected}"
    body = response.get_json(silent=True) or {}
    if response.mimetype != PROBLEM_JSON:
        return f"{status} as {response.mimetype}, not {PROBLEM_JSON}"
    if (body.get("type"), body.get("title"), body.get("status")) != ("about:blank", TITLES[status], status) \
            or not body.get("detail"):
        return f"{status} with a body not in the problem format: {body}"
    challenge = response.headers.get("WWW-Authenticate") or ""
    if status == 401 and not challenge.startswith("Bearer "):
        return f"401 without a Bearer challenge in WWW-Authenticate (RFC 6750): {challenge!r}"
    return None


@pytest.mark.parametrize(("service", "caller_name"),
                         [(service, name) for service in SERVICES for name in access.CALLERS],
                         ids=[f"{service}-{name}" for service in SERVICES for name in access.CALLERS])
def test_every_operation_answers_each_caller_as_its_document_says(request, service, caller_name):
    under_test = running(request, service)
    caller = access.caller(caller_name, under_test.issuer, lambda kind: known_member(service, under_test, kind))
    operations = access.document_operations(under_test.client)
    wrong = {}
    for operation in operations:
        response = access.call(under_test.client, operation.method, operation.path, caller.headers)
        problem = what_is_wrong(operation, caller, response)
        if problem:
            wrong[f"{service}-{operation.method.upper()}-{operation.template}-{caller.name}"] = problem
    assert operations and wrong == {}


@pytest.mark.parametrize("service", SERVICES)
def test_the_matrix_covers_every_operation_and_each_says_who_may_call_it(request, service):
    under_test = running(request, service)
    operations = access.document_operations(under_test.client)
    names = [operation.name for operation in operations]
    assert len(operations) > 0
    assert len(names) == len(set(names)), "an operation is listed twice"
    # The document leaves out nothing the API blueprints serve, and lists nothing they do not.
    assert {(operation.method, operation.template) for operation in operations} == access.api_routes(under_test.app)
    assert {operation.name for operation in operations if not operation.secured} == PUBLIC[service]
    wrong = {}
    for operation in operations:
        if not operation.secured:
            if operation.allowed_lines:
                wrong[operation.name] = f"public, yet says Allowed for: {operation.allowed_lines}"
            continue
        if len(operation.allowed_lines) != 1:
            wrong[operation.name] = f"secured, with Allowed for lines {operation.allowed_lines}"
        elif operation.roles is not None and not set(operation.roles) <= set(ROLES):
            wrong[operation.name] = f"allows roles that do not exist: {operation.roles}"
        elif "401" not in operation.responses or (operation.roles is not None and "403" not in operation.responses):
            wrong[operation.name] = f"does not document its refusals: {operation.responses}"
    assert wrong == {}
