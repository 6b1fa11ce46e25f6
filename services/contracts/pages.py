"""The coordinators' desk: server-rendered pages for contracts, rounds side by side, allocation, invoices.

The pages call the same domain functions as the API, and each move names the version the coordinator
read (a hidden field), so a change made meanwhile by someone else is refused with a clear message.
Signing in and CSRF are shared with the other services' pages (``shared/pages.py``).
"""

from __future__ import annotations

import datetime as dt
import functools

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from services.contracts import allocation, delivery, lifecycle, negotiation, schemas
from services.contracts import terms as terms_rules
from services.contracts.events import SECTORS
from services.contracts.models import Buyer, Contract, Invoice, MemberBusiness
from shared.errors import DomainError, Forbidden, NotFound, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, pence_from, signed_in, validated, whole_number
from shared.service import db_session, runtime

desk_blp = Blueprint("desk", __name__, url_prefix="/desk", template_folder="templates",
                     static_folder="static", static_url_path="/static")
LINE_ROWS, MILESTONE_ROWS = 3, 3
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
    contracts = db_session().scalars(select(Contract).order_by(Contract.id.desc()).limit(500)).all()
    groups = {name: [c for c in contracts if c.state in states] for name, states in GROUPS.items()}
    return render_template("desk/contracts.html", groups=groups)


@desk_blp.route("/buyers", methods=["GET", "POST"])
@coordinators_only
def buyers_page():
    """List the buyers and add one."""
    session = db_session()
    if request.method == "POST":
        fields = validated(schemas.BuyerIn(), {name: request.form.get(name, "").strip() or None
                                            for name in ("name", "contact_name", "email", "phone", "address")})
        negotiation.create_buyer(session, signed_in(), fields)
        session.commit()
        return redirect(url_for(".buyers_page", saved=1))
    buyers = session.scalars(select(Buyer).order_by(Buyer.name)).all()
    return render_template("desk/buyers.html", buyers=buyers, saved=request.args.get("saved"))


@desk_blp.route("/contracts/new", methods=["GET", "POST"])
@coordinators_only
def new_contract():
    """Start a contract in draft with the co-op's opening terms."""
    session = db_session()
    if request.method == "POST":
        body = validated(schemas.ContractIn(), {
            "buyer_id": whole_number(request.form.get("buyer_id", ""), "buyer"), "title": request.form.get("title", ""),
            "sector": request.form.get("sector", ""), "terms": _terms_from_form(),
            "comment": request.form.get("comment", "")})
        contract = negotiation.create_contract(session, signed_in(), buyer_id=body["buyer_id"], title=body["title"],
                                               sector=body["sector"], terms=schemas.Terms().dump(body["terms"]),
                                               comment=body["comment"])
        session.commit()
        return redirect(url_for(".contract_page", contract_id=contract.id))
    buyers = session.scalars(select(Buyer).order_by(Buyer.name)).all()
    return render_template("desk/new_contract.html", buyers=buyers, sectors=SECTORS, terms=None,
                           rows=LINE_ROWS, milestone_rows=MILESTONE_ROWS)


@desk_blp.get("/contracts/<int:contract_id>")
@coordinators_only
def contract_page(contract_id):
    """Show a contract: two rounds side by side with the changes marked, its history and the moves open."""
    session = db_session()
    contract = negotiation.get_contract(session, contract_id)
    count = len(contract.rounds)
    second = _round_number(request.args.get("to"), count)
    first = _round_number(request.args.get("from"), count, default=max(1, second - 1))
    before, after = negotiation.round_pair(contract, first, second)
    changes = terms_rules.differences(before.terms, after.terms)
    rows = _side_by_side(before.terms, after.terms, {change["field"] for change in changes})
    return render_template("desk/contract.html", contract=contract, before=before, after=after, rows=rows,
                           changes=changes, actions=lifecycle.actions_from(contract.state),
                           history=negotiation.history(session, contract), rows_count=LINE_ROWS,
                           milestone_rows=MILESTONE_ROWS, latest=contract.latest_round.terms)


MOVES = "propose, counter, agree, sign, reject, withdraw, start, complete"


@desk_blp.post(f"/contracts/<int:contract_id>/<any({MOVES}):move>")
@coordinators_only
def make_move(contract_id, move):
    """Make one move on a contract, on the version the form was made from."""
    session, by, form = db_session(), signed_in(), request.form
    contract = negotiation.contract_for_change(session, contract_id)
    version = whole_number(form.get("version", ""), "version")
    settings = runtime().settings
    if move == "propose":
        negotiation.propose(session, by, contract, version, respond_by=_end_of(form.get("respond_by")))
    elif move == "counter":
        body = validated(schemas.RoundIn(), {"party": form.get("party", ""), "terms": _terms_from_form(),
                                         "comment": form.get("comment", "")})
        negotiation.add_round(session, by, contract, version, party=body["party"],
                              terms=schemas.Terms().dump(body["terms"]), comment=body["comment"],
                              respond_by=_end_of(form.get("respond_by")))
    elif move == "agree":
        body = validated(schemas.AgreeIn(), {"party": form.get("party", ""), "comment": form.get("comment", "")})
        negotiation.agree(session, by, contract, version,
                          approval_threshold_pence=settings.contract_approval_threshold_pence, **body)
    elif move == "sign":
        body = validated(schemas.SignIn(), {"buyer_signatory": form.get("buyer_signatory", "")})
        negotiation.sign(session, by, contract, version, **body)
    elif move == "reject":
        body = validated(schemas.RejectIn(), {"party": form.get("party", ""), "reason": form.get("reason", "")})
        negotiation.reject(session, by, contract, version, **body)
    elif move == "withdraw":
        body = validated(schemas.WithdrawIn(), {"reason": form.get("reason", "")})
        negotiation.withdraw(session, by, contract, version, **body)
    elif move == "start":
        delivery.start(session, by, contract, version)
    else:
        delivery.complete(session, by, contract, version, fee_bp=settings.contract_fee_percent * 100,
                          vat_registered=settings.coop_vat_registered)
    session.commit()
    return redirect(url_for(".contract_page", contract_id=contract.id))


@desk_blp.route("/contracts/<int:contract_id>/work", methods=["GET", "POST"])
@coordinators_only
def work_page(contract_id):
    """Allocate a signed contract's work, hand on flagged work, and mark milestones done."""
    session, by, form = db_session(), signed_in(), request.form
    if request.method == "POST":
        contract = negotiation.contract_for_change(session, contract_id)
        action = form.get("action")
        if action == "allocate":
            allocation.allocate(session, by, contract.id, member_id=whole_number(form.get("member_id", ""), "member"),
                                line=whole_number(form.get("line", ""), "line"),
                                quantity=whole_number(form.get("quantity", ""), "quantity"))
        elif action == "reallocate":
            allocation.reallocate(session, by, whole_number(form.get("allocation_id", ""), "allocation"),
                                  member_id=whole_number(form.get("member_id", ""), "member"))
        elif action == "milestone":
            delivery.mark_milestone_done(session, by, contract, whole_number(form.get("number", ""), "milestone"))
        else:
            raise Unprocessable("Choose what to do.")
        session.commit()
        return redirect(url_for(".work_page", contract_id=contract.id))
    contract = negotiation.get_contract(session, contract_id)
    if contract.state not in lifecycle.UNDER_WAY and contract.state != "completed":
        raise NotFound(f"Contract {contract.reference} is {contract.state}: its work is allocated once it is signed.")
    members = [m for m in session.scalars(select(MemberBusiness).order_by(MemberBusiness.name))
               if m.can_take_work and contract.sector in (m.sectors or [])]
    allocations = session.scalars(allocation.allocations_query(contract_id=contract.id)).all()
    return render_template("desk/work.html", contract=contract, lines=allocation.line_summary(session, contract),
                           members=members, allocations=allocations)


@desk_blp.get("/invoices")
@coordinators_only
def invoices_page():
    """List the invoices issued to buyers."""
    invoices = db_session().scalars(select(Invoice).order_by(Invoice.number.desc()).limit(500)).all()
    return render_template("desk/invoices.html", invoices=invoices)


@desk_blp.get("/invoices/<int:invoice_id>")
@coordinators_only
def invoice_page(invoice_id):
    """Show one invoice, ready to print."""
    invoice = db_session().get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(f"There is no invoice {invoice_id}.")
    return render_template("desk/invoice.html", invoice=invoice)


def _terms_from_form() -> dict:
    """Read the terms fields of a form (prices in pounds) into the shape the Terms schema checks."""
    form = request.form
    lines = []
    for row in range(1, LINE_ROWS + 1):
        description = form.get(f"line_description_{row}", "").strip()
        if not description:
            continue
        lines.append({"description": description, "unit": form.get(f"line_unit_{row}", "").strip() or "items",
                      "quantity": whole_number(form.get(f"line_quantity_{row}", ""), f"quantity of line {row}"),
                      "unit_price_pence": pence_from(form.get(f"line_price_{row}", ""), f"price of line {row}")})
    milestones = [{"title": form.get(f"milestone_title_{row}", "").strip(),
                   "due_on": form.get(f"milestone_due_{row}")}
                  for row in range(1, MILESTONE_ROWS + 1) if form.get(f"milestone_title_{row}", "").strip()]
    return {"line_items": lines, "milestones": milestones, "start_on": form.get("start_on") or None,
            "end_on": form.get("end_on") or None,
            "payment_terms_days": whole_number(form.get("payment_terms_days", "30"), "payment terms"),
            "clauses": [line.strip() for line in form.get("clauses", "").splitlines() if line.strip()]}


def _end_of(day: str | None) -> dt.datetime | None:
    """An answer-by date typed as a day means the end of that day, UTC."""
    if not day:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), dt.UTC)
    except ValueError:
        raise Unprocessable("Give the answer-by date as a date.") from None


def _round_number(text: str | None, count: int, default: int | None = None) -> int:
    if text is None:
        return default or count
    number = whole_number(text, "round")
    if not 1 <= number <= count:
        raise NotFound(f"There is no round {number}; there are {count}.")
    return number


def _side_by_side(before: dict, after: dict, changed: set[str]) -> list[dict]:
    old, new = terms_rules.flatten(before), terms_rules.flatten(after)
    fields = sorted(old.keys() | new.keys(), key=terms_rules.natural_order)
    return [{"field": field, "before": old.get(field, ""), "after": new.get(field, ""), "changed": field in changed}
            for field in fields]
