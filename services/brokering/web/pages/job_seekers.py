"""The job seeker's pages: her profile, disclosure, matches and applications; applying, agreeing, consenting."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import applications, disclosures, job_seekers
from services.brokering.web import schemas
from services.brokering.web.pages.forms import words
from services.brokering.web.pages.site import jobs_blp
from shared.pages import needs_sign_in, optional_whole_number, signed_in, validated
from shared.service import db_session


@jobs_blp.get("/me")
@needs_sign_in
def seeker_page():
    """The job seeker's own page: profile, disclosure, matches, applications, who read the disclosure."""
    session, who = db_session(), signed_in()
    seeker = job_seekers.own_profile(session, who)
    mine = applications.of_job_seeker(session, seeker)
    return render_template(
        "jobs/seeker.html", seeker=seeker, disclosure=disclosures.my_disclosure(session, who),
        matches=job_seekers.matches_to_show(session, seeker), applications=mine,
        consents=applications.consents_of(session, mine), log=disclosures.recent_readings(session, seeker),
        restrictable=disclosures.RESTRICTABLE_WORK, saved=request.args.get("saved"))


@jobs_blp.post("/me/profile")
@needs_sign_in
def save_profile():
    session, form = db_session(), request.form
    changes = validated(schemas.ProfileIn(), {
        "skills": words(form.get("skills", "")),
        "hours_per_week": optional_whole_number(form.get("hours_per_week"), "hours per week"),
        "travel_area": form.get("travel_area", "").strip() or None, "preferences": form.get("preferences", "")})
    job_seekers.update_own_profile(session, signed_in(), changes)
    session.commit()
    return redirect(url_for(".seeker_page", saved="profile"))


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


@jobs_blp.post("/applications/<int:application_id>/agreement")
@needs_sign_in
def agree(application_id):
    """The job seeker agrees to a coordinator putting her forward; only then does the employer see it."""
    session = db_session()
    applications.agree(session, signed_in(), application_id)
    session.commit()
    return redirect(url_for(".seeker_page", saved="agreed"))


@jobs_blp.post("/applications/<int:application_id>/consent")
@needs_sign_in
def consent(application_id):
    """The job seeker shares her disclosure with the employer for this application."""
    session = db_session()
    applications.give_consent(session, signed_in(), application_id)
    session.commit()
    return redirect(url_for(".seeker_page", saved="consent"))


@jobs_blp.post("/applications/<int:application_id>/consent-withdrawal")
@needs_sign_in
def consent_withdrawal(application_id):
    """The job seeker withdraws her consent: the employer no longer sees her disclosure."""
    session = db_session()
    applications.withdraw_consent(session, signed_in(), application_id)
    session.commit()
    return redirect(url_for(".seeker_page", saved="consent-withdrawal"))
