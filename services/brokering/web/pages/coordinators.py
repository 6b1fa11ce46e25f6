"""The coordinator's desk: employers waiting for approval, placements and their check-ins, outcomes."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import employers, placements
from services.brokering.web.pages.site import jobs_blp
from shared.pages import needs_sign_in, signed_in
from shared.service import collaborators, db_session


@jobs_blp.get("/desk")
@needs_sign_in
def coordinator_page():
    """Employers waiting for approval, placements and their check-ins, and this year's outcomes."""
    desk = placements.coordinator_desk(db_session(), signed_in(), collaborators().clock)
    return render_template("jobs/coordinator.html", waiting=desk.waiting, placements=desk.placements,
                           report=desk.report, today=desk.today)


@jobs_blp.post("/employers/<int:employer_id>/<any(approve, refuse):decision>")
@needs_sign_in
def decide_employer(employer_id, decision):
    session = db_session()
    employers.decide(session, signed_in(), employer_id, approve=decision == "approve")
    session.commit()
    return redirect(url_for(".coordinator_page"))


@jobs_blp.post("/placements/<int:placement_id>/check-ins/<any('6w', '13w', '26w', '6m'):milestone>")
@needs_sign_in
def check_in(placement_id, milestone):
    session = db_session()
    placements.record_check_in(session, signed_in(), placement_id, milestone,
                               in_work=request.form.get("in_work") == "yes", note=request.form.get("note", "")[:2000])
    session.commit()
    return redirect(url_for(".coordinator_page"))
