"""The marketplace's pages through a test client signed in as one trader, posting forms as a browser does."""

from __future__ import annotations

import re

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client

from shared.pages import COOKIE

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class StoreBrowser:
    """A trader on the store's pages: the sign-in cookie set, each form sent with the CSRF token a page gave."""

    def __init__(self, market, trader):
        self.client = market.app.test_client()
        self.client.set_cookie(COOKIE, trader.headers["Authorization"].removeprefix("Bearer "))
        self._csrf: str | None = None

    def get(self, path: str):
        return self.client.get(f"/store{path}")

    def post(self, path: str, form: dict | None = None):
        return self.client.post(f"/store{path}", data={"csrf": self.csrf, **(form or {})})

    @property
    def csrf(self) -> str:
        """The token the pages' forms carry, read from one of them (however the pages derive it)."""
        if self._csrf is None:
            page = self.get("/my-shop").get_data(as_text=True)
            found = _CSRF.search(page) or _CSRF.search(self.get("/cart").get_data(as_text=True))
            assert found, "no form with a CSRF token on the pages"
            self._csrf = found.group(1)
        return self._csrf


def mounted_client(market, prefix: str = "/marketplace") -> Client:
    """A client of the marketplace mounted under a path, as `coop run` and the gateway serve it."""
    return Client(DispatcherMiddleware(NotFound(), {prefix: market.app}))
