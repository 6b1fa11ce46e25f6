"""Joining the co-op in pages: how to join, applying as a producer member (a person's business) or as a
support-agency organisation, and "My application": where it stands, with its history.

Applying needs an account (the application is hers: ``signed_in()``, never an id from the form); the use
case is ``membership.apply_for_membership``, as the API's ``POST /members`` calls it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import accounts, membership
from services.members.events import SECTORS
from services.members.web import schemas
from shared.errors import Conflict, DomainError, NotFound, Unprocessable
from shared.money import pounds
from shared.pages import add_session_routes, needs_sign_in, signed_in, validated
from shared.service import db_session

blp = Blueprint("joining", __name__, url_prefix="/join", template_folder="templates")
add_session_routes(blp, "joining.join_page")

UK = ZoneInfo("Europe/London")
KINDS = {"producer": "A producer member: my own small business sells through the co-op",
         "agency": "A support agency: our organisation supports people who come to the co-op"}
KIND_NAMES = {"producer": "Producer member", "agency": "Support agency"}
SECTOR_NAMES = {sector: sector.capitalize() for sector in SECTORS}
STATUS_WORDS = {
    "applicant": "Waiting for a coordinator to look at it",
    "active": "Admitted: you are a member",
    "suspended": "Suspended",
    "left": "Left the co-op",
    "declined": "Declined",
}
# A step of her history in words: (from, to) first, then by where it led.
STEPS = {("suspended", "active"): "Reinstated", ("declined", "applicant"): "Reopened as an application",
         ("left", "applicant"): "Reopened as an application"}
STEP_TO = {"applicant": "Applied", "active": "Admitted", "suspended": "Suspended", "left": "Left",
           "declined": "Declined"}
DONE = {"applied": "Thank you: your application is sent. A coordinator will look at it.",
        "saved": "Your application is saved."}


@blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("joining/refused.html", error=error), error.status


def uk_time(moment: dt.datetime | None) -> str:
    return moment.astimezone(UK).strftime("%d %b %Y, %H:%M") if moment else ""


@blp.context_processor
def page_globals():
    return {"uk_time": uk_time, "step_words": step_words}


def step_words(change) -> str:
    return STEPS.get((change.from_status, change.to_status)) or STEP_TO.get(change.to_status, change.to_status)


def _mine():
    """Her own membership record, or None (never another's: the signed-in account's)."""
    return membership.member_of_account(db_session(), signed_in().account_id)


@blp.get("/")
def join_page():
    """How to join: the two ways, and what to do first (an account, then the application)."""
    who = signed_in()
    mine = membership.member_of_account(db_session(), who.account_id) if who else None
    return render_template("joining/join.html", kinds=KINDS, mine=mine)


def _application_form(form: dict, status: int = 200, problem: str | None = None):
    return render_template("joining/apply.html", form=form, kinds=KINDS, sectors=SECTOR_NAMES,
                           problem=problem), status


@blp.get("/apply")
@needs_sign_in
def apply_page():
    """The application form: producer or agency, the business or organisation, its sectors, how she came."""
    if _mine() is not None:
        return redirect(url_for("joining.my_application"), code=303)
    kind = request.args.get("kind", "producer")
    return _application_form({"kind": kind if kind in KINDS else "producer", "sectors": []})


def _form_data() -> dict:
    return {"kind": request.form.get("kind", ""), "name": request.form.get("name", "").strip()[:500],
            "sectors": request.form.getlist("sectors")[:len(SECTORS) + 1],
            "description": request.form.get("description", "")[:5000],
            "how_they_came": request.form.get("how_they_came", "")[:5000]}


@blp.post("/apply")
@needs_sign_in
def apply():
    form = _form_data()
    try:
        body = validated(schemas.MembershipApplication(), form)
    except Unprocessable:
        return _application_form(form, 422, _application_problem(form))
    session = db_session()
    account = accounts.get_account(session, signed_in().account_id)
    try:
        membership.apply_for_membership(session, account, **body)
    except Conflict as conflict:
        session.rollback()
        return _application_form(form, 409, conflict.message)
    session.commit()
    return redirect(url_for("joining.my_application", done="applied"), code=303)


def _application_problem(form: dict) -> str:
    if form["kind"] not in KINDS:
        return "Choose whether you apply as a producer member or as a support agency."
    if not form["name"]:
        return "Give the name of your business or organisation."
    if len(form["name"]) > 120:
        return "The name has at most 120 characters."
    if any(sector not in SECTORS for sector in form["sectors"]):
        return "Choose the sectors from the list."
    return "The description and how you came to the co-op have at most 2,000 characters each."


@blp.get("/my-application")
@needs_sign_in
def my_application():
    """Where her application stands: its status in words, what she sent, and its history."""
    mine = _mine()
    if mine is None:
        return render_template("joining/no_application.html"), 200
    return _my_application(mine)


def _my_application(mine, status: int = 200, form: dict | None = None, problem: str | None = None):
    form = form or {"name": mine.name, "sectors": list(mine.sectors), "description": mine.description}
    return render_template(
        "joining/my_application.html", member=mine, status_words=STATUS_WORDS, kind_names=KIND_NAMES,
        sectors=SECTOR_NAMES, share=pounds(mine.share_pence) if mine.share_pence else None, form=form,
        can_change=mine.status not in membership.FINISHED, problem=problem,
        done=DONE.get(request.args.get("done", ""))), status


@blp.post("/my-application")
@needs_sign_in
def change_application():
    """Change what others read of her business or organisation: its name, sectors, description."""
    mine = _mine()
    if mine is None:
        raise NotFound("You have not applied to join yet.")
    form = {"name": request.form.get("name", "").strip()[:500], "sectors": request.form.getlist("sectors")[:20],
            "description": request.form.get("description", "")[:5000]}
    try:
        body = validated(schemas.ProfileUpdate(), form)
    except Unprocessable:
        return _my_application(mine, 422, form, _application_problem({**form, "kind": mine.kind}))
    session = db_session()
    membership.update_profile(session, mine.id, signed_in(), body)
    session.commit()
    return redirect(url_for("joining.my_application", done="saved"), code=303)
