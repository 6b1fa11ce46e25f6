"""HTTP endpoints for matching, applications, consent to share a disclosure, placements and outcomes.

No list, search or application view carries a disclosure field. An employer reads a shared disclosure
only at ``GET /applications/<id>/disclosure``: after a conditional offer, with consent, logged.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.brokering import applications, employers, jobseekers, matches, placements, schemas
from services.brokering.models import Placement
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import action_endpoint, db_session

applications_blp = Blueprint("applications", __name__, description="Matching, applications, consent, placements")


@applications_blp.route("/vacancies/<int:vacancy_id>/candidates")
class Candidates(MethodView):
    @requires("coordinator")
    @applications_blp.response(200, schemas.Candidate(many=True))
    def get(self, vacancy_id):
        """Rank the job seekers who fit a vacancy, with the reasons, for a coordinator to put someone forward.

        Employers never see this list: who is left out of it would tell them who has a restriction. They
        see only the people who applied, or whom a coordinator put forward and who agreed."""
        session = db_session()
        return matches.candidates_for(session, employers.get_vacancy(session, vacancy_id))


@applications_blp.route("/job-seekers/me/matches")
class MyMatches(MethodView):
    @requires()
    @applications_blp.response(200, schemas.VacancyMatch(many=True))
    def get(self):
        """Rank the open vacancies for you, best first, with the reasons."""
        session = db_session()
        return matches.vacancies_for(session, jobseekers.own_profile(session, current_principal()))


@applications_blp.route("/vacancies/<int:vacancy_id>/applications")
class VacancyApplications(MethodView):
    @requires()
    @applications_blp.arguments(schemas.ApplyIn)
    @applications_blp.response(201, schemas.Application)
    def post(self, body, vacancy_id):
        """Apply for a vacancy yourself, or (a coordinator) put a job seeker forward with their agreement."""
        session = db_session()
        made = applications.apply(session, current_principal(), vacancy_id, body["job_seeker_id"])
        session.commit()
        return made


@applications_blp.route("/applications")
class Applications(MethodView):
    @requires()
    @applications_blp.arguments(schemas.ApplicationQuery, location="query")
    @applications_blp.response(200, schemas.Application(many=True))
    @applications_blp.paginate()
    def get(self, query, pagination_parameters):
        """List your applications: a job seeker's own, an employer's vacancies', or all for a coordinator."""
        session, by = db_session(), current_principal()
        if by.has_any("coordinator"):
            scope = {}
        elif by.has_any("employer"):
            scope = {"employer_id": employers.own_employer(session, by).id}
        else:
            scope = {"job_seeker_id": jobseekers.own_profile(session, by).id}
        return paginate(session, applications.applications_query(by, {**scope, **query}), pagination_parameters)


@applications_blp.route("/applications/<int:application_id>")
class ApplicationItem(MethodView):
    @requires()
    @applications_blp.response(200, schemas.Application)
    def get(self, application_id):
        """Show an application to the job seeker, the employer or a coordinator."""
        return applications.get_application(db_session(), application_id, current_principal())[0]


for _stage in ("interview", "conditional_offer", "offer_confirmed", "accepted", "rejected", "withdrawn"):
    action_endpoint(
        applications_blp, f"/applications/<int:application_id>/{_stage.replace('_', '-')}",
        lambda session, by, body, application_id, stage=_stage: applications.move(
            session, by, application_id, stage, **body),
        f"Move an application to {_stage.replace('_', ' ')} (each side makes its own moves; "
        "a coordinator any). Rejecting needs a reason; accepting, a start date.",
        schemas.Application, body_schema=schemas.MOVE_BODIES.get(_stage, schemas.MoveIn))

action_endpoint(applications_blp, "/applications/<int:application_id>/agreement",
                lambda session, by, application_id: applications.agree(session, by, application_id),
                "Agree to a coordinator putting you forward for this vacancy: only then does the employer see it.",
                schemas.Application)
action_endpoint(applications_blp, "/applications/<int:application_id>/consent",
                lambda session, by, application_id: applications.give_consent(session, by, application_id),
                "Share your disclosure with this employer for this application (after a conditional offer).",
                schemas.Application)
action_endpoint(applications_blp, "/applications/<int:application_id>/consent-withdrawal",
                lambda session, by, application_id: applications.withdraw_consent(session, by, application_id),
                "Withdraw your consent: the employer can no longer see your disclosure, at once.",
                schemas.Application)


@applications_blp.route("/applications/<int:application_id>/disclosure")
class SharedDisclosure(MethodView):
    @requires("employer")
    @applications_blp.response(200, schemas.Disclosure)
    def get(self, application_id):
        """Read the disclosure the job seeker shared for this application; the reading is logged for them."""
        session = db_session(writing=True)
        shared = applications.shared_disclosure_for_employer(session, current_principal(), application_id)
        session.commit()
        return {"unspent": shared.unspent, "unspent_until": shared.unspent_until,
                "restricted_roles": shared.restricted_roles, "statement": shared.statement,
                "updated_at": shared.shared_at}


@applications_blp.route("/placements")
class Placements(MethodView):
    @requires("coordinator")
    @applications_blp.response(200, schemas.Placement(many=True))
    @applications_blp.paginate()
    def get(self, pagination_parameters):
        """List placements, newest first."""
        return paginate(db_session(), select(Placement).order_by(Placement.id.desc()), pagination_parameters)


@applications_blp.route("/placements/<int:placement_id>/check-ins/<any('6w', '13w', '26w', '6m'):milestone>")
class CheckIn(MethodView):
    @requires("coordinator")
    @applications_blp.arguments(schemas.CheckInIn)
    @applications_blp.response(200, schemas.CheckInOut)
    def post(self, body, placement_id, milestone):
        """Record the check-in at 6, 13 or 26 weeks or 6 months: is the person still in work?"""
        session = db_session()
        done = placements.record_check_in(session, current_principal(), placement_id, milestone, **body)
        session.commit()
        return done


action_endpoint(applications_blp, "/placements/<int:placement_id>/end",
                lambda session, by, body, placement_id: placements.end_placement(session, by, placement_id, **body),
                "Record that a placement ended, and why.", schemas.Placement, roles=("coordinator",),
                body_schema=schemas.EndIn)


@applications_blp.route("/outcomes")
class Outcomes(MethodView):
    @requires("coordinator")
    @applications_blp.arguments(schemas.Period, location="query")
    @applications_blp.response(200, schemas.Outcomes)
    def get(self, period):
        """Count job starts, in work at 6 weeks and 6 months, and jobs sustained at 13 and 26 weeks, in a
        period, in all and per employer: no personal data."""
        return placements.outcomes(db_session(), period["start"], period["end"])
