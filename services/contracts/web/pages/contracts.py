"""The desk's contract pages: the list by state, a new contract, one contract with two rounds side by
side, and the moves on it (each its own route, made on the version the form was made from)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from services.contracts import allocations, buyers, contracts, delivery
from services.contracts.events import SECTORS
from services.contracts.models import MemberBusiness
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
from services.contracts.web.pages.site import coordinators_only, desk_blp
from shared.money import pounds
from shared.pages import signed_in, validated, whole_number
from shared.service import collaborators, db_session

GROUPS = {"In negotiation": ("draft", "proposed", "countered"), "Agreed": ("agreed",),
          "Under way": ("signed", "active"), "Completed": ("completed",),
          "Closed": ("rejected", "withdrawn", "expired")}


@desk_blp.get("/")
@coordinators_only
def contracts_page():
    """List the contracts, grouped by where they stand."""
    return render_template("desk/contracts.html", groups=contracts.contracts_by_state(db_session(), GROUPS))


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
        contract = contracts.create_contract(session, signed_in(), **body)
        session.commit()
        return redirect(url_for(".contract_page", contract_id=contract.id))
    return render_template("desk/new_contract.html", buyers=session.scalars(buyers.buyers_query()).all(),
                           sectors=SECTORS, terms=None, rows=LINE_ROWS, milestone_rows=MILESTONE_ROWS,
                           members=_members(session))


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
    names = member_names(session, before.terms, after.terms)
    rows = sorted(({**row, **worded(row["field"], row["before"], row["after"], names)}
                   for row in side_by_side(before.terms, after.terms, {change["field"] for change in changes})),
                  key=lambda row: reading_order(row["field"]))
    changes = sorted(({**change, **worded(change["field"], change["before"], change["after"], names)}
                      for change in changes), key=lambda change: reading_order(change["field"]))
    return render_template("desk/contract.html", contract=contract, before=before, after=after, rows=rows,
                           changes=changes, actions=lifecycle.actions_from(contract.state),
                           history=contracts.history(session, contract), rows_count=LINE_ROWS,
                           milestone_rows=MILESTONE_ROWS, latest=contract.latest_round.terms, uk_time=uk_time,
                           members=_members(session, contract.latest_round.terms))


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
    body = validated(schemas.RoundIn(), {"party": form.get("party", ""), "terms": _terms_from_form(),
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


def _terms_from_form() -> dict:
    """The terms fields of a form, with the member businesses ticked (by their ids) as the Terms schema takes them."""
    return {**terms_from_form(),
            "member_ids": [whole_number(value, "member business") for value in request.form.getlist("member_ids")]}


def _members(session, terms: dict | None = None) -> list:
    """The member businesses a form may name for the work: those who can take work, and any the terms name."""
    named = set((terms or {}).get("member_ids") or [])
    found = session.scalars(select(MemberBusiness).order_by(MemberBusiness.name)).all()
    takers = {member.member_id for member in session.scalars(allocations.members_who_can_take_work_query())}
    return [member for member in found if member.member_id in takers | named]


def _version() -> int:
    return whole_number(request.form.get("version", ""), "version")


def _back_to_contract(session, contract_id: int):
    session.commit()
    return redirect(url_for(".contract_page", contract_id=contract_id))


# How a field of the terms reads to a person: its words, and its value in pounds, as a date or as a name.

_FIELD = re.compile(r"^(?P<list>\w+)\[(?P<index>\d+)\](?:\.(?P<leaf>\w+))?$")
_SINGLE = {"payment_terms_days": "Payment terms", "start_on": "Start", "end_on": "End"}
_LISTS = {"line_items": "Line", "milestones": "Milestone", "clauses": "Clause", "member_ids": "Member business"}
_LEAVES = {"description": "Description", "quantity": "Quantity", "unit": "Unit", "unit_price_pence": "Unit price",
           "title": "Title", "due_on": "Due"}


_ORDER = ("line_items", "milestones", "start_on", "end_on", "payment_terms_days", "clauses", "member_ids")
_LEAF_ORDER = ("description", "quantity", "unit", "unit_price_pence", "title", "due_on")
UK = ZoneInfo("Europe/London")


def reading_order(field: str) -> tuple:
    """Sort the fields of the terms as a contract reads: its lines, milestones, dates, payment, clauses, members."""
    match = _FIELD.match(field)
    top = match["list"] if match else field
    index = int(match["index"]) if match else 0
    leaf = match["leaf"] if match else None
    return (_ORDER.index(top) if top in _ORDER else len(_ORDER), top, index,
            _LEAF_ORDER.index(leaf) if leaf in _LEAF_ORDER else len(_LEAF_ORDER), leaf or "")


def uk_time(moment: dt.datetime) -> str:
    """Say a moment in UK time: 3 Dec 2026 07:08."""
    local = moment.astimezone(UK)
    return f"{local.day} {local.strftime('%b %Y %H:%M')}"


def member_names(session, *terms: dict) -> dict[int, str]:
    """Return the names of the member businesses the terms name (this service's projection of them)."""
    ids = {member_id for each in terms for member_id in each.get("member_ids") or []}
    if not ids:
        return {}
    found = session.scalars(select(MemberBusiness).where(MemberBusiness.member_id.in_(ids)))
    return {member.member_id: member.name for member in found}


def worded(field: str, before, after, names: dict[int, str]) -> dict:
    """Say one field of the terms and its two values as a person reads them.

    ``line_items[0].unit_price_pence`` 240 and 220 read "Line 1", "Unit price", "£2.40" and "£2.20";
    ``member_ids[0]`` 1 reads "Member business 1" and the member's name. ``sentence`` says the change
    whole: "Line 1: Unit price £2.40 → £2.20".
    """
    match = _FIELD.match(field)
    if match:
        group = f"{_LISTS.get(match['list'], match['list'])} {int(match['index']) + 1}"
        leaf = match["leaf"]
        label = _LEAVES.get(leaf, leaf.replace("_", " ").capitalize()) if leaf else ""
    else:
        group, leaf, label = "", field, _SINGLE.get(field, field.replace("_", " ").capitalize())
    if match and match["list"] == "member_ids":
        def say(value):
            return "" if value is None or value == "" else names.get(value, f"member {value}")
    else:
        def say(value):
            return _value(leaf, value)
    was, now = say(before), say(after)
    name = f"{group}: {label}" if group and label else group or label
    if before in (None, "") and after not in (None, ""):
        sentence = f"{name} {now} (added)"
    elif after in (None, "") and before not in (None, ""):
        sentence = f"{name} {was} (removed)"
    else:
        sentence = f"{name} {was} → {now}"
    return {"group": group, "label": label, "name": name, "before_text": was, "after_text": now,
            "sentence": sentence}


def _value(leaf: str | None, value) -> str:
    if value is None or value == "":
        return ""
    if leaf and leaf.endswith("_pence"):
        return pounds(value)
    if leaf == "payment_terms_days":
        return f"{value} days"
    if leaf and (leaf.endswith("_on")):
        try:
            return dt.date.fromisoformat(str(value)).strftime("%-d %b %Y")
        except ValueError:
            return str(value)
    return str(value)
