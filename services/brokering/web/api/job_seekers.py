"""The JSON door for job seekers' profiles and their disclosure (who read it, a coordinator's reading)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.brokering import disclosures, job_seekers
from services.brokering.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

blp = Blueprint("job seekers", __name__, description="Job seekers' profiles and disclosure")


@blp.route("/job-seekers")
class JobSeekers(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Profile(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the job seekers' profiles (skills first; no disclosure), newest first."""
        return paginate(db_session(), job_seekers.all_profiles(), pagination_parameters)

    @requires("coordinator")
    @blp.arguments(schemas.ReferralIn)
    @blp.response(201, schemas.Profile)
    def post(self, body):
        """Open a profile for a person a support agency referred (nothing about convictions is asked)."""
        session = db_session()
        seeker = job_seekers.refer(session, current_principal(), body)
        session.commit()
        return seeker


@blp.route("/job-seekers/me")
class MyProfile(MethodView):
    @requires()
    @blp.response(200, schemas.Profile)
    def get(self):
        """Show your own job seeker profile."""
        return job_seekers.own_profile(db_session(), current_principal())

    @requires()
    @blp.arguments(schemas.ProfileIn)
    @blp.response(200, schemas.Profile)
    def patch(self, body):
        """Change your skills, sectors, hours, area, availability or preferences."""
        session = db_session()
        seeker = job_seekers.update_own_profile(session, current_principal(), body)
        session.commit()
        return seeker


@blp.route("/job-seekers/me/close")
class CloseMyProfile(MethodView):
    @requires()
    @blp.response(200, schemas.Profile)
    def post(self):
        """Close your own profile: your disclosure is deleted."""
        session = db_session()
        seeker = job_seekers.close_own_profile(session, current_principal())
        session.commit()
        return seeker


@blp.route("/job-seekers/me/disclosure")
class MyDisclosure(MethodView):
    @requires()
    @blp.response(200, schemas.Disclosure)
    def get(self):
        """Show what you have chosen to disclose (empty until you say anything)."""
        return disclosures.my_disclosure(db_session(), current_principal()) or {}

    @requires()
    @blp.arguments(schemas.DisclosureIn)
    @blp.response(200, schemas.Disclosure)
    def put(self, body):
        """Say what you choose to disclose: whether you have unspent convictions, until when, work you must
        not do, and a statement in your own words. Never offence details. Optional, and only yours to write."""
        session = db_session()
        saved = disclosures.write_my_disclosure(session, current_principal(), body)
        session.commit()
        return saved


@blp.route("/job-seekers/me/disclosure-access")
class MyAccessLog(MethodView):
    @requires()
    @blp.response(200, schemas.AccessEntry(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """See who read your disclosure, when and why, newest first."""
        session = db_session()
        return paginate(session, disclosures.my_access_log(session, current_principal()), pagination_parameters)


@blp.route("/job-seekers/<int:seeker_id>")
class JobSeekerItem(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Profile)
    def get(self, seeker_id):
        """Show a job seeker's profile (no disclosure)."""
        return job_seekers.get_seeker(db_session(), seeker_id, current_principal())

    @requires("coordinator")
    @blp.arguments(schemas.ProfileIn)
    @blp.response(200, schemas.Profile)
    def patch(self, body, seeker_id):
        """Change a profile for a job seeker (for example, a referred person without an account)."""
        session = db_session()
        seeker = job_seekers.update_someones_profile(session, current_principal(), seeker_id, body)
        session.commit()
        return seeker


@blp.route("/job-seekers/<int:seeker_id>/close")
class CloseJobSeeker(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Profile)
    def post(self, seeker_id):
        """Close a profile: it leaves matching and its disclosure is deleted."""
        session = db_session()
        seeker = job_seekers.close_someones_profile(session, current_principal(), seeker_id)
        session.commit()
        return seeker


@blp.route("/job-seekers/<int:seeker_id>/disclosure-readings")
class DisclosureReading(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.ReadPurpose)
    @blp.response(200, schemas.Disclosure)
    def post(self, body, seeker_id):
        """Read a job seeker's disclosure, saying why; the reading goes to the access log they can see."""
        session = db_session()
        found = disclosures.read_with_purpose(session, current_principal(), seeker_id, body["purpose"])
        session.commit()
        return found or {}
