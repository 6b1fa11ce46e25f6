"""Pages for job seekers, employers and coordinators, rendered on the server, under /jobs.

They call the same rules as the API. An employer's pages show a disclosure only on the page of one
application, after a conditional offer, with the job seeker's consent; the reading is logged.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select

from services.brokering import applications, disclosure, employers, jobseekers, matches, placements, schemas
from services.brokering.disclosure_calculator import CAVEATS, Sentence, spent_date
from services.brokering.models import Application, Disclosure, Employer, Placement
from shared.db import utcnow
from shared.errors import DomainError, Forbidden, Unprocessable
from shared.money import pounds
from shared.pages import (
    add_session_routes,
    csrf_token,
    needs_sign_in,
    optional_whole_number,
    pence_from,
    signed_in,
    validated,
)
from shared.service import db_session, runtime

jobs_blp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates",
                     static_folder="static", static_url_path="/static")
add_session_routes(jobs_blp, "jobs.home")
SEEKER_MOVES = ("accepted", "withdrawn")
EMPLOYER_MOVES = ("interview", "conditional_offer", "offer_confirmed", "rejected")


@jobs_blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": pounds}


@jobs_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("jobs/error.html", error=error), error.status


@jobs_blp.get("/")
@needs_sign_in
def home():
    """Send each person to their own page: coordinator, employer or job seeker."""
    who = signed_in()
    if who.has_any("coordinator"):
        return redirect(url_for(".coordinator_page"))
    if who.has_any("employer"):
        return redirect(url_for(".employer_page"))
    return redirect(url_for(".seeker_page"))


# -- job seekers --------------------------------------------------------------------------------------


@jobs_blp.get("/me")
@needs_sign_in
def seeker_page():
    """The job seeker's own page: profile, disclosure, matches, applications, who read the disclosure."""
    session, who = db_session(), signed_in()
    seeker = jobseekers.own_profile(session, who)
    mine = session.scalars(applications.applications_query(who, {"job_seeker_id": seeker.id})).all()
    consents = {a.id: applications.consent_active(session, a) for a in mine}
    return render_template(
        "jobs/seeker.html", seeker=seeker, disclosure=session.get(Disclosure, seeker.id),
        matches=matches.vacancies_for(session, seeker) if seeker.status == "open" else [],
        applications=mine, consents=consents, log=session.scalars(disclosure.access_log(seeker).limit(50)).all(),
        restrictable=disclosure.RESTRICTABLE_WORK, saved=request.args.get("saved"))


@jobs_blp.post("/me/profile")
@needs_sign_in
def save_profile():
    session, form = db_session(), request.form
    seeker = jobseekers.own_profile(session, signed_in())
    changes = validated(schemas.ProfileIn(), {
        "skills": _words(form.get("skills", "")),
        "hours_per_week": optional_whole_number(form.get("hours_per_week"), "hours per week"),
        "travel_area": form.get("travel_area", "").strip() or None, "preferences": form.get("preferences", "")})
    jobseekers.update_profile(session, seeker, changes)
    session.commit()
    return redirect(url_for(".seeker_page", saved="profile"))


@jobs_blp.post("/me/disclosure")
@needs_sign_in
def save_disclosure():
    session, form, who = db_session(), request.form, signed_in()
    seeker = jobseekers.own_profile(session, who)
    fields = validated(schemas.DisclosureIn(), {
        "unspent": form.get("unspent", ""), "unspent_until": form.get("unspent_until") or None,
        "restricted_roles": form.getlist("restricted_roles"), "statement": form.get("statement", "")})
    disclosure.set_disclosure(session, seeker, who, fields)
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


@jobs_blp.post("/applications/<int:application_id>/<any('consent', 'consent-withdrawal'):choice>")
@needs_sign_in
def consent(application_id, choice):
    session = db_session()
    change = applications.give_consent if choice == "consent" else applications.withdraw_consent
    change(session, signed_in(), application_id)
    session.commit()
    return redirect(url_for(".seeker_page", saved=choice))


# -- employers ----------------------------------------------------------------------------------------


@jobs_blp.get("/employer")
@needs_sign_in
def employer_page():
    """The employer's page: registration, vacancies and a form to post one."""
    session, who = db_session(), signed_in()
    if not who.has_any("employer"):
        raise Forbidden("This page is for employers.")
    employer = session.scalar(select(Employer).where(Employer.account_id == who.account_id))
    vacancies = session.scalars(employers.vacancies_query(None, employer.id)).all() if employer else []
    return render_template("jobs/employer.html", employer=employer, vacancies=vacancies,
                           sectors=schemas.SECTORS, contract_types=schemas.CONTRACT_TYPES)


@jobs_blp.post("/employer")
@needs_sign_in
def register_employer():
    session, form, who = db_session(), request.form, signed_in()
    if not who.has_any("employer"):
        raise Forbidden("Only an employer's account can register an organisation.")
    fields = validated(schemas.EmployerIn(), {name: form.get(name, "") for name in
                                          ("name", "contact_name", "email", "sector", "about")})
    employers.register(session, who, fields)
    session.commit()
    return redirect(url_for(".employer_page"))


@jobs_blp.post("/employer/vacancies")
@needs_sign_in
def post_vacancy():
    session, form = db_session(), request.form
    fields = validated(schemas.VacancyIn(), {
        "title": form.get("title", ""), "sector": form.get("sector", ""), "skills": _words(form.get("skills", "")),
        "location": form.get("location", ""),
        "hours_per_week": optional_whole_number(form.get("hours_per_week"), "hours per week"),
        "pay_pence_per_hour": pence_from(form.get("pay", ""), "hourly pay"),
        "contract_type": form.get("contract_type", ""), "age_band": form.get("age_band") or None,
        "closing_on": form.get("closing_on") or None})
    vacancy = employers.post_vacancy(session, signed_in(), fields, runtime().settings)
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy.id))


@jobs_blp.get("/vacancies/<int:vacancy_id>")
@needs_sign_in
def vacancy_page(vacancy_id):
    """A vacancy as its employer sees it: the people who applied or agreed to be put forward (a coordinator
    also sees who fits, to put someone forward)."""
    session, who = db_session(), signed_in()
    vacancy = employers.get_vacancy(session, vacancy_id)
    coordinator = who.has_any("coordinator")
    if not coordinator and vacancy.employer.account_id != who.account_id:
        raise Forbidden("Only the employer who posted the vacancy, or a coordinator, sees this page.")
    received = select(Application).where(Application.vacancy_id == vacancy.id).order_by(Application.id)
    if not coordinator:
        received = received.where(Application.agreed_at.is_not(None))
    return render_template("jobs/vacancy.html", vacancy=vacancy, applications=session.scalars(received).all(),
                           candidates=matches.candidates_for(session, vacancy) if coordinator else None,
                           moves=EMPLOYER_MOVES)


@jobs_blp.post("/vacancies/<int:vacancy_id>/put-forward")
@needs_sign_in
def put_forward(vacancy_id):
    """A coordinator asks a job seeker to be put forward; the employer sees it once she agrees."""
    session = db_session()
    fields = validated(schemas.ApplyIn(), {
        "job_seeker_id": optional_whole_number(request.form.get("job_seeker_id"), "job seeker")})
    if fields["job_seeker_id"] is None:
        raise Unprocessable("Say whom to put forward.")
    applications.apply(session, signed_in(), vacancy_id, fields["job_seeker_id"])
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy_id))


@jobs_blp.get("/applications/<int:application_id>")
@needs_sign_in
def application_page(application_id):
    """One application; for its employer, the shared disclosure when there is one to see (logged)."""
    session, who = db_session(writing=True), signed_in()
    application, actor = applications.get_application(session, application_id, who)
    shared = None
    if actor == "employer":
        try:
            shared = applications.shared_disclosure_for_employer(session, who, application_id)
            session.commit()
        except Forbidden:
            shared = None
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
    return redirect(request.referrer or url_for(".home"))


# -- coordinators -------------------------------------------------------------------------------------


@jobs_blp.get("/desk")
@needs_sign_in
def coordinator_page():
    """Employers waiting for approval, placements and their check-ins, and this year's outcomes."""
    session, who = db_session(), signed_in()
    if not who.has_any("coordinator"):
        raise Forbidden("This page is for the co-op's coordinators.")
    waiting = session.scalars(select(Employer).where(Employer.status == "pending").order_by(Employer.id)).all()
    going = session.scalars(select(Placement).order_by(Placement.id.desc()).limit(100)).all()
    today = utcnow().date()
    report = placements.outcomes(session, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    return render_template("jobs/coordinator.html", waiting=waiting, placements=going, report=report, today=today)


@jobs_blp.post("/employers/<int:employer_id>/<any(approve, refuse):decision>")
@needs_sign_in
def decide_employer(employer_id, decision):
    session, who = db_session(), signed_in()
    if not who.has_any("coordinator"):
        raise Forbidden("Only coordinators approve employers.")
    employers.decide(session, who, employer_id, approve=decision == "approve")
    session.commit()
    return redirect(url_for(".coordinator_page"))


@jobs_blp.post("/placements/<int:placement_id>/check-ins/<any('6w', '13w', '26w', '6m'):milestone>")
@needs_sign_in
def check_in(placement_id, milestone):
    session, who = db_session(), signed_in()
    if not who.has_any("coordinator"):
        raise Forbidden("Only coordinators record check-ins.")
    placements.record_check_in(session, who, placement_id, milestone, in_work=request.form.get("in_work") == "yes",
                               note=request.form.get("note", "")[:2000])
    session.commit()
    return redirect(url_for(".coordinator_page"))


# -- the disclosure calculator: anyone, nothing kept ---------------------------------------------------


@jobs_blp.route("/calculator", methods=["GET", "POST"])
def calculator():
    """Work out when a conviction becomes spent; nothing typed here is stored or logged."""
    answer = None
    if request.method == "POST":
        form = request.form
        fields = validated(schemas.CalculatorIn(), {
            "kind": form.get("kind", ""), "convicted_on": form.get("convicted_on") or None,
            "ended_on": form.get("ended_on") or None,
            "custody_months": optional_whole_number(form.get("custody_months"), "custody months"),
            "under_18_when_convicted": form.get("under_18") == "yes",
            "serious_offence": form.get("serious") == "yes"})
        try:
            answer = spent_date(Sentence(**fields))
        except ValueError as error:
            raise Unprocessable(f"The calculator cannot answer this: {error}.") from None
    return render_template("jobs/calculator.html", answer=answer, caveats=CAVEATS, today=utcnow().date())


def _words(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


