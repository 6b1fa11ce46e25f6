"""The coordinators' desk: server-rendered pages for contracts, rounds side by side, allocation, invoices.

The pages call the same use cases as the API, and each move names the version the coordinator read
(a hidden field), so a change made meanwhile by someone else is refused with a clear message.
Signing in and CSRF are shared with the other services' pages (``shared/pages.py``).
"""

from __future__ import annotations

import functools

from flask import Blueprint, redirect, render_template, request, url_for

from services.contracts import allocations, buyers, contracts, delivery, invoices
from services.contracts.events import SECTORS
from services.contracts.rules import lifecycle
from services.contracts.web import schemas
from services.contracts.web.pages.forms import (
    LINE_ROWS,
    MILESTONE_ROWS,
    end_of,
    round_number,
    side_by_side,
    terms_from_form,
)
from shared.errors import DomainError, Forbidden, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in, validated, whole_number
from shared.service import collaborators, db_session

desk_blp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates",
                     static_folder="static", static_url_path="/static")
GROUPS = {"In negotiation": ("draft", "proposed", "countered"), "Agreed": ("agreed",),
          "Under way": ("signed", "active"), "Completed": ("completed",),
          "Closed": ("rejected", "withdrawn", "expired")}

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


@desk_blp.get("/")
@coordinators_only
def contracts_page():
    """List the contracts, grouped by where they stand."""
    return render_template("desk/contracts.html", groups=contracts.contracts_by_state(db_session(), GROUPS))


@desk_blp.route("/buyers", methods=["GET", "POST"])
@coordinators_only
def buyers_page():
    """List the buyers and add one."""
    session = db_session()
    if request.method == "POST":
        fields = validated(schemas.BuyerIn(), {name: request.form.get(name, "").strip() or None
                                               for name in ("name", "contact_name", "email", "phone", "address")})
        buyers.create_buyer(session, signed_in(), fields)
        session.commit()
        return redirect(url_for(".buyers_page", saved=1))
    return render_template("desk/buyers.html", buyers=session.scalars(buyers.buyers_query()).all(),
                           saved=request.args.get("saved"))


@desk_blp.route("/contracts/new", methods=["GET", "POST"])
@coordinators_only
def new_contract():
    """Start a contract in draft with the co-op's opening terms."""
    session = db_session()
    if request.method == "POST":
        body = validated(schemas.ContractIn(), {
            "buyer_id": whole_number(request.form.get("buyer_id", ""), "buyer"), "title": request.form.get("title", ""),
            "sector": request.form.get("sector", ""), "terms": terms_from_form(),
            "comment": request.form.get("comment", "")})
        contract = contracts.create_contract(session, signed_in(), **body)
        session.commit()
        return redirect(url_for(".contract_page", contract_id=contract.id))
    return render_template("desk/new_contract.html", buyers=session.scalars(buyers.buyers_query()).all(),
                           sectors=SECTORS, terms=None, rows=LINE_ROWS, milestone_rows=MILESTONE_ROWS)


@desk_blp.get("/contracts/<int:contract_id>")
@coordinators_only
def contract_page(contract_id):
    """Show a contract: two rounds side by side with the changes marked, its history and the moves open."""
    session = db_session()
    contract = contracts.get_contract(session, contract_id)
    count = len(contract.rounds)
    second = round_number(request.args.get("to"), count)
    first = round_number(request.args.get("from"), count, default=max(1, second - 1))
    before, after, changes = contracts.compare_rounds(contract, first, second)
    rows = side_by_side(before.terms, after.terms, {change["field"] for change in changes})
    return render_template("desk/contract.html", contract=contract, before=before, after=after, rows=rows,
                           changes=changes, actions=lifecycle.actions_from(contract.state),
                           history=contracts.history(session, contract), rows_count=LINE_ROWS,
                           milestone_rows=MILESTONE_ROWS, latest=contract.latest_round.terms)


# The moves on a contract: each made on the version the form was made from, then back to the contract.

@desk_blp.post("/contracts/<int:contract_id>/propose")
@coordinators_only
def propose(contract_id):
    """Send the draft's latest terms to the buyer."""
    session = db_session()
    contracts.propose(session, signed_in(), contract_id, _version(), respond_by=end_of(request.form.get("respond_by")))
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/counter")
@coordinators_only
def counter(contract_id):
    """Record new terms: a revised draft or a counter-offer."""
    session, form = db_session(), request.form
    version = _version()
    body = validated(schemas.RoundIn(), {"party": form.get("party", ""), "terms": terms_from_form(),
                                         "comment": form.get("comment", "")})
    contracts.add_round(session, signed_in(), contract_id, version,
                        **{**body, "respond_by": end_of(form.get("respond_by"))})
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/agree")
@coordinators_only
def agree(contract_id):
    """Record that one side accepted the other's latest terms."""
    session, form = db_session(), request.form
    version = _version()
    body = validated(schemas.AgreeIn(), {"party": form.get("party", ""), "comment": form.get("comment", "")})
    contracts.agree(session, signed_in(), contract_id, version, settings=collaborators().settings, **body)
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/sign")
@coordinators_only
def sign(contract_id):
    """Record the signature of agreed (and, when needed, approved) terms."""
    session = db_session()
    version = _version()
    body = validated(schemas.SignIn(), {"buyer_signatory": request.form.get("buyer_signatory", "")})
    contracts.sign(session, signed_in(), contract_id, version, **body)
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/reject")
@coordinators_only
def reject(contract_id):
    """Record that one side turned the offer down."""
    session, form = db_session(), request.form
    version = _version()
    body = validated(schemas.RejectIn(), {"party": form.get("party", ""), "reason": form.get("reason", "")})
    contracts.reject(session, signed_in(), contract_id, version, **body)
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/withdraw")
@coordinators_only
def withdraw(contract_id):
    """Withdraw the co-op from a contract not yet signed."""
    session = db_session()
    version = _version()
    body = validated(schemas.WithdrawIn(), {"reason": request.form.get("reason", "")})
    contracts.withdraw(session, signed_in(), contract_id, version, **body)
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/start")
@coordinators_only
def start(contract_id):
    """Start the work, once every line is allocated."""
    session = db_session()
    delivery.start(session, signed_in(), contract_id, _version())
    return _back_to_contract(session, contract_id)


@desk_blp.post("/contracts/<int:contract_id>/complete")
@coordinators_only
def complete(contract_id):
    """Complete the contract: the buyer is invoiced and each member's share recorded."""
    session = db_session()
    delivery.complete(session, signed_in(), contract_id, _version(), settings=collaborators().settings)
    return _back_to_contract(session, contract_id)


@desk_blp.route("/contracts/<int:contract_id>/work", methods=["GET", "POST"])
@coordinators_only
def work_page(contract_id):
    """Allocate a signed contract's work, hand on flagged work, and mark milestones done."""
    session, by, form = db_session(), signed_in(), request.form
    if request.method == "GET":
        return render_template("desk/work.html", **allocations.work_of(session, contract_id))
    action = form.get("action")
    if action == "allocate":
        allocations.allocate(session, by, contract_id, member_id=whole_number(form.get("member_id", ""), "member"),
                             line=whole_number(form.get("line", ""), "line"),
                             quantity=whole_number(form.get("quantity", ""), "quantity"))
    elif action == "reallocate":
        allocations.reallocate(session, by, whole_number(form.get("allocation_id", ""), "allocation"),
                               member_id=whole_number(form.get("member_id", ""), "member"))
    elif action == "milestone":
        delivery.mark_milestone_done(session, by, contract_id, whole_number(form.get("number", ""), "milestone"))
    else:
        raise Unprocessable("Choose what to do.")
    session.commit()
    return redirect(url_for(".work_page", contract_id=contract_id))


@desk_blp.get("/invoices")
@coordinators_only
def invoices_page():
    """List the invoices issued to buyers."""
    return render_template("desk/invoices.html", invoices=invoices.latest_invoices(db_session()))


@desk_blp.get("/invoices/<int:invoice_id>")
@coordinators_only
def invoice_page(invoice_id):
    """Show one invoice, ready to print."""
    return render_template("desk/invoice.html", invoice=invoices.get_invoice(db_session(), invoice_id))


def _version() -> int:
    return whole_number(request.form.get("version", ""), "version")


def _back_to_contract(session, contract_id: int):
    session.commit()
    return redirect(url_for(".contract_page", contract_id=contract_id))
