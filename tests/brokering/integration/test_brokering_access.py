"""Who may call what in the brokering API, beyond what its document says.

That every operation answers as its document says (401 without a valid token, 403 without an allowed
role) is checked for every service in test_access_matrix.py; this holds the rule the document must say.
"""

from tests.support.access import operations


def test_the_calculator_is_open_to_anyone_and_keeps_nothing(agency):
    assert ("post", "/disclosure-calculator", None) not in operations(agency.client)  # not secured at all
