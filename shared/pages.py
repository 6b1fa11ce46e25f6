"""What every service's server-rendered pages share: who is signed in, CSRF, signing in and out.

Sign-in is a plain HTML form (no script): every service's sign-in page posts it to the members
service's session pages (``/members/session/sign-in``), so no other service ever sees a password. The
members service checks it and sets two cookies, both HttpOnly and SameSite=Strict: ``coop_token``, a
short-lived access token (path=/, so one sign-in serves every service on the same site), and
``coop_refresh``, the refresh token, sent only to the members session pages. The form links to the
session pages' ``/forgot-password`` for a forgotten password. Every page verifies
``coop_token`` with the service's own verifier; a page that finds it expired sends the browser
through ``/members/session/refresh`` and back (307, so a form being sent is sent again). Signing out
revokes the refresh token at the members service and clears both cookies.

Forms that change things are POSTs that carry a CSRF token: a hash of the sign-in session's id,
read from the signed access token (``csrf_token``), so it stays the same when the token is renewed.
A page on another site cannot read the cookie, so it cannot make the token; SameSite=Strict already
keeps the cookie off cross-site requests, so this is a second lock. The sign-in form itself has a
double-submit token (a random cookie the form repeats) and an Origin check.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote, urlencode, urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError

from shared.auth import InvalidToken, Principal
from shared.errors import Unauthorized, Unprocessable

COOKIE = "coop_token"
REFRESH_COOKIE = "coop_refresh"
SIGN_IN_COOKIE = "coop_sign_in"  # the sign-in form's double-submit CSRF token
# Templates and files every service's pages share (the sign-in form, the notices link and its script);
# create_service_app registers it.
shared_templates_blp = Blueprint("coop_shared_pages", __name__, template_folder="templates",
                                 static_folder="static", static_url_path="/coop-static")
# The name the signing-in service gives its session pages' blueprint.
SESSION_BLUEPRINT = "coop_session"
_UNSAFE_IN_PATH = re.compile(r"[\\\x00-\x20\x7f]")


def signed_in() -> Principal | None:
    """Return who the session cookie speaks for, or None."""
    if "principal" not in g:
        token = request.cookies.get(COOKIE)
        try:
            g.principal = current_app.extensions["coop_verifier"].verify(token) if token else None
        except InvalidToken:
            g.principal = None
    return g.principal


def session_id() -> str | None:
    """Return the sign-in the session cookie belongs to, even once its token has expired (signature checked)."""
    token = request.cookies.get(COOKIE)
    try:
        return current_app.extensions["coop_verifier"].verify(token, allow_expired=True).session_id if token else None
    except InvalidToken:
        return None


def csrf_token() -> str:
    """Return the token this session's forms carry: a hash of the sign-in's id (else of the cookie)."""
    sid = session_id()
    seed = f"sid:{sid}" if sid else request.cookies.get(COOKIE, "")
    return hashlib.sha256(f"coop-csrf:{seed}".encode()).hexdigest()


@dataclass(frozen=True)
class MenuLink:
    """One link of the site's menu: its words, where it goes, and who is shown it."""

    label: str
    path: str
    # Who sees it: "everyone", "visitors" (not signed in, such as "Join") or "signed in" (then, if roles are
    # given, only those with one of them).
    audience: str = "signed in"
    roles: tuple[str, ...] = ()

    def shown_to(self, who: Principal | None) -> bool:
        """Whether this person (None: a visitor) sees the link."""
        if who is None:
            return self.audience in ("everyone", "visitors")
        if self.audience == "visitors":
            return False
        return not self.roles or who.has_any(*self.roles)


@dataclass(frozen=True)
class Site:
    """The one site every service's pages are part of: its name, front page, sign-in and notices pages, menu.

    Given to ``create_service_app``; ``coop_base.html`` draws each page's header and footer from it.
    """

    name: str
    front_page: str
    sign_in_pages: str
    notices_pages: str | None = None
    menu: tuple[MenuLink, ...] = field(default_factory=tuple)
    join_page: str | None = None  # where a person applies to join, for the front page's "How to join"


def here() -> str:
    """Return the path of this page as the browser sees it (mount prefix included), to come back to."""
    return request.script_root + request.full_path.rstrip("?")


def menu_for(who: Principal | None) -> list[MenuLink]:
    """Return the links of the site's menu this person is shown."""
    site = current_app.config.get("COOP_SITE")
    return [link for link in site.menu if link.shown_to(who)] if site else []


def _sign_in_href() -> str:
    return f"{sign_in_pages_url()}/sign-in?{urlencode({'next': here()})}"


def _sign_out_action() -> str:
    # Back to this page, unless only the signed-in may see it: then to the front page, not its sign-in form.
    site = current_app.config.get("COOP_SITE")
    back = site.front_page if g.get("coop_private_page") and site else here()
    return f"{sign_in_pages_url()}/sign-out?{urlencode({'next': back})}"


def _current(link: MenuLink) -> bool:
    # The link whose path the page's path starts with (the longest, if several do) is this page's section.
    path = request.script_root + request.path
    matches = [other.path for other in menu_for(signed_in()) if path.startswith(other.path.split("?")[0])]
    return bool(matches) and max(matches, key=len) == link.path


@shared_templates_blp.app_context_processor
def _site_globals() -> dict:
    """What every page's layout (coop_base.html) needs: who is signed in, the site, the menu, CSRF."""
    site = current_app.config.get("COOP_SITE")
    return {"coop_notices_pages": current_app.config.get("COOP_NOTICES_PAGES"), "coop_site": site,
            "principal": signed_in, "csrf_token": csrf_token, "coop_menu": lambda: menu_for(signed_in()),
            "coop_current": _current, "coop_sign_in_href": _sign_in_href, "coop_sign_out_action": _sign_out_action}


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirect).

    Browsers read ``/\\host``, ``/\\t/host`` (they drop tabs and newlines) and ``//host`` as another
    site, so the path must start with one ``/`` and hold no backslash, space or control character, in
    the text as given and once percent-decoded (twice, for a doubly encoded one).
    """
    if not target or len(target) > 2000 or re.search(r"[\x00-\x20\x7f]", target):
        return default
    forms = [target]
    for _ in range(2):
        forms.append(unquote(forms[-1]))
    for text in forms:
        path = re.split(r"[?#]", text, maxsplit=1)[0]
        if not path.startswith("/") or path.startswith("//") or _UNSAFE_IN_PATH.search(path):
            return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def sign_in_pages_url() -> str:
    """Where the session pages are: this app's own if it serves them, else where its service said."""
    if SESSION_BLUEPRINT in current_app.blueprints:
        return url_for(f"{SESSION_BLUEPRINT}.refresh").rsplit("/", 1)[0]
    return current_app.config["COOP_SIGN_IN_PAGES"]


def needs_sign_in(view):
    """Send a visitor without a valid session to sign in (or to renew it); check the CSRF token of POSTs."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if signed_in() is None:
            # The path where the service is mounted (in the embedded run and behind the gateway)
            # is part of where to come back to.
            back = request.script_root + request.full_path.rstrip("?")
            if request.cookies.get(COOKIE):
                # The access token ran out (it lives minutes): the session pages renew it from the
                # refresh cookie and sends the browser back, or clears both and the sign-in page follows.
                return redirect(f"{sign_in_pages_url()}/refresh?{urlencode({'next': back})}", code=307)
            return redirect(url_for(f"{request.blueprint}.sign_in", next=back))
        if request.method == "POST" and not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
            raise Unauthorized("This form has expired; go back, reload the page and try again.")
        g.coop_private_page = True
        return view(*args, **kwargs)
    return wrapper


def sign_in_form(next_path: str, email: str = "", problem: str | None = None, status: int = 200,
                 headers: dict | None = None):
    """Render this service's sign-in page: a form that posts to the session pages."""
    session_url = sign_in_pages_url()
    token = request.cookies.get(SIGN_IN_COOKIE, "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        token = secrets.token_urlsafe(32)
    html = render_template("coop_sign_in.html", action=f"{session_url}/sign-in", next=next_path, csrf=token,
                           email=email, problem=problem, forgot_password=f"{session_url}/forgot-password",
                           sign_up=f"{session_url}/sign-up")
    response = current_app.response_class(html, status=status, headers=headers, mimetype="text/html")
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="Strict", path=session_url,
                        secure=request.is_secure)
    return response


def set_session_cookies(response, access_token: str, refresh_token: str, refresh_seconds: int) -> None:
    """Keep a sign-in in the browser: the access token for every page, the refresh token for renewing."""
    # The access cookie outlives its token on purpose: an expired one says there is a sign-in to renew.
    response.set_cookie(COOKIE, access_token, httponly=True, samesite="Strict", path="/",
                        secure=request.is_secure, max_age=refresh_seconds)
    response.set_cookie(REFRESH_COOKIE, refresh_token, httponly=True, samesite="Strict",
                        path=sign_in_pages_url(), secure=request.is_secure, max_age=refresh_seconds)


def clear_session_cookies(response) -> None:
    response.delete_cookie(COOKIE, path="/", samesite="Strict", httponly=True, secure=request.is_secure)
    response.delete_cookie(REFRESH_COOKIE, path=sign_in_pages_url(), samesite="Strict", httponly=True,
                           secure=request.is_secure)


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
    """Give a pages blueprint its sign-in page and sign-out (both done by the session pages)."""

    @blp.get("/sign-in")
    def sign_in():
        """Show the sign-in form; it posts to the session pages, which send the browser back."""
        return sign_in_form(safe_next(request.args.get("next"), url_for(home_endpoint)))

    @blp.post("/sign-out")
    @needs_sign_in
    def sign_out():
        """Hand the sign-out to the session pages (307: the form, with its CSRF token, goes along)."""
        home = url_for(home_endpoint)
        return redirect(f"{sign_in_pages_url()}/sign-out?{urlencode({'next': home})}", code=307)
