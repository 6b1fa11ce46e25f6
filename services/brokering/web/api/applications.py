"""The JSON door for matching, applications, consent to share a disclosure, placements and outcomes.

No list, search or application view carries a disclosure field. An employer reads a shared disclosure
only at ``GET /applications/<id>/disclosure``: after a conditional offer, with consent, logged.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.brokering import applications, job_seekers, placements, vacancies
from services.brokering.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

blp = Blueprint("applications", __name__, description="Matching, applications, consent, placements")

@blp.route("/vacancies/<int:vacancy_id>/candidates")
class Candidates(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Candidate(many=True))
    def get(self, vacancy_id):
        """Rank the job seekers who fit a vacancy, with the reasons, for a coordinator to put someone forward.

        Employers never see this list: who is left out of it would tell them who has a restriction. They
        see only the people who applied, or whom a coordinator put forward and who agreed."""
        return vacancies.candidates(db_session(), current_principal(), vacancy_id)


@blp.route("/job-seekers/me/matches")
class MyMatches(MethodView):
    @requires()
    @blp.response(200, schemas.VacancyMatch(many=True))
    def get(self):
        """Rank the open vacancies for you, best first, with the reasons."""
        return job_seekers.my_matches(db_session(), current_principal())


@blp.route("/vacancies/<int:vacancy_id>/applications")
class VacancyApplications(MethodView):
    @requires()
    @blp.arguments(schemas.ApplyIn)
    @blp.response(201, schemas.Application)
    def post(self, body, vacancy_id):
        """Apply for a vacancy yourself, or (a coordinator) put a job seeker forward with their agreement."""
        session = db_session()
        made = applications.apply(session, current_principal(), vacancy_id, body["job_seeker_id"])
        session.commit()
        return made


@blp.route("/applications")
class Applications(MethodView):
    @requires()
    @blp.arguments(schemas.ApplicationQuery, location="query")
    @blp.response(200, schemas.Application(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List your applications: a job seeker's own, an employer's vacancies', or all for a coordinator."""
        session = db_session()
        return paginate(session, applications.visible_applications(session, current_principal(), query),
                        pagination_parameters)


@blp.route("/applications/<int:application_id>")
class ApplicationItem(MethodView):
    @requires()
    @blp.response(200, schemas.Application)
    def get(self, application_id):
        """Show an application to the job seeker, the employer or a coordinator."""
        return applications.get_application(db_session(), application_id, current_principal())[0]


def _move(application_id: int, stage: str, body: dict):
    session = db_session()
    moved = applications.move(session, current_principal(), application_id, stage, **body)
    session.commit()
    return moved


@blp.route("/applications/<int:application_id>/interview")
class Interview(MethodView):
    @requires()
    @blp.arguments(schemas.MoveIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to interview (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "interview", body)


@blp.route("/applications/<int:application_id>/conditional-offer")
class ConditionalOffer(MethodView):
    @requires()
    @blp.arguments(schemas.MoveIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to conditional offer (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "conditional_offer", body)


@blp.route("/applications/<int:application_id>/offer-confirmed")
class OfferConfirmed(MethodView):
    @requires()
    @blp.arguments(schemas.MoveIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to offer confirmed (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "offer_confirmed", body)


@blp.route("/applications/<int:application_id>/accepted")
class Accepted(MethodView):
    @requires()
    @blp.arguments(schemas.AcceptIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to accepted (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "accepted", body)


@blp.route("/applications/<int:application_id>/rejected")
class Rejected(MethodView):
    @requires()
    @blp.arguments(schemas.RejectIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to rejected (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "rejected", body)


@blp.route("/applications/<int:application_id>/withdrawn")
class Withdrawn(MethodView):
    @requires()
    @blp.arguments(schemas.MoveIn)
    @blp.response(200, schemas.Application)
    def post(self, body, application_id):
        """Move an application to withdrawn (each side makes its own moves; a coordinator any). Rejecting needs a reason; accepting, a start date."""  # noqa: E501
        return _move(application_id, "withdrawn", body)


@blp.route("/applications/<int:application_id>/agreement")
class Agreement(MethodView):
    @requires()
    @blp.response(200, schemas.Application)
    def post(self, application_id):
        """Agree to a coordinator putting you forward for this vacancy: only then does the employer see it."""
        session = db_session()
        agreed = applications.agree(session, current_principal(), application_id)
        session.commit()
        return agreed


@blp.route("/applications/<int:application_id>/consent")
class Consent(MethodView):
    @requires()
    @blp.response(200, schemas.Application)
    def post(self, application_id):
        """Share your disclosure with this employer for this application (after a conditional offer)."""
        session = db_session()
        consented = applications.give_consent(session, current_principal(), application_id)
        session.commit()
        return consented


@blp.route("/applications/<int:application_id>/consent-withdrawal")
class ConsentWithdrawal(MethodView):
    @requires()
    @blp.response(200, schemas.Application)
    def post(self, application_id):
        """Withdraw your consent: the employer can no longer see your disclosure, at once."""
        session = db_session()
        withdrawn = applications.withdraw_consent(session, current_principal(), application_id)
        session.commit()
        return withdrawn


@blp.route("/applications/<int:application_id>/disclosure")
class SharedDisclosure(MethodView):
    @requires("employer")
    @blp.response(200, schemas.Disclosure)
    def get(self, application_id):
        """Read the disclosure the job seeker shared for this application; the reading is logged for them."""
        session = db_session(writing=True)
        shared = applications.shared_disclosure_for_employer(session, current_principal(), application_id)
        session.commit()
        return {"unspent": shared.unspent, "unspent_until": shared.unspent_until,
                "restricted_roles": shared.restricted_roles, "statement": shared.statement,
                "updated_at": shared.shared_at}


@blp.route("/placements")
class Placements(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Placement(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List placements, newest first."""
        return paginate(db_session(), placements.placements_query(), pagination_parameters)


@blp.route("/placements/<int:placement_id>/check-ins/<any('6w', '13w', '26w', '6m'):milestone>")
class CheckIn(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.CheckInIn)
    @blp.response(200, schemas.CheckInOut)
    def post(self, body, placement_id, milestone):
        """Record the check-in at 6, 13 or 26 weeks or 6 months: is the person still in work?"""
        session = db_session()
        done = placements.record_check_in(session, current_principal(), placement_id, milestone, **body)
        session.commit()
        return done


@blp.route("/placements/<int:placement_id>/end")
class EndPlacement(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.EndIn)
    @blp.response(200, schemas.Placement)
    def post(self, body, placement_id):
        """Record that a placement ended, and why."""
        session = db_session()
        ended = placements.end_placement(session, current_principal(), placement_id, **body)
        session.commit()
        return ended


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.Period, location="query")
    @blp.response(200, schemas.Outcomes)
    def get(self, period):
        """Count job starts, in work at 6 weeks and 6 months, and jobs sustained at 13 and 26 weeks, in a
        period, in all and per employer: no personal data."""
        return placements.outcomes(db_session(), period["start"], period["end"])
