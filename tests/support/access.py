"""Every operation in a service's API document, with the roles it says it allows, for access tests.

``document_operations`` reads a service's ``/openapi.json``: each operation, whether it is secured, and
the roles its description allows ("Allowed for: ..."). ``callers`` makes the people who knock on those
doors: no token, tokens that must be refused (expired, signed with another key, for another audience or
issuer, unsigned), and a valid token for each role. ``api_routes`` lists what the app really serves, so
that a test can check the document leaves nothing out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import re
from collections.abc import Callable

import flask_smorest
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import ROLES, Principal, TokenIssuer

OPEN = "any signed-in account"
METHODS = ("get", "post", "put", "patch", "delete")
ALLOWED_FOR = re.compile(r"Allowed for: (.+?)\.(?:\s|$)")
# A member or agency token names the member it acts for; the services under test do not know this one.
UNKNOWN_MEMBER_ID = 9_000_001
_account_ids = itertools.count(9_100_000)


@dataclasses.dataclass(frozen=True)
class Operation:
    """One operation of an API document: how to call it, and who the document says may."""

    method: str  # lower case, as in the document
    template: str  # the documented path, e.g. /contracts/{contract_id}
    path: str  # the path with every id filled in (1, or a parameter's first allowed value)
    secured: bool
    roles: tuple[str, ...] | None  # the roles allowed; None for any signed-in account (or a public one)
    allowed_lines: tuple[str, ...]  # every "Allowed for: ..." the description carries
    responses: tuple[str, ...]  # the status codes the document lists for it

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def allows(self, roles: tuple[str, ...]) -> bool:
        """Whether a valid token with these roles is let in, as the document says."""
        return self.roles is None or any(role in self.roles for role in roles)


def document_operations(client) -> list[Operation]:
    """Every operation (secured or public) of the API document the service serves, in document order."""
    document = client.get("/openapi.json").json
    found = []
    for template, item in document["paths"].items():
        # Ids become 1; a parameter with a fixed set of values gets the first of them.
        path = template
        for parameter in item.get("parameters", []):
            if parameter["in"] == "path":
                value = str(parameter["schema"].get("enum", [1])[0])
                path = path.replace("{" + parameter["name"] + "}", value)
        for method, operation in item.items():
            if method not in METHODS:
                continue
            lines = tuple(ALLOWED_FOR.findall(operation.get("description", "") + " "))
            roles = None
            if lines and lines[0] != OPEN:
                roles = tuple(role.strip() for role in lines[0].split(","))
            found.append(Operation(method, template, path, bool(operation.get("security")), roles, lines,
                                   tuple(operation.get("responses", {}))))
    return found


def operations(client) -> list[tuple[str, str, tuple[str, ...] | None]]:
    """(method, path with ids filled in, roles allowed or None for any signed-in account) of each secured operation."""
    return [(op.method, op.path, op.roles) for op in document_operations(client) if op.secured]


def api_routes(app) -> set[tuple[str, str]]:
    """(method, path template as the document writes it) of every route of the app's API blueprints.

    The pages (desk, store, jobs), static files, the API docs and /metrics are not API blueprints.
    """
    api_blueprints = {name for name, blueprint in app.blueprints.items()
                      if isinstance(blueprint, flask_smorest.Blueprint)}
    return {(method.lower(), re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"{\1}", rule.rule))
            for rule in app.url_map.iter_rules() if rule.endpoint.split(".")[0] in api_blueprints
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def call(client, method: str, path: str, headers: dict | None = None):
    return getattr(client, method)(path, headers=headers or {}, json={})


@dataclasses.dataclass(frozen=True)
class Caller:
    """Someone calling an operation; ``roles`` is None when their token (or its lack) must be refused."""

    name: str
    headers: dict[str, str]
    roles: tuple[str, ...] | None


REFUSED_CALLERS = ("no-token", "expired", "foreign-key", "wrong-audience", "wrong-issuer", "unsigned")
SIGNED_IN_CALLERS = (*ROLES, "no-role")
CALLERS = (*REFUSED_CALLERS, *SIGNED_IN_CALLERS)


@functools.cache
def _foreign_key() -> rsa.RSAPrivateKey:
    """A key no service trusts (made once per test run: generating one takes a moment)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def caller(name: str, issuer: TokenIssuer,
           admitted: Callable[[str], dict[str, str] | None] | None = None) -> Caller:
    """The caller named ``name`` (one of CALLERS), with tokens made like (or unlike) ``issuer``'s.

    Every token that must be refused carries every role, so that only what is wrong with it can be why.
    ``admitted(kind)``, when given, admits a member business of that kind (producer, agency) to the
    service and returns its bearer header (or None if the service keeps no such members): a member or
    agency caller is then one the service knows, as every real one is, rather than a token naming a
    member it never heard of.
    """
    account_id = next(_account_ids)
    everything = Principal(account_id, ROLES, UNKNOWN_MEMBER_ID)
    minutes = int(issuer.lifetime.total_seconds() // 60)
    if name == "no-token":
        return Caller(name, {}, None)
    if name == "expired":  # expired ten seconds ago: no leeway lets it in
        issued = dt.datetime.now(dt.UTC) - issuer.lifetime - dt.timedelta(seconds=10)
        return Caller(name, _bearer(issuer.issue(everything, now=issued)[0]), None)
    if name == "foreign-key":
        foreign = TokenIssuer(_foreign_key(), issuer.issuer, issuer.audience, minutes)
        return Caller(name, _bearer(foreign.issue(everything)[0]), None)
    if name == "wrong-audience":
        other = TokenIssuer(issuer.private_key, issuer.issuer, f"{issuer.audience}-elsewhere", minutes)
        return Caller(name, _bearer(other.issue(everything)[0]), None)
    if name == "wrong-issuer":
        other = TokenIssuer(issuer.private_key, f"{issuer.issuer}-elsewhere", issuer.audience, minutes)
        return Caller(name, _bearer(other.issue(everything)[0]), None)
    if name == "unsigned":  # alg "none": the right claims, no signature at all
        now = dt.datetime.now(dt.UTC)
        claims = {"sub": str(account_id), "roles": list(ROLES), "member_id": UNKNOWN_MEMBER_ID,
                  "iss": issuer.issuer, "aud": issuer.audience, "iat": now, "exp": now + issuer.lifetime}
        return Caller(name, _bearer(jwt.encode(claims, None, algorithm="none")), None)
    if name == "no-role":
        return Caller(name, _bearer(issuer.issue(Principal(account_id, ()))[0]), ())
    if name in ("member", "agency") and admitted is not None:
        headers = admitted("producer" if name == "member" else "agency")
        if headers is not None:
            return Caller(name, headers, (name,))
    if name in ROLES:
        member_id = UNKNOWN_MEMBER_ID if name in ("member", "agency") else None
        return Caller(name, _bearer(issuer.issue(Principal(account_id, (name,), member_id))[0]), (name,))
    raise ValueError(f"unknown caller {name!r}")
