"""A member's own pages: her membership (number, share, status and its history), her record month by
month, and asking the co-op's job brokering for help (and changing her mind back).

A producer member signs in as herself; an agency member through its representative, whose account it is.
Who she is comes from the signed-in account, never from the form or the URL. Each page calls the use
case the JSON API calls (``services/members/membership.py``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for

from services.members import membership
from shared.errors import DomainError
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in
from shared.service import db_session

blp = Blueprint("my_membership", __name__, url_prefix="/my-membership", template_folder="templates")
add_session_routes(blp, "my_membership.membership_page")

UK = ZoneInfo("Europe/London")
# What a ?done= flag says (never text from the query itself).
DONE = {
    "asked": "Done: the co-op's job brokering has been asked to help you find a job.",
    "withdrawn": "Done: you are no longer asking for job brokering.",
}


def uk(moment: dt.datetime | None) -> str:
    """A moment as a person in the UK reads it: 3 December 2026, 14:05."""
    if moment is None:
        return ""
    return moment.astimezone(UK).strftime("%-d %B %Y, %H:%M")


def page_globals() -> dict:
    """What the member's pages' templates use (both blueprints of them)."""
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": pounds, "uk": uk}


def refused_page(error: DomainError):
    """A refused action or a page that is not hers: the reason, said plainly."""
    return render_template("membership/error.html", error=error), error.status


blp.context_processor(page_globals)
blp.errorhandler(DomainError)(refused_page)


@blp.get("/")
@needs_sign_in
def membership_page():
    """Her membership: number, share, status and its history, and job brokering."""
    session = db_session()
    member = membership.my_membership(session, signed_in())
    history = sorted(member.history, key=lambda change: (change.changed_at, change.id), reverse=True)
    return render_template("membership/membership.html", member=member, history=history,
                           done=DONE.get(request.args.get("done", "")))


@blp.get("/record")
@needs_sign_in
def record_page():
    """Her record month by month: sales, earnings, payouts, contract work and jobs."""
    session = db_session(writing=True)
    member = membership.my_membership(session, signed_in())
    months = membership.member_record_months(session, member.id, signed_in())
    session.commit()
    return render_template("membership/record.html", member=member, months=list(reversed(months)))


@blp.post("/job-brokering")
@needs_sign_in
def ask_for_job_brokering():
    """Ask the co-op's job brokering for help finding a job."""
    session = db_session()
    member = membership.my_membership(session, signed_in())
    membership.ask_for_job_brokering(session, member.id, signed_in())
    session.commit()
    return redirect(url_for("my_membership.membership_page", done="asked"), code=303)


@blp.post("/job-brokering/withdraw")
@needs_sign_in
def withdraw_from_job_brokering():
    """Change her mind: no longer ask for job brokering."""
    session = db_session()
    member = membership.my_membership(session, signed_in())
    membership.withdraw_from_job_brokering(session, member.id, signed_in())
    session.commit()
    return redirect(url_for("my_membership.membership_page", done="withdrawn"), code=303)
