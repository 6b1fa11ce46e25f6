"""The employer's pages: her registration, her vacancies, posting one, and one vacancy's applicants."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.brokering import applications, employers, vacancies
from services.brokering.rules.stages import EMPLOYER_MOVES
from services.brokering.web import schemas
from services.brokering.web.pages.forms import words
from services.brokering.web.pages.site import jobs_blp
from shared.errors import Unprocessable
from shared.pages import needs_sign_in, optional_whole_number, pence_from, signed_in, validated
from shared.service import collaborators, db_session


@jobs_blp.get("/employer")
@needs_sign_in
def employer_page():
    """The employer's page: registration, vacancies and a form to post one."""
    employer, posted = vacancies.own_vacancies(db_session(), signed_in())
    return render_template("jobs/employer.html", employer=employer, vacancies=posted,
                           sectors=schemas.SECTORS, contract_types=schemas.CONTRACT_TYPES)


@jobs_blp.post("/employer")
@needs_sign_in
def register_employer():
    session, form, who = db_session(), request.form, signed_in()
    employers.may_register(who)  # before the form is read: a refusal says who may, not what to fix
    fields = validated(schemas.EmployerIn(), {name: form.get(name, "") for name in
                                          ("name", "contact_name", "email", "sector", "about")})
    employers.register(session, who, fields)
    session.commit()
    return redirect(url_for(".employer_page"))


@jobs_blp.post("/employer/vacancies")
@needs_sign_in
def post_vacancy():
    session, form, given = db_session(), request.form, collaborators()
    fields = validated(schemas.VacancyIn(), {
        "title": form.get("title", ""), "sector": form.get("sector", ""), "skills": words(form.get("skills", "")),
        "location": form.get("location", ""),
        "hours_per_week": optional_whole_number(form.get("hours_per_week"), "hours per week"),
        "pay_pence_per_hour": pence_from(form.get("pay", ""), "hourly pay"),
        "contract_type": form.get("contract_type", ""), "age_band": form.get("age_band") or None,
        "closing_on": form.get("closing_on") or None})
    vacancy = vacancies.post_vacancy(session, signed_in(), fields, given.settings, given.clock)
    session.commit()
    return redirect(url_for(".vacancy_page", vacancy_id=vacancy.id))


@jobs_blp.get("/vacancies/<int:vacancy_id>")
@needs_sign_in
def vacancy_page(vacancy_id):
    """A vacancy as its employer sees it: the people who applied or agreed to be put forward (a coordinator
    also sees who fits, to put someone forward)."""
    seen = vacancies.review(db_session(), signed_in(), vacancy_id)
    return render_template("jobs/vacancy.html", vacancy=seen.vacancy, applications=seen.applications,
                           candidates=seen.candidates, moves=EMPLOYER_MOVES)


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
