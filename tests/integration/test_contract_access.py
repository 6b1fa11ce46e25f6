"""Who may call what in the contracts API, checked for every operation its document lists."""

import pytest

from shared.auth import ROLES
from tests.support.access import call, operations


def test_every_operation_needs_a_token(desk):
    refused = {(method, path): call(desk.client, method, path).status_code
               for method, path, _roles in operations(desk.client)}
    assert refused and set(refused.values()) == {401}, refused


@pytest.mark.parametrize("role", [role for role in ROLES if role != "coordinator"])
def test_callers_without_an_allowed_role_are_refused(desk, role):
    caller = desk.signed_in(8000, (role,))
    wrong = {}
    for method, path, roles in operations(desk.client):
        if roles is not None and role not in roles:
            status = call(desk.client, method, path, caller.headers).status_code
            if status != 403:
                wrong[(method, path)] = status
    assert wrong == {}


def test_negotiation_endpoints_are_for_coordinators_only(desk):
    coordinator_only = [path for _method, path, roles in operations(desk.client) if roles == ("coordinator",)]
    assert "/contracts" in coordinator_only and "/contracts/1/agree" in coordinator_only
    assert "/buyers" in coordinator_only and "/invoices" in coordinator_only
