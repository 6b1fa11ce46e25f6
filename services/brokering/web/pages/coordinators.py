"""The coordinator's desk (/jobs/desk...): employers waiting for approval; people, referring one, putting her
forward (she agrees on her own page), reading her disclosure with a purpose (logged, and she is told);
placements, their check-ins and ending one; outcomes for a period.

Every use case checks that the caller is a coordinator; these pages only read the form, call it and say
what happened. A refused form is shown again with what was typed and the problem.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for

from services.brokering import applications, disclosures, employers, job_seekers, placements
from services.brokering.web import schemas
from services.brokering.web.pages.site import jobs_blp
from shared.errors import DomainError, Unprocessable
from shared.http import MAX_ID
from shared.pages import needs_sign_in, optional_whole_number, signed_in, validated
from shared.service import collaborators, db_session

# What a ?done= flag says once a change is made (never text from the query itself).
DONE = {"approved": "Employer approved.", "refused": "Employer refused.", "referred": "Referred: her profile is open.",
        "put-forward": "Put forward. The employer sees nothing until she agrees on her own jobs page.",
        "check-in": "Check-in recorded.", "ended": "Placement ended."}
END_REASONS = {"finished": "The job finished", "resigned": "Resigned", "dismissed": "Dismissed",
               "moved_on": "Moved on to other work", "health": "Health", "other": "Other"}
MILESTONES = {"6w": "6 weeks", "13w": "13 weeks", "26w": "26 weeks", "6m": "6 months"}
UK = ZoneInfo("Europe/London")
UNSPENT = {"yes": "Yes", "no": "No", "not_stated": "Not stated"}


def _words(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def _done() -> str | None:
    return DONE.get(request.args.get("done", ""))


@jobs_blp.get("/desk")
@needs_sign_in
def coordinator_page():
    """Employers waiting for approval, placements and their check-ins, and this year's outcomes."""
    desk = placements.coordinator_desk(db_session(), signed_in(), collaborators().clock)
    return render_template("jobs/coordinator.html", waiting=desk.waiting, placements=desk.placements,
                           report=desk.report, today=desk.today, done=_done(), milestones=MILESTONES)


@jobs_blp.post("/employers/<int:employer_id>/<any(approve, refuse):decision>")
@needs_sign_in
def decide_employer(employer_id, decision):
    session = db_session()
    employers.decide(session, signed_in(), employer_id, approve=decision == "approve")
    session.commit()
    return redirect(url_for(".coordinator_page", done="approved" if decision == "approve" else "refused"), code=303)


# -- People: the job seekers, referring one, one person's page ---------------------------------------------

@jobs_blp.get("/desk/people")
@needs_sign_in
def desk_people():
    """Every job seeker's profile (no disclosure), and the form to refer a person."""
    return _people_page({})


def _people_page(typed: dict, problem: str | None = None, status: int = 200):
    people = placements.desk_people(db_session(), signed_in())
    return render_template("jobs/desk_people.html", people=people, typed=typed, problem=problem,
                           sectors=schemas.SECTORS), status


@jobs_blp.post("/desk/people")
@needs_sign_in
def refer_person():
    """Open a profile for a person a support agency referred (nothing about convictions is asked)."""
    form, who = request.form, signed_in()
    placements.must_be_coordinator(who)  # before the form is read: a refusal says who may, not what to fix
    typed = {name: form.get(name, "") for name in
             ("display_name", "skills", "sectors", "hours_per_week", "travel_area", "preferences")}
    session = db_session()
    try:
        fields = validated(schemas.ReferralIn(), {
            "display_name": typed["display_name"], "skills": _words(typed["skills"]),
            "sectors": form.getlist("sectors"),
            "hours_per_week": optional_whole_number(typed["hours_per_week"], "hours per week"),
            "travel_area": typed["travel_area"].strip() or None, "preferences": typed["preferences"]})
        seeker = job_seekers.refer(session, who, fields)
        session.commit()
    except DomainError as error:
        session.rollback()
        return _people_page({**typed, "sectors": form.getlist("sectors")}, error.message, error.status)
    return redirect(url_for(".desk_person", seeker_id=seeker.id, done="referred"), code=303)


@jobs_blp.get("/desk/people/<int:seeker_id>")
@needs_sign_in
def desk_person(seeker_id):
    """One job seeker: her profile, her applications (and whether she agreed), the jobs that fit her, and
    the form to read her disclosure with a purpose."""
    return _person_page(seeker_id)


def _person_page(seeker_id: int, purpose: str = "", problem: str | None = None, status: int = 200):
    person = placements.desk_person(db_session(), signed_in(), seeker_id)
    return render_template("jobs/desk_person.html", seeker=person.seeker, applications=person.applications,
                           matches=person.matches, purpose=purpose, problem=problem, done=_done(),
                           when=_when), status


@jobs_blp.post("/desk/people/<int:seeker_id>/put-forward")
@needs_sign_in
def desk_put_forward(seeker_id):
    """Ask her to be put forward for a vacancy; the employer sees it only once she agrees."""
    session, who = db_session(), signed_in()
    placements.must_be_coordinator(who)
    try:
        vacancy_id = optional_whole_number(request.form.get("vacancy_id"), "vacancy")
        if vacancy_id is None or not 1 <= vacancy_id <= MAX_ID:
            raise Unprocessable("Say which vacancy to put her forward for.")
        applications.apply(session, who, vacancy_id, seeker_id)
        session.commit()
    except DomainError as error:
        session.rollback()
        return _person_page(seeker_id, problem=error.message, status=error.status)
    return redirect(url_for(".desk_person", seeker_id=seeker_id, done="put-forward") + "#applications", code=303)


@jobs_blp.post("/desk/people/<int:seeker_id>/disclosure-reading")
@needs_sign_in
def desk_read_disclosure(seeker_id):
    """Read her disclosure, saying why: the reading is logged and she is told. Shown once, in this answer
    (a reload asks again, and is logged again); without a purpose nothing is read or logged."""
    session, who = db_session(), signed_in()
    placements.must_be_coordinator(who)
    purpose = request.form.get("purpose", "")
    try:
        fields = validated(schemas.ReadPurpose(), {"purpose": purpose})
    except Unprocessable:
        return _person_page(seeker_id, purpose, "Say why you are reading her disclosure, in 3 to 200 characters.",
                            422)
    seeker = job_seekers.get_seeker(session, seeker_id, who)
    found = disclosures.read_with_purpose(session, who, seeker_id, fields["purpose"])
    session.commit()
    response = render_template("jobs/desk_disclosure.html", seeker=seeker, disclosure=found,
                               purpose=fields["purpose"], unspent=UNSPENT)
    return response, 200, {"Cache-Control": "no-store"}


# -- Placements: one placement, its check-ins, ending it --------------------------------------------------

@jobs_blp.get("/desk/placements/<int:placement_id>")
@needs_sign_in
def desk_placement(placement_id):
    """One placement: whose, where, its check-ins (recording one that is due) and ending it."""
    return _placement_page(placement_id)


def _placement_page(placement_id: int, typed: dict | None = None, problem: str | None = None, status: int = 200):
    placement, seeker = placements.desk_placement(db_session(), signed_in(), placement_id)
    return render_template("jobs/desk_placement.html", placement=placement, seeker=seeker,
                           today=collaborators().clock().date(), typed=typed or {}, problem=problem,
                           done=_done(), milestones=MILESTONES, end_reasons=END_REASONS), status


@jobs_blp.post("/desk/placements/<int:placement_id>/check-ins/<any('6w', '13w', '26w', '6m'):milestone>")
@needs_sign_in
def desk_check_in(placement_id, milestone):
    """Record a check-in: still in work, or not in work, with a note."""
    session, form, who = db_session(), request.form, signed_in()
    placements.must_be_coordinator(who)
    typed = {"milestone": milestone, "in_work": form.get("in_work", ""), "note": form.get("note", "")}
    try:
        fields = validated(schemas.CheckInIn(), {"in_work": {"yes": True, "no": False}.get(typed["in_work"]),
                                                 "note": typed["note"]})
        if fields["in_work"] is None:
            raise Unprocessable("Say whether the person is still in work.")
        placements.record_check_in(session, who, placement_id, milestone, today=collaborators().clock().date(),
                                   **fields)
        session.commit()
    except DomainError as error:
        session.rollback()
        return _placement_page(placement_id, typed, error.message, error.status)
    return redirect(url_for(".desk_placement", placement_id=placement_id, done="check-in"), code=303)


@jobs_blp.post("/desk/placements/<int:placement_id>/end")
@needs_sign_in
def desk_end_placement(placement_id):
    """Record that a placement ended: when, and why."""
    session, form, who = db_session(), request.form, signed_in()
    placements.must_be_coordinator(who)
    typed = {"ended_on": form.get("ended_on", ""), "reason": form.get("reason", "")}
    try:
        fields = validated(schemas.EndIn(), {"ended_on": typed["ended_on"] or None, "reason": typed["reason"]})
        placements.end_placement(session, who, placement_id, **fields)
        session.commit()
    except DomainError as error:
        session.rollback()
        return _placement_page(placement_id, typed, error.message, error.status)
    return redirect(url_for(".desk_placement", placement_id=placement_id, done="ended"), code=303)


# -- Outcomes for a period ---------------------------------------------------------------------------------

@jobs_blp.get("/desk/outcomes")
@needs_sign_in
def desk_outcomes():
    """Job starts, in work at 6 weeks and 6 months, jobs sustained at 13 and 26 weeks, in a period (this
    year unless another is asked for): in all and per employer, with no personal data."""
    who, today = signed_in(), collaborators().clock().date()
    placements.must_be_coordinator(who)
    typed = {"start": request.args.get("start") or f"{today.year}-01-01",
             "end": request.args.get("end") or f"{today.year}-12-31"}
    problem, report, status = None, None, 200
    try:
        period = validated(schemas.Period(), typed)
        report = placements.outcomes_for(db_session(), who, period["start"], period["end"])
    except Unprocessable as error:
        problem, status = error.message, error.status
    return render_template("jobs/desk_outcomes.html", typed=typed, report=report, problem=problem,
                           day=_day), status


def _day(value: dt.date) -> str:
    return value.strftime("%d %b %Y")


def _when(moment: dt.datetime) -> str:
    """A moment as a person in the UK reads it: 3 Dec 2026, 14:05."""
    return moment.astimezone(UK).strftime("%d %b %Y, %H:%M")
