"""The desk's work page of a signed contract: allocating its lines, handing on flagged work, milestones."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.contracts import allocations, delivery
from services.contracts.web.pages.site import coordinators_only, desk_blp
from shared.errors import Unprocessable
from shared.pages import signed_in, whole_number
from shared.service import db_session


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
                               member_id=whole_number(form.get("member_id", ""), "member"), contract_id=contract_id)
    elif action == "milestone":
        delivery.mark_milestone_done(session, by, contract_id, whole_number(form.get("number", ""), "milestone"))
    else:
        raise Unprocessable("Choose what to do.")
    session.commit()
    return redirect(url_for(".work_page", contract_id=contract_id))
