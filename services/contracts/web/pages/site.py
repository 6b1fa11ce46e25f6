"""The one ``desk`` blueprint every page of the coordinators' desk hangs on (under /desk): the templates,
the stylesheet, the sign-in routes, the refusal page, and the check that only coordinators come in.

Each page group's module (contracts, buyers, work, invoices) adds its routes to it;
``web/pages/__init__.py`` names them all.
"""

from __future__ import annotations

import functools

from flask import Blueprint, render_template

from shared.errors import DomainError, Forbidden
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in

desk_blp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates")
add_session_routes(desk_blp, "desk.contracts_page")


@desk_blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": pounds}


@desk_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("desk/error.html", error=error), error.status


def coordinators_only(view):
    """Let only coordinators in (after the sign-in check)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("coordinator"):
            raise Forbidden("The contracts desk is for the co-op's coordinators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)
