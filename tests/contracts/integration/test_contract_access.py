"""Who may negotiate contracts: coordinators only, as the contracts API document says.

That every operation answers as its document says (401 without a valid token, 403 without an allowed
role) is checked for every service in test_access_matrix.py; this holds the rule the document must say.
"""

from tests.support.access import operations


def test_negotiation_endpoints_are_for_coordinators_only(desk):
    coordinator_only = [path for _method, path, roles in operations(desk.client) if roles == ("coordinator",)]
    assert "/contracts" in coordinator_only and "/contracts/1/agree" in coordinator_only
    assert "/buyers" in coordinator_only and "/invoices" in coordinator_only
