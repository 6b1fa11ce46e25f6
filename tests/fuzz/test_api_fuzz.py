"""Fuzz every operation of every service's API document, as every role and with no token.

Each test is one (service, operation, caller), e.g. ``members:POST /proposals:coordinator``: schemathesis
makes requests from the operation's documented parameters and body and sends them to the app (WSGI, no
network) with that caller's bearer token. Every answer must be no 5xx, with a documented status code,
content type, headers and body schema (tests/support/fuzz.py CHECKS). The examples are few and the same
each run (derandomized): see tests/support/fuzz.py for the numbers.
"""

from __future__ import annotations

import pytest

from tests.support import fuzz


@pytest.mark.parametrize(("operation", "caller"), fuzz.cases())
def test_api_answers_as_documented(request, operation, caller):
    target = request.getfixturevalue(f"{operation.service}_target")
    assert fuzz.fuzz(target, operation, caller) > 0
