"""Who may call what in the brokering API, checked for every operation its document lists."""

import pytest

from shared.auth import ROLES
from tests.support.access import call, operations


def test_every_operation_needs_a_token(agency):
    refused = {(method, path): call(agency.client, method, path).status_code
               for method, path, _roles in operations(agency.client)}
    assert refused and set(refused.values()) == {401}, refused


@pytest.mark.parametrize("role", [role for role in ROLES if role != "coordinator"])
def test_callers_without_an_allowed_role_are_refused(agency, role):
    caller = agency.signed_in(8000, (role,))
    wrong = {}
    for method, path, roles in operations(agency.client):
        if roles is not None and role not in roles:
            status = call(agency.client, method, path, caller.headers).status_code
            if status != 403:
                wrong[(method, path)] = status
    assert wrong == {}


def test_the_calculator_is_open_to_anyone_and_keeps_nothing(agency):
    assert ("post", "/disclosure-calculator", None) not in operations(agency.client)  # not secured at all
