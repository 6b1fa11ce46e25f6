"""The account pages reached from an email or the sign-in page, without signing in: verify an address,
ask for a password reset, set a new password from the link. Plain forms, no script.

A link's GET only shows a button (mail scanners open links); its POST does the thing. Each form has a
double-submit token (a random cookie, path this blueprint's, that the form repeats) and the Origin
check of the sign-in form (``sessions.same_origin``).
"""

from __future__ import annotations

import hmac
import re
import secrets

from flask import Blueprint, current_app, render_template, request, url_for

from services.members import email_verification, password_resets
from services.members.link_tokens import ExpiredLink, InvalidLink
from services.members.web.pages.sessions import same_origin
from shared.errors import TooManyRequests, Unprocessable
from shared.service import collaborators, db_session, runtime

blp = Blueprint("account", __name__, url_prefix="/account", template_folder="templates")
FORM_COOKIE = "coop_account_form"
SENT = "If an account exists for that address, we have sent a link to it."


def _page(template: str, status: int = 200, headers: dict | None = None, **context):
    """Render a page with its form's double-submit token, and set the cookie it is checked against."""
    token = request.cookies.get(FORM_COOKIE, "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        token = secrets.token_urlsafe(32)
    html = render_template(f"account/{template}", csrf=token, **context)
    response = current_app.response_class(html, status=status, headers=headers, mimetype="text/html")
    response.set_cookie(FORM_COOKIE, token, httponly=True, samesite="Strict",
                        path=url_for("account.forgot_password_page").rsplit("/", 1)[0], secure=request.is_secure)
    return response


def _form_is_ours() -> bool:
    sent, kept = request.form.get("csrf", ""), request.cookies.get(FORM_COOKIE, "")
    return same_origin() and bool(sent) and hmac.compare_digest(sent, kept)


def _token() -> str:
    return request.values.get("token", "")[:2000]


def _bad_link(error: InvalidLink, what: str):
    return _page("bad_link.html", error.status, problem=error.message, what=what,
                 expired=isinstance(error, ExpiredLink))


@blp.get("/verify-email")
def verify_email_page():
    """The link sent to verify an address: a button that confirms it."""
    try:
        email_verification.check_link(db_session(), collaborators().link_signer, _token())
    except InvalidLink as error:
        return _bad_link(error, "verify")
    return _page("verify_email.html", token=_token())


@blp.post("/verify-email")
def verify_email():
    if not _form_is_ours():
        return _page("verify_email.html", 403, token=_token(), problem="This form had expired; press the button again.")
    session = db_session()
    try:
        result = email_verification.verify(session, collaborators().link_signer, _token())
    except InvalidLink as error:
        return _bad_link(error, "verify")
    session.commit()
    return _page("verified.html", already=not result.verified_now)


@blp.get("/forgot-password")
def forgot_password_page():
    """Ask for a link to reset a forgotten password."""
    return _page("forgot_password.html", email="")


@blp.post("/forgot-password")
def forgot_password():
    email = request.form.get("email", "").strip()[:254]
    if not _form_is_ours():
        return _page("forgot_password.html", 403, email=email, problem="This form had expired; please send it again.")
    if not email:
        return _page("forgot_password.html", 422, email=email, problem="Give the email address of your account.")
    try:
        password_resets.ask_for_reset(runtime().db, collaborators().link_signer, collaborators().settings,
                                      email, request.remote_addr)
    except TooManyRequests as refused:
        minutes = -(-int(refused.headers["Retry-After"]) // 60)
        return _page("forgot_password.html", 429, refused.headers, email=email,
                     problem=f"Too many requests for a link: try again in {minutes} minutes.")
    return _page("sent.html", message=SENT)


@blp.get("/reset-password")
def reset_password_page():
    """The link sent to reset a password: the new password, twice."""
    try:
        password_resets.check_link(runtime().db, collaborators().link_signer, _token())
    except InvalidLink as error:
        return _bad_link(error, "reset")
    return _page("reset_password.html", token=_token())


@blp.post("/reset-password")
def reset_password():
    password, again = request.form.get("password", ""), request.form.get("password_again", "")
    if not _form_is_ours():
        return _page("reset_password.html", 403, token=_token(), problem="This form had expired; please send it again.")
    if password != again:
        return _page("reset_password.html", 422, token=_token(), problem="The two passwords are not the same.")
    if len(password) > 200:
        return _page("reset_password.html", 422, token=_token(), problem="A password has at most 200 characters.")
    try:
        password_resets.reset(runtime().db, collaborators().link_signer, _token(), password)
    except InvalidLink as error:
        return _bad_link(error, "reset")
    except Unprocessable as refused:
        return _page("reset_password.html", 422, token=_token(), problem=refused.message)
    return _page("password_set.html", sign_in=url_for("impact.sign_in"))
