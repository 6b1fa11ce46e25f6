"""A member's own pages under test (membership, record, votes): a test client signed in by the pages'
session cookie, whose forms carry the session's CSRF token."""

from __future__ import annotations

import hashlib
import re

_RECEIPT = re.compile(r'id="receipt" name="receipt" value="([^"]+)"')


class MemberBrowser:
    """A test client signed in as a person, through the cookie every page reads."""

    def __init__(self, coop, person):
        self.person = person
        self.client = coop.app.test_client()
        self.token = person.headers["Authorization"].removeprefix("Bearer ")
        self.client.set_cookie("coop_token", self.token)

    @property
    def csrf(self) -> str:
        return hashlib.sha256(f"coop-csrf:{self.token}".encode()).hexdigest()

    def get(self, path: str):
        return self.client.get(path)

    def post(self, path: str, form: dict | None = None, csrf: str | None = None):
        return self.client.post(path, data={"csrf": self.csrf if csrf is None else csrf, **(form or {})})


def receipt_in(page_text: str) -> str:
    """The receipt a vote's answer shows."""
    found = _RECEIPT.search(page_text)
    assert found, "the answer to the vote shows no receipt"
    return found.group(1)
