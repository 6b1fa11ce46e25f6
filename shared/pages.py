"""What every service's server-rendered pages share: who is signed in, CSRF, signing in and out.

Sign-in: the sign-in page posts the credentials from the browser straight to the members API (no
other service ever sees a password or reads the members database), then hands the access token to
``<pages>/session``, which verifies it and keeps it in an HttpOnly ``coop_token`` cookie
(SameSite=Strict, path=/, so one sign-in serves every service on the same site). Every page reads
that cookie and verifies it with the service's token verifier.

Forms that change things are POSTs that carry a CSRF token: a hash of the session cookie
(``csrf_token``). A page on another site cannot read the cookie, so it cannot make the token;
SameSite=Strict already keeps the cookie off cross-site requests, so this is a second lock.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError

from shared.auth import InvalidToken, Principal
from shared.errors import Unauthorized, Unprocessable

COOKIE = "coop_token"
# Templates every service's pages share (the sign-in form); create_service_app registers it.
shared_templates_blp = Blueprint("coop_shared_pages", __name__, template_folder="templates")


def signed_in() -> Principal | None:
    """Return who the session cookie speaks for, or None."""
    if "principal" not in g:
        token = request.cookies.get(COOKIE)
        try:
            g.principal = current_app.extensions["coop_verifier"].verify(token) if token else None
        except InvalidToken:
            g.principal = None
    return g.principal


def csrf_token() -> str:
    """Return the token this session's forms carry: a hash of the session cookie."""
    return hashlib.sha256(f"coop-csrf:{request.cookies.get(COOKIE, '')}".encode()).hexdigest()


def needs_sign_in(view):
    """Send a visitor without a valid session to the sign-in page; check the CSRF token of POSTs."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in() is None:
            # The path where the service is mounted (/members in the embedded run and behind the gateway)
            # is part of where to come back to.
            back = request.script_root + request.full_path.rstrip("?")
            return redirect(url_for(f"{request.blueprint}.sign_in", next=back))
        if request.method == "POST" and not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
            raise Unauthorized("This form has expired; go back, reload the page and try again.")
        return view(*args, **kwargs)
    return wrapper


def pence_from(text: str, field: str) -> int:
    """Read a price typed in pounds ("3.50", "£3") as integer pence."""
    try:
        amount = Decimal(text.strip().lstrip("£").replace(",", "") or "x")
    except InvalidOperation:
        raise Unprocessable(f"Give the {field} in pounds, for example 3.50.") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Unprocessable(f"The {field} must be pounds and pence, not negative.")
    return int(amount * 100)


def whole_number(text: str, field: str) -> int:
    """Read a count typed into a form (the API's schemas take only real numbers, not text)."""
    try:
        return int(text.strip())
    except ValueError:
        raise Unprocessable(f"Give the {field} as a whole number, for example 12.") from None


def optional_whole_number(text: str | None, field: str) -> int | None:
    """Read a count a form may leave empty (None when it is)."""
    return None if text is None or not text.strip() else whole_number(text, field)


def validated(schema: Schema, data: dict) -> dict:
    """Load form data with the API's own schema, so pages and API accept the same things."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise Unprocessable(f"Please check: {', '.join(_paths(error.messages))}.") from error


def _paths(messages, prefix: str = "") -> list[str]:
    # The fields in error, nested ones by their path ("terms line_items 0 quantity").
    if isinstance(messages, dict):
        return [path for key in sorted(messages, key=str) for path in _paths(messages[key], f"{prefix}{key} ")]
    return [prefix.strip()] if prefix else []


def add_session_routes(blp: Blueprint, home_endpoint: str) -> None:
    """Give a pages blueprint its sign-in page, its session endpoint and sign-out."""

    @blp.get("/sign-in")
    def sign_in():
        """Show the sign-in form; the browser signs in with the members service itself."""
        target = request.args.get("next", "")
        safe_next = target if target.startswith("/") and not target.startswith("//") else url_for(home_endpoint)
        tokens_url = current_app.config.get("COOP_MEMBERS_TOKENS_URL", "/members/tokens")
        return render_template("sign_in.html", next=safe_next, tokens_url=tokens_url,
                               session_url=url_for(f"{blp.name}.start_session"))

    @blp.post("/session")
    def start_session():
        """Keep a verified access token in the session cookie (called by the sign-in page's script)."""
        token = (request.get_json(silent=True) or {}).get("access_token", "")
        try:
            current_app.extensions["coop_verifier"].verify(token)
        except InvalidToken:
            raise Unauthorized("That sign-in did not work; try again.") from None
        response = current_app.response_class(status=204)
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/", secure=request.is_secure)
        return response

    @blp.post("/sign-out")
    @needs_sign_in
    def sign_out():
        response = redirect(url_for(home_endpoint))
        response.delete_cookie(COOKIE, path="/", samesite="Strict")
        return response
