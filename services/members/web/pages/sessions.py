"""The session pages every service's sign-in form and pages lean on: sign in, renew, sign out.

They are the only pages that see a password or the refresh cookie (whose path is this blueprint's),
so every other service keeps neither. See ``shared/pages.py`` for the whole round trip.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, url_for

from services.members import sessions
from shared.errors import Forbidden, TooManyRequests, Unauthorized
from shared.pages import (
    REFRESH_COOKIE,
    SESSION_BLUEPRINT,
    SIGN_IN_COOKIE,
    clear_session_cookies,
    csrf_token,
    safe_next,
    session_id,
    set_session_cookies,
    sign_in_form,
    sign_in_pages_url,
    signed_in,
)
from shared.service import collaborators, runtime

blp = Blueprint(SESSION_BLUEPRINT, __name__, url_prefix="/session")
HOME_ENDPOINT = "impact.report_page"


@blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token}


def _next() -> str:
    return safe_next(request.values.get("next"), url_for(HOME_ENDPOINT))


def same_origin() -> bool:
    """Whether the browser says the form came from this site (the double-submit token is the main lock).

    Sec-Fetch-Site, where the browser sends it, says so exactly. Otherwise the Origin's host name is
    compared, not its port: the gateway forwards the host without the port the browser used. A request
    with neither (a test client, an old browser) has the double-submit token alone; an Origin of "null"
    (a sandboxed or privacy-stripped page) is not this site.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).hostname is not None and urlsplit(origin).hostname == urlsplit(f"//{request.host}").hostname


@blp.get("/sign-in")
def sign_in_page():
    """The sign-in page the site's header links to from every page (``next``: the page to come back to)."""
    return sign_in_form(_next())


@blp.post("/sign-in")
def sign_in():
    """Check the email and password of a sign-in form, set the session cookies and go to ``next``."""
    target, email = _next(), request.form.get("email", "").strip()[:254]
    sent, kept = request.form.get("csrf", ""), request.cookies.get(SIGN_IN_COOKIE, "")
    if not (same_origin() and sent and hmac.compare_digest(sent, kept)):
        return sign_in_form(target, email, "This sign-in form had expired; please sign in again.", 403)
    password = request.form.get("password", "")
    if not email or not password or len(password) > 200:
        return sign_in_form(target, email, "Give the email and password of your account.", 422)
    try:
        tokens = sessions.sign_in(runtime().db, collaborators().token_issuer, collaborators().settings,
                                  email, password, request.remote_addr)
    except TooManyRequests as refused:
        minutes = -(-int(refused.headers["Retry-After"]) // 60)
        return sign_in_form(target, email, f"Too many failed sign-in attempts: try again in {minutes} minutes.",
                            429, refused.headers)
    except Unauthorized:
        return sign_in_form(target, email, "That email and password do not match an account.", 401)
    response = redirect(target, code=303)
    set_session_cookies(response, tokens.access_token, tokens.refresh_token, tokens.refresh_expires_in)
    response.delete_cookie(SIGN_IN_COOKIE, path=sign_in_pages_url(), samesite="Strict", httponly=True,
                           secure=request.is_secure)
    return response


@blp.get("/forgot-password")
def forgot_password():
    """Where every service's sign-in form links for a forgotten password (shared/pages.py): the account pages'."""
    return redirect(url_for("account.forgot_password_page"), code=303)


@blp.get("/sign-up")
def sign_up():
    """Where every service's sign-in form links for a new account (shared/pages.py): the account pages'."""
    return redirect(url_for("profile.sign_up_page"), code=303)


@blp.route("/refresh", methods=["GET", "POST"])
def refresh():
    """Renew the access cookie from the refresh cookie and go back (307 keeps a POST a POST).

    SameSite=Strict keeps the refresh cookie off requests from other sites, so they renew nothing.
    """
    target = _next()
    try:
        tokens = sessions.refresh(runtime().db, collaborators().token_issuer, collaborators().settings,
                                  request.cookies.get(REFRESH_COOKIE))
    except Unauthorized:
        # Signed out: the page asked for sends the browser to its sign-in form.
        response = redirect(target, code=303)
        clear_session_cookies(response)
        return response
    response = redirect(target, code=307)
    set_session_cookies(response, tokens.access_token, tokens.refresh_token, tokens.refresh_expires_in)
    return response


@blp.post("/sign-out")
def sign_out():
    """End the sign-in (its refresh token revoked), clear both cookies and go to ``next``."""
    if not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
        raise Unauthorized("This form has expired; go back, reload the page and try again.")
    if not same_origin():
        raise Forbidden("Sign out from this site's own pages.")
    sessions.sign_out(runtime().db, refresh_token=request.cookies.get(REFRESH_COOKIE), session_id=session_id())
    response = redirect(_next(), code=303)
    clear_session_cookies(response)
    return response
