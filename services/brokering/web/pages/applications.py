"""The page of one application, and moving it on (each side its own moves, a coordinator any)."""

from __future__ import annotations

import datetime as dt

from flask import redirect, render_template, request, url_for

from services.brokering import applications
from services.brokering.rules.stages import EMPLOYER_MOVES, SEEKER_MOVES
from services.brokering.web.pages.site import jobs_blp
from shared.errors import Unprocessable
from shared.pages import needs_sign_in, signed_in
from shared.service import db_session


@jobs_blp.get("/applications/<int:application_id>")
@needs_sign_in
def application_page(application_id):
    """One application; for its employer, the shared disclosure when there is one to see (logged)."""
    session = db_session(writing=True)
    application, actor, shared = applications.show(session, signed_in(), application_id)
    session.commit()
    return render_template("jobs/application.html", application=application, actor=actor, shared=shared,
                           moves=EMPLOYER_MOVES if actor != "job_seeker" else SEEKER_MOVES)


@jobs_blp.post("/applications/<int:application_id>/move")
@needs_sign_in
def move(application_id):
    session, form = db_session(), request.form
    start_on = form.get("start_on") or None
    try:
        start = dt.date.fromisoformat(start_on) if start_on else None
    except ValueError:
        raise Unprocessable("Give the start date as a date.") from None
    applications.move(session, signed_in(), application_id, form.get("stage", ""),
                      reason=form.get("reason") or None, start_on=start)
    session.commit()
    return redirect(request.referrer or url_for("jobs.home"))
