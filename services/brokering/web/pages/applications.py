"""The page of one application, and moving it on (each side its own moves, a coordinator any): for the job
seeker, accepting or declining an offer, withdrawing, agreeing and sharing her disclosure from here."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import applications, disclosures
from services.brokering.rules.stages import EMPLOYER_MOVES, SEEKER_MOVES
from services.brokering.web import schemas
from services.brokering.web.pages.site import jobs_blp
from shared.errors import Unprocessable
from shared.pages import needs_sign_in, signed_in, validated
from shared.service import db_session

# What the page says after a change: fixed words for a fixed flag, never text from the query.
DONE = {"interview": "Moved to interview.", "conditional_offer": "Conditional offer made.",
        "offer_confirmed": "Offer confirmed.", "rejected": "Application rejected.",
        "accepted": "You accepted the offer: the placement has started.", "withdrawn": "Application withdrawn.",
        "agreed": "You agreed: the employer can now see your application.",
        "consent": "Your disclosure is shared with the employer for this application.",
        "consent-withdrawal": "You stopped sharing your disclosure."}


def _page(application_id: int, typed: dict | None = None, problem: str | None = None, status: int = 200):
    session = db_session(writing=True)
    application, actor, shared = applications.show(session, signed_in(), application_id)
    consented = applications.consent_active(session, application)
    written = actor == "job_seeker" and disclosures.my_disclosure(session, signed_in()) is not None
    session.commit()
    return render_template("jobs/application.html", application=application, actor=actor, shared=shared,
                           consented=consented, written=written,
                           moves=EMPLOYER_MOVES if actor != "job_seeker" else SEEKER_MOVES,
                           done=DONE.get(request.args.get("done", "")), typed=typed or {}, problem=problem), status


@jobs_blp.get("/applications/<int:application_id>")
@needs_sign_in
def application_page(application_id):
    """One application; for its employer, the shared disclosure when there is one to see (logged); for the
    job seeker, what she can do next (accept or decline an offer)."""
    return _page(application_id)


@jobs_blp.post("/applications/<int:application_id>/move")
@needs_sign_in
def move(application_id):
    session, form = db_session(), request.form
    stage = form.get("stage", "")
    typed = {"reason": form.get("reason", ""), "start_on": form.get("start_on", ""), "stage": stage}
    try:
        body = validated(schemas.MoveIn(), {"reason": typed["reason"] or None, "start_on": typed["start_on"] or None})
        applications.move(session, signed_in(), application_id, stage, **body)
    except Unprocessable as refused:
        session.rollback()
        return _page(application_id, typed, refused.message, 422)
    session.commit()
    return redirect(url_for(".application_page", application_id=application_id, done=stage), 303)
