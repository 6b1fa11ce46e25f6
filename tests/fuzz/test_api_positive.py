"""Requests the API documents say are valid are not refused as malformed (schemathesis's positive data).

Each test is one (service, operation, caller it is for): schemathesis makes requests that fit the
operation's documented parameters, headers and body, and sends them with that caller's token. None may be
answered 400, 415 or 422 unless its problem names a rule the document cannot express (tests/support/fuzz.py
BUSINESS_RULES); any other 4xx is about the data or the caller (an id that names nothing, a state that
does not allow it), and allowed. A client generated from the document sends only such requests.
"""

from __future__ import annotations

import pytest

from tests.support import fuzz


@pytest.mark.parametrize(("operation", "caller"), fuzz.positive_cases())
def test_a_schema_valid_request_is_not_refused_as_malformed(request, operation, caller):
    target = request.getfixturevalue(f"{operation.service}_target")
    assert fuzz.positive(target, operation, caller) > 0
