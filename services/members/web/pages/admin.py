"""The administrator's pages of the members service: find an account by its email, and give or take its
staff and customer roles (``accounts.set_roles``, as the API's ``PUT /accounts/{id}/roles``).

Only administrators come in (the API's ``@requires("admin")``). Membership roles (member, agency) come
with admission and leaving, never from here.
"""

from __future__ import annotations

import functools

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import accounts
from services.members.web import schemas
from shared.errors import DomainError, Forbidden, NotFound
from shared.pages import add_session_routes, needs_sign_in, signed_in, validated
from shared.service import db_session

blp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
add_session_routes(blp, "admin.roles_page")

ROLE_NAMES = {"coordinator": "Coordinator: runs the co-op's desks, members and proposals",
              "admin": "Administrator: gives and takes roles",
              "customer": "Customer: buys in the shop",
              "employer": "Employer: offers jobs through job brokering"}


@blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("coordination/error.html", error=error), error.status


def administrators_only(view):
    """Let only administrators in (after the sign-in check), as the API's ``@requires("admin")``."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("admin"):
            raise Forbidden("Roles are given and taken by the co-op's administrators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


@blp.get("/roles")
@administrators_only
def roles_page():
    """Find an account by its email, to give or take its roles."""
    email = request.args.get("email", "").strip()[:254]
    if email:
        try:
            account = accounts.find_account(db_session(), email)
        except NotFound as missing:
            return render_template("coordination/admin_roles.html", email=email, problem=missing.message), 404
        return redirect(url_for(".account_page", account_id=account.id), code=303)
    return render_template("coordination/admin_roles.html", email="", problem=None)


@blp.get("/accounts/<int:account_id>")
@administrators_only
def account_page(account_id: int):
    """An account's roles, with a box for each one an administrator can give or take."""
    return _account_page(account_id, saved=request.args.get("done") == "roles")


def _account_page(account_id: int, saved: bool = False, problem: str | None = None, chosen=None, status=200):
    session = db_session()
    account = accounts.get_account(session, account_id)
    chosen = set(account.roles) if chosen is None else chosen
    membership_roles = [role for role in account.roles if role in accounts.MEMBERSHIP_ROLES]
    html = render_template("coordination/admin_account.html", account=account, chosen=chosen, saved=saved,
                           problem=problem, role_names=ROLE_NAMES, assignable=accounts.ASSIGNABLE_ROLES,
                           membership_roles=membership_roles)
    return html, status


@blp.post("/accounts/<int:account_id>/roles")
@administrators_only
def set_roles(account_id: int):
    """Give the account exactly the roles ticked (its membership roles stay as they are)."""
    chosen = request.form.getlist("roles")
    body = validated(schemas.RolesUpdate(), {"roles": chosen})
    session = db_session()
    try:
        accounts.set_roles(session, account_id, body["roles"], signed_in())
        session.commit()
    except NotFound:
        raise
    except DomainError as refusal:
        session.rollback()
        return _account_page(account_id, problem=refusal.message, chosen=set(chosen), status=refusal.status)
    return redirect(url_for(".account_page", account_id=account_id, done="roles"), code=303)
