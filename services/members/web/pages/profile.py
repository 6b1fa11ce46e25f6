"""Anyone's own account in pages: open one (a customer, or an employer organisation), then, signed in, see
it, change the name the co-op calls her by, ask for a new verification link, and change her password.

Signing up is a plain form without signing in: it has the account pages' double-submit token
(``account._page``), and answers "Check your email" whether the address is new or taken, as the API does.
The other pages need a sign-in and carry its CSRF token (``shared/pages.py``).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import accounts, email_verification
from services.members.web import schemas
from services.members.web.pages.account import _form_is_ours, _page
from shared.errors import Conflict, DomainError, Forbidden, TooManyRequests, Unprocessable
from shared.pages import add_session_routes, needs_sign_in, signed_in, validated
from shared.service import collaborators, db_session, runtime

blp = Blueprint("profile", __name__, url_prefix="/account", template_folder="templates")
add_session_routes(blp, "profile.account_page")

ROLES = {"customer": "A customer: I want to buy from the members' shops",
         "employer": "An employer organisation: we want to offer jobs"}
# What a ?done= flag on the account page says (never text from the query itself).
DONE = {"name": "Your name is saved.", "password": "Your new password is set. Your other sign-ins have ended.",
        "link": "We have sent a new link to your email address."}
ROLE_NAMES = {"customer": "Customer", "employer": "Employer", "member": "Producer member", "agency": "Support agency",
              "coordinator": "Coordinator", "admin": "Administrator"}


@blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("account/refused.html", error=error), error.status


def _minutes(refused_: TooManyRequests) -> int:
    return -(-int(refused_.headers["Retry-After"]) // 60)


@blp.get("/sign-up")
def sign_up_page():
    """Open an account: a customer, or an employer organisation (members apply once signed in)."""
    return _page("sign_up.html", form={"role": request.args.get("role", "customer")}, roles=ROLES)


@blp.post("/sign-up")
def sign_up():
    form = {name: request.form.get(name, "").strip()[:254] for name in ("email", "display_name", "role")}
    password = request.form.get("password", "")
    if not _form_is_ours():
        return _page("sign_up.html", 403, form=form, roles=ROLES,
                     problem="This form had expired; please send it again.")
    try:
        body = validated(schemas.AccountCreate(), {**form, "password": password})
        session = db_session()
        accounts.register_account(session, collaborators().link_signer, collaborators().settings, body["email"],
                                  body["password"], body["display_name"], body["role"])
        session.commit()
    except Unprocessable as problem:
        return _page("sign_up.html", 422, form=form, roles=ROLES, problem=_sign_up_problem(problem))
    return redirect(url_for("profile.check_your_email"), code=303)


def _sign_up_problem(problem: Unprocessable) -> str:
    # The schema's field names, in the words of the form's labels.
    words = {"email": "your email address", "display_name": "your name", "password": "the password (at least 15 "
             "characters)", "role": "who you are"}
    message = problem.message
    for field, said in words.items():
        message = message.replace(f": {field}", f": {said}").replace(f", {field}", f", {said}")
    return message


@blp.get("/check-your-email")
def check_your_email():
    """What signing up answers, whether the address was new or already had an account."""
    return render_template("account/check_your_email.html")


@blp.get("/")
@needs_sign_in
def account_page():
    """Her account: email, whether it is verified, her roles, her name (to change), links to the rest."""
    return _account_page()


def _account_page(status: int = 200, name: str | None = None, problem: str | None = None):
    session = db_session()
    view = accounts.account_view(session, accounts.get_account(session, signed_in().account_id))
    return render_template("account/my_account.html", account=view, roles=[ROLE_NAMES.get(r, r) for r in view["roles"]],
                           name=view["display_name"] if name is None else name, problem=problem,
                           done=DONE.get(request.args.get("done", ""))), status


@blp.post("/name")
@needs_sign_in
def change_name():
    """Change the name the co-op calls her by."""
    name = request.form.get("display_name", "")[:500]
    try:
        body = validated(schemas.AccountUpdate(), {"display_name": name})
    except Unprocessable:
        return _account_page(422, name, "Give your name: between 1 and 120 characters.")
    session = db_session()
    accounts.rename_account(session, signed_in().account_id, body["display_name"])
    session.commit()
    return redirect(url_for("profile.account_page", done="name"), code=303)


@blp.post("/verification")
@needs_sign_in
def ask_for_a_new_link():
    """Send a new link to verify her address."""
    session = db_session()
    try:
        email_verification.ask_again(session, collaborators().link_signer, collaborators().settings,
                                     signed_in().account_id, request.remote_addr)
    except TooManyRequests as refused_:
        return _account_page(429, problem=f"Too many requests for a new link: try again in {_minutes(refused_)} "
                                          "minutes.")
    except Conflict:
        return redirect(url_for("profile.account_page"), code=303)
    session.commit()
    return redirect(url_for("profile.account_page", done="link"), code=303)


@blp.get("/password")
@needs_sign_in
def password_page():
    """Change her password: the current one, and the new one twice."""
    return render_template("account/change_password.html")


@blp.post("/password")
@needs_sign_in
def change_password():
    current, new = request.form.get("current_password", ""), request.form.get("new_password", "")
    if new != request.form.get("new_password_again", ""):
        return _password_problem(422, "The two new passwords are not the same.")
    try:
        body = validated(schemas.PasswordChange(), {"current_password": current, "new_password": new})
    except Unprocessable:
        return _password_problem(422, "Give your current password, and a new one of at least 15 characters.")
    who = signed_in()
    try:
        accounts.change_password(runtime().db, collaborators().settings, who.account_id, body["current_password"],
                                 body["new_password"], request.remote_addr, keep_session=who.session_id)
    except Forbidden:
        return _password_problem(403, "Your current password is not right.")
    except TooManyRequests as refused_:
        return _password_problem(429, f"Too many wrong passwords: try again in {_minutes(refused_)} minutes.",
                                 refused_.headers)
    except Unprocessable as problem:
        return _password_problem(422, problem.message)
    return redirect(url_for("profile.account_page", done="password"), code=303)


def _password_problem(status: int, problem: str, headers: dict | None = None):
    # Passwords are never put back into the form: she types them again.
    return render_template("account/change_password.html", problem=problem), status, headers or {}
