"""The employer's pages: her registration, her vacancies and placements, posting, changing and closing a
vacancy, and one vacancy's applicants."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import applications, disclosures, employers, placements, vacancies
from services.brokering.rules.stages import EMPLOYER_MOVES
from services.brokering.web import schemas
from services.brokering.web.pages.forms import vacancy_fields, vacancy_shown, vacancy_typed
from services.brokering.web.pages.site import jobs_blp
from shared.errors import Unprocessable
from shared.pages import needs_sign_in, optional_whole_number, signed_in, validated
from shared.service import collaborators, db_session

# What a page says after a change: fixed words for a fixed flag, never text from the query.
DONE = {"registered": "Registered: a coordinator will look at it soon.", "posted": "Vacancy posted.",
        "saved": "Vacancy saved.", "closed": "Vacancy closed: nobody new can apply."}
CHOICES = {"sectors": schemas.SECTORS, "contract_types": schemas.CONTRACT_TYPES, "dbs_checks": schemas.DBS_CHECKS,
           "restrictable": disclosures.RESTRICTABLE_WORK}


def _done() -> str | None:
    return DONE.get(request.args.get("done", ""))


def _employer_page(typed: dict | None = None, problem: str | None = None, status: int = 200):
    session, who = db_session(), signed_in()
    employer, posted = vacancies.own_vacancies(session, who)
    return render_template("jobs/employer.html", employer=employer, vacancies=posted,
                           placements=placements.employer_placements(session, who), typed=typed or {},
                           problem=problem, done=_done(), **CHOICES), status


@jobs_blp.get("/employer")
@needs_sign_in
def employer_page():
    """The employer's page: registration, vacancies, placements and a form to post a vacancy."""
    return _employer_page()


@jobs_blp.post("/employer")
@needs_sign_in
def register_employer():
    session, form, who = db_session(), request.form, signed_in()
    employers.may_register(who)  # before the form is read: a refusal says who may, not what to fix
    fields = validated(schemas.EmployerIn(), {name: form.get(name, "") for name in
                                          ("name", "contact_name", "email", "sector", "about")})
    employers.register(session, who, fields)
    session.commit()
    return redirect(url_for(".employer_page", done="registered"))


@jobs_blp.post("/employer/vacancies")
@needs_sign_in
def post_vacancy():
    session, given, typed = db_session(), collaborators(), vacancy_typed(request.form)
    try:
        vacancy = vacancies.post_vacancy(session, signed_in(), vacancy_fields(typed), given.settings, given.clock)
    except Unprocessable as refused:
        session.rollback()
        return _employer_page(typed, refused.message, 422)
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy.id, done="posted"), 303)


@jobs_blp.get("/vacancies/<int:vacancy_id>")
@needs_sign_in
def vacancy_page(vacancy_id):
    """A vacancy as its employer sees it: what it asks, and the people who applied or agreed to be put
    forward (a coordinator also sees who fits, to put someone forward)."""
    seen = vacancies.review(db_session(), signed_in(), vacancy_id)
    return render_template("jobs/vacancy.html", vacancy=seen.vacancy, applications=seen.applications,
                           candidates=seen.candidates, moves=EMPLOYER_MOVES, done=_done(),
                           own=seen.vacancy.employer.account_id == signed_in().account_id)


def _edit_page(vacancy, typed: dict, problem: str | None = None, status: int = 200):
    return render_template("jobs/vacancy_edit.html", vacancy=vacancy, typed=typed, problem=problem,
                           **CHOICES), status


@jobs_blp.get("/vacancies/<int:vacancy_id>/edit")
@needs_sign_in
def edit_vacancy_page(vacancy_id):
    """The form to change an open vacancy of her own."""
    vacancy = vacancies.vacancy_to_edit(db_session(), signed_in(), vacancy_id)
    return _edit_page(vacancy, vacancy_shown(vacancy))


@jobs_blp.post("/vacancies/<int:vacancy_id>/edit")
@needs_sign_in
def edit_vacancy(vacancy_id):
    session, given, typed, who = db_session(), collaborators(), vacancy_typed(request.form), signed_in()
    vacancy = vacancies.vacancy_to_edit(session, who, vacancy_id)  # a stranger is refused before the form is read
    try:
        vacancies.edit_vacancy(session, who, vacancy_id, vacancy_fields(typed), given.settings, given.clock)
    except Unprocessable as refused:
        session.rollback()
        return _edit_page(vacancies.get_vacancy(session, vacancy.id), typed, refused.message, 422)
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy_id, done="saved"), 303)


@jobs_blp.post("/vacancies/<int:vacancy_id>/close")
@needs_sign_in
def close_vacancy(vacancy_id):
    session = db_session()
    vacancies.close_vacancy(session, signed_in(), vacancy_id)
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy_id, done="closed"), 303)


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
