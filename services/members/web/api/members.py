"""The membership API: applying, the directory, a member's record, and the membership transitions
(admit, decline, suspend, reinstate, leave, reopen), each at its own path."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.members import accounts, membership
from services.members.web import schemas
from shared.auth import current_principal, requires
from shared.http import paginate
from shared.service import db_session

blp = Blueprint("members", __name__, url_prefix="/members", description="Membership of the co-op")


@blp.route("")
class Members(MethodView):
    @requires()
    @blp.arguments(schemas.MembershipApplication)
    @blp.response(201, schemas.MemberRecord)
    def post(self, body):
        """Apply for membership, as a producer business or a support agency."""
        session = db_session()
        account = accounts.get_account(session, current_principal().account_id)
        member = membership.apply_for_membership(session, account, **body)
        session.commit()
        return member

    @requires("member", "agency", "coordinator", "admin")
    @blp.arguments(schemas.MemberQuery, location="query")
    @blp.response(200, schemas.MemberDirectoryEntry(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List members. Members see the active directory; coordinators see every status."""
        statement = membership.directory_query(current_principal(), query.get("status"), query.get("kind"))
        return paginate(db_session(), statement, pagination_parameters)


@blp.route("/me")
class MyMembership(MethodView):
    @requires()
    @blp.response(200, schemas.MemberRecord)
    def get(self):
        """Show the signed-in account's own membership record."""
        return membership.my_membership(db_session(), current_principal())


@blp.route("/<int:member_id>")
class MemberDetail(MethodView):
    @requires()
    @blp.response(200, schemas.MemberRecord)
    def get(self, member_id):
        """Show a member's full record (the member or a coordinator; a coordinator's look is logged)."""
        session = db_session(writing=True)
        member = membership.read_confidential_record(session, member_id, current_principal(), "viewed record")
        session.commit()
        return member

    @requires()
    @blp.arguments(schemas.ProfileUpdate)
    @blp.response(200, schemas.MemberView)
    def patch(self, body, member_id):
        """Change a member's profile: business name, sectors, description."""
        session = db_session()
        member = membership.update_profile(session, member_id, current_principal(), body)
        session.commit()
        return member


def _change_status(member_id: int, action: str, reason: str):
    session = db_session()
    member = membership.change_status(session, member_id, action, current_principal(), reason)
    session.commit()
    return member


@blp.route("/<int:member_id>/admit")
class MemberAdmit(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Admit an applicant: a member number and a £1 share."""
        return _change_status(member_id, "admit", body["reason"])


@blp.route("/<int:member_id>/decline")
class MemberDecline(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Decline an application, with a reason: the applicant is told it (``member.declined``)."""
        return _change_status(member_id, "decline", body["reason"])


@blp.route("/<int:member_id>/suspend")
class MemberSuspend(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Suspend an active member, with a reason."""
        return _change_status(member_id, "suspend", body["reason"])


@blp.route("/<int:member_id>/reinstate")
class MemberReinstate(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Reinstate a suspended member."""
        return _change_status(member_id, "reinstate", body["reason"])


@blp.route("/<int:member_id>/leave")
class MemberLeave(MethodView):
    @requires("member", "agency", "coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Record that a member leaves the co-op."""
        return _change_status(member_id, "leave", body["reason"])


@blp.route("/<int:member_id>/reopen")
class MemberReopen(MethodView):
    @requires("coordinator")
    @blp.arguments(schemas.StatusChangeRequest)
    @blp.response(200, schemas.MemberView)
    def post(self, body, member_id):
        """Reopen a declined or former member's record as an application."""
        return _change_status(member_id, "reopen", body["reason"])


@blp.route("/<int:member_id>/seeking-work")
class SeekingWork(MethodView):
    @requires("member")
    @blp.response(200, schemas.MemberView)
    def post(self, member_id):
        """Say that self-employment is not for you, and ask the co-op's job brokering for help."""
        session = db_session()
        member = membership.ask_for_job_brokering(session, member_id, current_principal())
        session.commit()
        return member

    @requires("member")
    @blp.response(200, schemas.MemberView)
    def delete(self, member_id):
        """Change your mind: no longer ask the co-op's job brokering for help (``member.stopped_seeking_work``)."""
        session = db_session()
        member = membership.withdraw_from_job_brokering(session, member_id, current_principal())
        session.commit()
        return member


@blp.route("/<int:member_id>/record")
class MemberRecordMonths(MethodView):
    @requires()
    @blp.response(200, schemas.RecordMonth(many=True))
    def get(self, member_id):
        """Show a member's record month by month: sales, earnings, payouts, contract work and jobs, as the
        other services' events tell it (the member or a coordinator; a coordinator's look is logged)."""
        session = db_session(writing=True)
        months = membership.member_record_months(session, member_id, current_principal())
        session.commit()
        return months


@blp.route("/<int:member_id>/access-log")
class AccessLog(MethodView):
    @requires()
    @blp.response(200, schemas.RecordAccess(many=True))
    def get(self, member_id):
        """Show who has read this member's confidential record (the member and coordinators)."""
        return membership.access_log(db_session(), member_id, current_principal())
