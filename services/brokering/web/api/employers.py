"""The JSON door for employers (registered, then approved or refused) and the vacancies they post."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.brokering import employers, placements, vacancies
from services.brokering.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import collaborators, db_session

blp = Blueprint("employers", __name__, description="Employers and their vacancies")


@blp.route("/employers")
class Employers(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.EmployerQuery, location="query")
    @blp.response(200, schemas.Employer(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List employers, newest first (``?status=pending`` for those waiting for approval)."""
        return paginate(db_session(), employers.employers_query(query.get("status")), pagination_parameters)

    @requires("employer")
    @blp.arguments(schemas.EmployerIn)
    @blp.response(201, schemas.Employer)
    def post(self, body):
        """Register your organisation; a coordinator approves it before you can post vacancies."""
        session = db_session()
        employer = employers.register(session, current_principal(), body)
        session.commit()
        return employer


@blp.route("/employers/me")
class MyEmployer(MethodView):
    @requires("employer")
    @blp.response(200, schemas.Employer)
    def get(self):
        """Show your organisation's registration and whether it is approved."""
        return employers.own_employer(db_session(), current_principal())


@blp.route("/employers/<int:employer_id>/approve")
class ApproveEmployer(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Employer)
    def post(self, employer_id):
        """Approve a registered employer."""
        session = db_session()
        employer = employers.decide(session, current_principal(), employer_id, approve=True)
        session.commit()
        return employer


@blp.route("/employers/<int:employer_id>/refuse")
class RefuseEmployer(MethodView):
    @requires("coordinator")
    @blp.response(200, schemas.Employer)
    def post(self, employer_id):
        """Refuse a registered employer."""
        session = db_session()
        employer = employers.decide(session, current_principal(), employer_id, approve=False)
        session.commit()
        return employer


@blp.route("/vacancies")
class Vacancies(MethodView):
    @requires()
    @blp.arguments(schemas.VacancyQuery, location="query")
    @blp.response(200, schemas.Vacancy(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List open vacancies, newest first (any signed-in account)."""
        return paginate(db_session(), vacancies.vacancies_query(**query), pagination_parameters)

    @requires("employer")
    @blp.arguments(schemas.VacancyIn)
    @blp.response(201, schemas.Vacancy)
    def post(self, body):
        """Post a vacancy for your approved organisation."""
        session, given = db_session(), collaborators()
        vacancy = vacancies.post_vacancy(session, current_principal(), body, given.settings, given.clock)
        session.commit()
        return vacancy


@blp.route("/vacancies/<int:vacancy_id>")
class VacancyItem(MethodView):
    @requires()
    @blp.response(200, schemas.Vacancy)
    def get(self, vacancy_id):
        """Show a vacancy."""
        return vacancies.get_vacancy(db_session(), vacancy_id)


    @requires("employer")
    @blp.arguments(schemas.VacancyChange(partial=True))
    @blp.response(200, schemas.Vacancy)
    def patch(self, body, vacancy_id):
        """Change an open vacancy of your organisation (what is left out stays); it is checked again as a new one."""
        session, given = db_session(), collaborators()
        vacancy = vacancies.edit_vacancy(session, current_principal(), vacancy_id, body, given.settings, given.clock)
        session.commit()
        return vacancy


@blp.route("/employers/me/placements")
class MyPlacements(MethodView):
    @requires("employer")
    @blp.response(200, schemas.HiredPlacement(many=True))
    def get(self):
        """List the placements at your organisation, newest first: who started in which job, and how it goes."""
        return placements.employer_placements(db_session(), current_principal())


@blp.route("/vacancies/<int:vacancy_id>/close")
class CloseVacancy(MethodView):
    @requires("employer", "coordinator")
    @blp.response(200, schemas.Vacancy)
    def post(self, vacancy_id):
        """Close a vacancy (its employer, or a coordinator)."""
        session = db_session()
        vacancy = vacancies.close_vacancy(session, current_principal(), vacancy_id)
        session.commit()
        return vacancy
