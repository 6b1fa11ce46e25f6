"""The job seeker's pages: her profile, disclosure, matches and applications; applying, agreeing, consenting,
closing her profile."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import applications, disclosures, job_seekers
from services.brokering.web import schemas
from services.brokering.web.pages.forms import words
from services.brokering.web.pages.site import jobs_blp
from shared.errors import Unprocessable
from shared.pages import needs_sign_in, optional_whole_number, signed_in, validated
from shared.service import db_session

# What her page says after a change: fixed words for a fixed flag, never text from the query.
SAVED = {"profile": "Your profile is saved.", "disclosure": "Your disclosure is saved.",
         "applied": "You applied: the employer can see your application.",
         "agreed": "You agreed: the employer can now see your application.",
         "consent": "Your disclosure is shared with the employer for this application.",
         "consent-withdrawal": "You stopped sharing your disclosure.",
         "closed": "Your profile is closed and your disclosure deleted."}
PROFILE_TEXT = ("skills", "hours_per_week", "available_from", "travel_area", "preferences")


def _seeker_page(typed: dict | None = None, problem: str | None = None, status: int = 200):
    session, who = db_session(), signed_in()
    seeker = job_seekers.own_profile(session, who)
    mine = applications.of_job_seeker(session, seeker)
    return render_template(
        "jobs/seeker.html", seeker=seeker, disclosure=disclosures.my_disclosure(session, who),
        matches=job_seekers.matches_to_show(session, seeker), applications=mine,
        consents=applications.consents_of(session, mine), log=disclosures.recent_readings(session, seeker),
        restrictable=disclosures.RESTRICTABLE_WORK, sectors=schemas.SECTORS,
        saved=SAVED.get(request.args.get("saved", "")), typed=typed, problem=problem), status


@jobs_blp.get("/me")
@needs_sign_in
def seeker_page():
    """The job seeker's own page: profile, disclosure, matches, applications, who read the disclosure."""
    return _seeker_page()


@jobs_blp.post("/me/profile")
@needs_sign_in
def save_profile():
    session, form = db_session(), request.form
    typed = {**{name: form.get(name, "") for name in PROFILE_TEXT}, "sectors": form.getlist("sectors")}
    try:
        changes = validated(schemas.ProfileIn(), {
            "skills": words(typed["skills"]), "sectors": typed["sectors"],
            "hours_per_week": optional_whole_number(typed["hours_per_week"], "hours per week"),
            "available_from": typed["available_from"] or None,
            "travel_area": typed["travel_area"].strip().upper() or None, "preferences": typed["preferences"]})
        job_seekers.update_own_profile(session, signed_in(), changes)
    except Unprocessable as refused:
        session.rollback()
        return _seeker_page(typed, refused.message, 422)
    session.commit()
    return redirect(url_for(".seeker_page", saved="profile"), 303)


@jobs_blp.post("/me/close")
@needs_sign_in
def close_profile():
    """She closes her own profile: it leaves matching and her disclosure is deleted."""
    session = db_session()
    job_seekers.close_own_profile(session, signed_in())
    session.commit()
    return redirect(url_for(".seeker_page", saved="closed"), 303)


@jobs_blp.post("/me/disclosure")
@needs_sign_in
def save_disclosure():
    session, form = db_session(), request.form
    fields = validated(schemas.DisclosureIn(), {
        "unspent": form.get("unspent", ""), "unspent_until": form.get("unspent_until") or None,
        "restricted_roles": form.getlist("restricted_roles"), "statement": form.get("statement", "")})
    disclosures.write_my_disclosure(session, signed_in(), fields)
    session.commit()
    return redirect(url_for(".seeker_page", saved="disclosure"))


@jobs_blp.post("/vacancies/<int:vacancy_id>/apply")
@needs_sign_in
def apply(vacancy_id):
    session = db_session()
    applications.apply(session, signed_in(), vacancy_id)
    session.commit()
    return redirect(url_for(".seeker_page", saved="applied"))


def _back(application_id: int, saved: str):
    # From the application's own page, back to it; else to her page. A fixed choice, not a URL from the form.
    if request.form.get("back") == "application":
        return redirect(url_for(".application_page", application_id=application_id, done=saved))
    return redirect(url_for(".seeker_page", saved=saved))


@jobs_blp.post("/applications/<int:application_id>/agreement")
@needs_sign_in
def agree(application_id):
    """The job seeker agrees to a coordinator putting her forward; only then does the employer see it."""
    session = db_session()
    applications.agree(session, signed_in(), application_id)
    session.commit()
    return _back(application_id, "agreed")


@jobs_blp.post("/applications/<int:application_id>/consent")
@needs_sign_in
def consent(application_id):
    """The job seeker shares her disclosure with the employer for this application."""
    session = db_session()
    applications.give_consent(session, signed_in(), application_id)
    session.commit()
    return _back(application_id, "consent")


@jobs_blp.post("/applications/<int:application_id>/consent-withdrawal")
@needs_sign_in
def consent_withdrawal(application_id):
    """The job seeker withdraws her consent: the employer no longer sees her disclosure."""
    session = db_session()
    applications.withdraw_consent(session, signed_in(), application_id)
    session.commit()
    return _back(application_id, "consent-withdrawal")
