"""A member business's own contract work (under /my-work): the work offered to her, to accept or decline;
the work she has taken on; and what she has earned from it and been paid. Only her own work, ever: the
use cases pick it by the signed-in person's member business, never by an id from the page.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, request, url_for

from services.contracts import allocations
from shared.errors import DomainError, Forbidden
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in
from shared.service import db_session

UK = ZoneInfo("Europe/London")
# What the list says after an answer (a fixed message for each ``?done=`` flag, never text from the query).
DONE = {"accepted": "You accepted the work", "declined": "You declined the work"}

my_work_blp = Blueprint("my_work", __name__, url_prefix="/my-work", template_folder="templates")
add_session_routes(my_work_blp, "my_work.my_work_page")


def uk_day(moment: dt.datetime | dt.date | str | None) -> str:
    """Say a moment (in UK time) or a day as people read it: 4 Jan 2027."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = dt.date.fromisoformat(moment)
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(UK)
    return f"{moment.day} {moment.strftime('%b %Y')}"


@my_work_blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": pounds, "uk_day": uk_day}


@my_work_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("my_work/error.html", error=error), error.status


def members_only(view):
    """Let only producer members in (after the sign-in check), as the API's member routes do."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("member"):
            raise Forbidden("These pages are for the co-op's producer members: the work allocated to them.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


@my_work_blp.get("/")
@members_only
def my_work_page():
    """Her contract work: offers to answer, her other work, and what she has earned and been paid."""
    work = allocations.my_work(db_session(), signed_in())
    done = DONE.get(request.args.get("done", ""))
    answered = None
    if done:
        answered = next((a for a in work["offered"] + work["others"]
                         if str(a["id"]) == request.args.get("allocation")), None)
    return render_template("my_work/work.html", done=done, answered=answered, **work)


@my_work_blp.get("/<int:allocation_id>")
@members_only
def allocation_page(allocation_id):
    """One piece of her work: her line of the contract, its dates and milestones, and the answer to give."""
    allocation = allocations.my_allocation(db_session(), signed_in(), allocation_id)
    return render_template("my_work/allocation.html", a=allocations.member_view(allocation))


@my_work_blp.post("/<int:allocation_id>/accept")
@members_only
def accept(allocation_id):
    """Accept work offered to her business."""
    return _answered(allocations.accept_allocation, allocation_id, "accepted")


@my_work_blp.post("/<int:allocation_id>/decline")
@members_only
def decline(allocation_id):
    """Decline work offered to her business: it goes back to the coordinators to offer to someone else."""
    return _answered(allocations.decline_allocation, allocation_id, "declined")


def _answered(answer, allocation_id: int, done: str):
    session = db_session()
    answer(session, signed_in(), allocation_id)
    session.commit()
    return redirect(url_for(".my_work_page", done=done, allocation=allocation_id), code=303)
