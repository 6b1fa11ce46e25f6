"""Acting on a running topology through its gateway, as a browser or an integration would."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

from sqlalchemy import create_engine, text

from tests.support import http
from tests.support.backends import POSTGRES_URL

PASSWORD = "topology-password-1"


def create_coordinator(topology, email: str = "coordinator@topology.test") -> dict:
    """The coordinator an operator creates, as README says: `coop create-account` in members-web."""
    created = topology.run_in("members-web", "create-account", "--email", email,
                              "--name", "Topology Coordinator", "--role", "coordinator", "--password", PASSWORD)
    assert created.returncode == 0, created.stdout + created.stderr
    return sign_in(topology.url("gateway"), email)


def sign_in(gateway: str, email: str) -> dict:
    status, body = http.post_json(f"{gateway}/members/tokens", {"email": email, "password": PASSWORD})
    assert status == 201, body
    return {"Authorization": f"Bearer {body['access_token']}"}


def new_account(gateway: str, email: str, role: str = "customer") -> dict:
    status, body = http.post_json(f"{gateway}/members/accounts",
                                  {"email": email, "password": PASSWORD, "display_name": email, "role": role})
    assert status == 202, body
    return sign_in(gateway, email)


def applicant(gateway: str, name: str) -> tuple[int, str]:
    """Apply for membership as a new account; return the member id and the account's email."""
    email = f"{uuid.uuid4().hex[:10]}@topology.test"
    status, member = http.post_json(f"{gateway}/members/members",
                                    {"kind": "producer", "name": name, "sectors": ["cards"]},
                                    new_account(gateway, email))
    assert status == 201, member
    return member["id"], email


def try_admit(gateway: str, coordinator: dict, member_id: int, request_id: str | None = None) -> tuple[int, object]:
    headers = {**coordinator, **({"X-Request-ID": request_id} if request_id else {})}
    return http.post_json(f"{gateway}/members/members/{member_id}/admit", {}, headers)


def admit(gateway: str, coordinator: dict, member_id: int, request_id: str | None = None) -> None:
    status, body = try_admit(gateway, coordinator, member_id, request_id)
    assert status == 200, body


def is_a_seller(gateway: str, member_id: int) -> bool:
    return http.get_json(f"{gateway}/marketplace/sellers/{member_id}")[0] == 200


def database_url(topology, service: str) -> str:
    """The service's database, reached directly (not through any proxy a test puts in front of it)."""
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{topology.database_prefix}{service}"


def rows(topology, service: str, query: str) -> list:
    engine = create_engine(database_url(topology, service))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(query)))
    finally:
        engine.dispose()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def answer_headers(url: str) -> tuple[int, dict[str, list[str]]]:
    """GET a URL without following a redirect; return its status and every value of each header."""
    try:
        response = urllib.request.build_opener(_NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        found: dict[str, list[str]] = {}
        for name, value in response.headers.items():
            found.setdefault(name.lower(), []).append(value)
        return response.status, found
