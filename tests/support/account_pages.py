"""The members service's own-account and joining pages under test: a browser signed in through the pages'
session cookie, and the hidden fields of a page's form (its CSRF token) to post it as a browser would."""

from __future__ import annotations

import html as html_text
import re


def hidden(html: str, name: str) -> str:
    """The value of the hidden field ``name`` of the (first) form on the page."""
    return html_text.unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


class PageBrowser:
    """A test client of the members app, signed in as ``person`` (a tests.support.factories.Person) or not."""

    def __init__(self, coop, person=None):
        self.client = coop.app.test_client()
        if person is not None:
            self.client.set_cookie("coop_token", person.headers["Authorization"].removeprefix("Bearer "))

    def get(self, path, **query):
        return self.client.get(path, query_string=query or None)

    def text(self, path, **query) -> str:
        return self.get(path, **query).get_data(as_text=True)

    def submit(self, page_path: str, action: str, form: dict, **extra):
        """Open the page (its token, and the double-submit cookie of the pages that need it), then post the form."""
        token = hidden(self.text(page_path), "csrf")
        return self.client.post(action, data={"csrf": token, **form}, **extra)
