"""HTTP endpoints of the brokering service: job seekers, disclosure, employers, vacancies, the calculator."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.brokering import disclosure, employers, jobseekers, schemas
from services.brokering.applications_api import applications_blp
from services.brokering.disclosure_calculator import Sentence, spent_date
from services.brokering.models import Employer, JobSeeker
from shared.auth import current_principal, requires
from shared.db import utcnow
from shared.errors import Unprocessable
from shared.http import paginate
from shared.service import action_endpoint, db_session, runtime

seekers_blp = Blueprint("job seekers", __name__, description="Job seekers' profiles and disclosure")
employers_blp = Blueprint("employers", __name__, description="Employers and their vacancies")
calculator_blp = Blueprint("disclosure calculator", __name__, description="When does a conviction become spent?")


@seekers_blp.route("/job-seekers")
class JobSeekers(MethodView):
    @requires("coordinator")
    @seekers_blp.response(200, schemas.Profile(many=True))
    @seekers_blp.paginate()
    def get(self, pagination_parameters):
        """List the job seekers' profiles (skills first; no disclosure), newest first."""
        return paginate(db_session(), select(JobSeeker).order_by(JobSeeker.id.desc()), pagination_parameters)

    @requires("coordinator")
    @seekers_blp.arguments(schemas.ReferralIn)
    @seekers_blp.response(201, schemas.Profile)
    def post(self, body):
        """Open a profile for a person a support agency referred (nothing about convictions is asked)."""
        session = db_session()
        referred_by = body.pop("referred_by_member_id")
        seeker = jobseekers.register_referred(session, current_principal(), body, referred_by)
        session.commit()
        return seeker


@seekers_blp.route("/job-seekers/me")
class MyProfile(MethodView):
    @requires()
    @seekers_blp.response(200, schemas.Profile)
    def get(self):
        """Show your own job seeker profile."""
        return jobseekers.own_profile(db_session(), current_principal())

    @requires()
    @seekers_blp.arguments(schemas.ProfileIn)
    @seekers_blp.response(200, schemas.Profile)
    def patch(self, body):
        """Change your skills, sectors, hours, area, availability or preferences."""
        session = db_session()
        seeker = jobseekers.update_profile(session, jobseekers.own_profile(session, current_principal()), body)
        session.commit()
        return seeker


@seekers_blp.route("/job-seekers/me/disclosure")
class MyDisclosure(MethodView):
    @requires()
    @seekers_blp.response(200, schemas.Disclosure)
    def get(self):
        """Show what you have chosen to disclose (empty until you say anything)."""
        session = db_session()
        seeker = jobseekers.own_profile(session, current_principal())
        return disclosure.read_disclosure(session, seeker, current_principal(), "") or {}

    @requires()
    @seekers_blp.arguments(schemas.DisclosureIn)
    @seekers_blp.response(200, schemas.Disclosure)
    def put(self, body):
        """Say what you choose to disclose: whether you have unspent convictions, until when, work you must
        not do, and a statement in your own words. Never offence details. Optional, and only yours to write."""
        session = db_session()
        seeker = jobseekers.own_profile(session, current_principal())
        saved = disclosure.set_disclosure(session, seeker, current_principal(), body)
        session.commit()
        return saved


@seekers_blp.route("/job-seekers/me/disclosure-access")
class MyAccessLog(MethodView):
    @requires()
    @seekers_blp.response(200, schemas.AccessEntry(many=True))
    @seekers_blp.paginate()
    def get(self, pagination_parameters):
        """See who read your disclosure, when and why, newest first."""
        session = db_session()
        seeker = jobseekers.own_profile(session, current_principal())
        return paginate(session, disclosure.access_log(seeker), pagination_parameters)


@seekers_blp.route("/job-seekers/<int:seeker_id>")
class JobSeekerItem(MethodView):
    @requires("coordinator")
    @seekers_blp.response(200, schemas.Profile)
    def get(self, seeker_id):
        """Show a job seeker's profile (no disclosure)."""
        return jobseekers.get_seeker(db_session(), seeker_id, current_principal())

    @requires("coordinator")
    @seekers_blp.arguments(schemas.ProfileIn)
    @seekers_blp.response(200, schemas.Profile)
    def patch(self, body, seeker_id):
        """Change a profile for a job seeker (for example, a referred person without an account)."""
        session = db_session()
        seeker = jobseekers.update_profile(session, jobseekers.get_seeker(session, seeker_id, current_principal()),
                                           body)
        session.commit()
        return seeker


@seekers_blp.route("/job-seekers/<int:seeker_id>/disclosure-readings")
class DisclosureReading(MethodView):
    @requires("coordinator")
    @seekers_blp.arguments(schemas.ReadPurpose)
    @seekers_blp.response(200, schemas.Disclosure)
    def post(self, body, seeker_id):
        """Read a job seeker's disclosure, saying why; the reading goes to the access log they can see."""
        session = db_session()
        seeker = jobseekers.get_seeker(session, seeker_id, current_principal())
        found = disclosure.read_disclosure(session, seeker, current_principal(), body["purpose"])
        session.commit()
        return found or {}


action_endpoint(seekers_blp, "/job-seekers/<int:seeker_id>/close",
                lambda session, by, seeker_id: jobseekers.close(
                    session, jobseekers.get_seeker(session, seeker_id, by), "Closed by a coordinator."),
                "Close a profile: it leaves matching and its disclosure is deleted.", schemas.Profile,
                roles=("coordinator",))
action_endpoint(seekers_blp, "/job-seekers/me/close",
                lambda session, by: jobseekers.close(session, jobseekers.own_profile(session, by),
                                                     "Closed by the job seeker."),
                "Close your own profile: your disclosure is deleted.", schemas.Profile)


@employers_blp.route("/employers")
class Employers(MethodView):
    @requires("coordinator")
    @employers_blp.arguments(schemas.EmployerQuery, location="query")
    @employers_blp.response(200, schemas.Employer(many=True))
    @employers_blp.paginate()
    def get(self, query, pagination_parameters):
        """List employers, newest first (``?status=pending`` for those waiting for approval)."""
        statement = select(Employer).order_by(Employer.id.desc())
        if "status" in query:
            statement = statement.where(Employer.status == query["status"])
        return paginate(db_session(), statement, pagination_parameters)

    @requires("employer")
    @employers_blp.arguments(schemas.EmployerIn)
    @employers_blp.response(201, schemas.Employer)
    def post(self, body):
        """Register your organisation; a coordinator approves it before you can post vacancies."""
        session = db_session()
        employer = employers.register(session, current_principal(), body)
        session.commit()
        return employer


@employers_blp.route("/employers/me")
class MyEmployer(MethodView):
    @requires("employer")
    @employers_blp.response(200, schemas.Employer)
    def get(self):
        """Show your organisation's registration and whether it is approved."""
        return employers.own_employer(db_session(), current_principal())


for _action, _approve in (("approve", True), ("refuse", False)):
    action_endpoint(employers_blp, f"/employers/<int:employer_id>/{_action}",
                    lambda session, by, employer_id, approve=_approve: employers.decide(
                        session, by, employer_id, approve),
                    f"{_action.title()} a registered employer.", schemas.Employer, roles=("coordinator",))


@employers_blp.route("/vacancies")
class Vacancies(MethodView):
    @requires()
    @employers_blp.arguments(schemas.VacancyQuery, location="query")
    @employers_blp.response(200, schemas.Vacancy(many=True))
    @employers_blp.paginate()
    def get(self, query, pagination_parameters):
        """List open vacancies, newest first (any signed-in account)."""
        return paginate(db_session(), employers.vacancies_query(**query), pagination_parameters)

    @requires("employer")
    @employers_blp.arguments(schemas.VacancyIn)
    @employers_blp.response(201, schemas.Vacancy)
    def post(self, body):
        """Post a vacancy for your approved organisation."""
        session = db_session()
        vacancy = employers.post_vacancy(session, current_principal(), body, runtime().settings)
        session.commit()
        return vacancy


@employers_blp.route("/vacancies/<int:vacancy_id>")
class VacancyItem(MethodView):
    @requires()
    @employers_blp.response(200, schemas.Vacancy)
    def get(self, vacancy_id):
        """Show a vacancy."""
        return employers.get_vacancy(db_session(), vacancy_id)


action_endpoint(employers_blp, "/vacancies/<int:vacancy_id>/close",
                lambda session, by, vacancy_id: employers.close_vacancy(session, by, vacancy_id),
                "Close a vacancy (its employer, or a coordinator).", schemas.Vacancy,
                roles=("employer", "coordinator"))


@calculator_blp.route("/disclosure-calculator")
class Calculator(MethodView):
    @calculator_blp.arguments(schemas.CalculatorIn)
    @calculator_blp.response(200, schemas.CalculatorAnswer)
    def post(self, body):
        """Work out when a conviction becomes spent. Anyone may ask; nothing is stored or logged."""
        try:
            answer = spent_date(Sentence(**body))
        except ValueError as error:  # a question the calculator cannot answer is the asker's to change
            raise Unprocessable(f"The calculator cannot answer this: {error}.") from None
        return {"spent_on": answer.spent_on, "never_spent": answer.never_spent,
                "spent_today": answer.spent_by(utcnow().date()), "reasoning": answer.reasoning,
                "caveats": list(answer.caveats)}


BLUEPRINTS = [seekers_blp, employers_blp, applications_blp, calculator_blp]
