"""HTTP endpoints for accounts, signing in and membership."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from services.members import accounts, membership, record, schemas, signing_in
from services.members.models import Member
from services.members.sign_in_limits import SignInLimits
from shared.auth import current_principal, jwks, requires
from shared.errors import NotFound, TooManyRequests, Unauthorized
from shared.http import paginate
from shared.service import action_endpoint, db_session, runtime

accounts_blp = Blueprint("accounts", __name__, description="Accounts and signing in")
members_blp = Blueprint("members", __name__, url_prefix="/members", description="Membership of the co-op")


def _account_view(session, account):
    principal = accounts.principal_for(session, account)
    return {**{c: getattr(account, c) for c in ("id", "email", "display_name", "roles")},
            "member_id": principal.member_id}


@accounts_blp.route("/accounts")
class Accounts(MethodView):
    @accounts_blp.arguments(schemas.AccountCreate)
    @accounts_blp.response(201, schemas.Account)
    def post(self, body):
        """Open an account as a customer or an employer. Anyone may do this."""
        session = db_session()
        account = accounts.register_account(session, body["email"], body["password"],
                                            body["display_name"], body["role"])
        session.commit()
        return _account_view(session, account)


@accounts_blp.route("/accounts/me")
class MyAccount(MethodView):
    @requires()
    @accounts_blp.response(200, schemas.Account)
    def get(self):
        """Show the signed-in account."""
        session = db_session()
        return _account_view(session, accounts.get_account(session, current_principal().account_id))


@accounts_blp.route("/accounts/me/password")
class MyPassword(MethodView):
    @requires()
    @accounts_blp.arguments(schemas.PasswordChange)
    @accounts_blp.response(204)
    def post(self, body):
        """Change your password (give the current one too); your other sign-ins end."""
        accounts.change_password(runtime().db, current_principal().account_id, body["current_password"],
                                 body["new_password"], SignInLimits.from_settings(runtime().settings),
                                 request.remote_addr, keep_session=current_principal().session_id)


@accounts_blp.route("/accounts/<int:account_id>/roles")
class AccountRoles(MethodView):
    @requires("admin")
    @accounts_blp.arguments(schemas.RolesUpdate)
    @accounts_blp.response(200, schemas.Account)
    def put(self, body, account_id):
        """Set an account's roles (for example, make someone a coordinator)."""
        session = db_session()
        account = accounts.set_roles(session, account_id, body["roles"], current_principal())
        session.commit()
        return _account_view(session, account)


@accounts_blp.route("/tokens")
class Tokens(MethodView):
    @accounts_blp.arguments(schemas.Credentials)
    @accounts_blp.response(201, schemas.Token)
    @accounts_blp.alt_response(401, description="Wrong email or password (the same answer for both).")
    @accounts_blp.alt_response(429, description="Too many failed attempts for this account; wait.")
    def post(self, body):
        """Sign in: exchange an email and password for an access token (minutes) and a refresh token."""
        result = signing_in.sign_in(runtime().db, current_app.extensions["coop_issuer"], runtime().settings,
                                    body["email"], body["password"], request.remote_addr)
        if result.retry_after_seconds:
            raise TooManyRequests("Too many failed sign-in attempts; try again later.",
                                  headers={"Retry-After": str(result.retry_after_seconds)})
        if result.tokens is None:
            raise Unauthorized("Wrong email or password.")
        return result.tokens.as_json()


@accounts_blp.route("/tokens/refresh")
class TokenRefresh(MethodView):
    @accounts_blp.arguments(schemas.RefreshToken)
    @accounts_blp.response(201, schemas.Token)
    @accounts_blp.alt_response(401, description="The refresh token is unknown, used, expired or revoked.")
    def post(self, body):
        """Renew: exchange a refresh token for a new access token and a new refresh token (it works once)."""
        tokens = signing_in.refresh(runtime().db, current_app.extensions["coop_issuer"], runtime().settings,
                                    body["refresh_token"])
        if tokens is None:
            raise Unauthorized("This refresh token no longer works; sign in again.")
        return tokens.as_json()


@accounts_blp.route("/tokens/revoke")
class TokenRevoke(MethodView):
    @accounts_blp.arguments(schemas.RefreshToken)
    @accounts_blp.response(204)
    def post(self, body):
        """Sign out: end the sign-in a refresh token belongs to (the same answer for any token)."""
        signing_in.sign_out(runtime().db, refresh_token=body["refresh_token"])


@accounts_blp.route("/.well-known/jwks.json")
class Keys(MethodView):
    @accounts_blp.response(200, schemas.Jwks)
    def get(self):
        """Publish the public key that verifies access tokens (JWKS)."""
        return jwks(current_app.extensions["coop_issuer"].private_key.public_key())


@members_blp.route("")
class Members(MethodView):
    @requires()
    @members_blp.arguments(schemas.MembershipApplication)
    @members_blp.response(201, schemas.MemberRecord)
    def post(self, body):
        """Apply for membership, as a producer business or a support agency."""
        session = db_session()
        account = accounts.get_account(session, current_principal().account_id)
        member = membership.apply_for_membership(session, account, **body)
        session.commit()
        return member

    @requires("member", "agency", "coordinator", "admin")
    @members_blp.arguments(schemas.MemberQuery, location="query")
    @members_blp.response(200, schemas.MemberDirectoryEntry(many=True))
    @members_blp.paginate()
    def get(self, query, pagination_parameters):
        """List members. Members see the active directory; coordinators see every status."""
        principal = current_principal()
        statement = select(Member).order_by(Member.id)
        if not principal.has_any("coordinator", "admin"):
            statement = statement.where(Member.status == "active")
        for field in ("status", "kind"):
            if field in query:
                statement = statement.where(getattr(Member, field) == query[field])
        return paginate(db_session(), statement, pagination_parameters)


@members_blp.route("/me")
class MyMembership(MethodView):
    @requires()
    @members_blp.response(200, schemas.MemberRecord)
    def get(self):
        """Show the signed-in account's own membership record."""
        session = db_session()
        member = membership.member_of_account(session, current_principal().account_id)
        if member is None:
            raise NotFound("This account has no membership; apply first.")
        return member


@members_blp.route("/<int:member_id>")
class MemberDetail(MethodView):
    @requires()
    @members_blp.response(200, schemas.MemberRecord)
    def get(self, member_id):
        """Show a member's full record (the member or a coordinator; a coordinator's look is logged)."""
        session = db_session(writing=True)
        member = membership.read_confidential_record(session, member_id, current_principal(), "viewed record")
        session.commit()
        return member

    @requires()
    @members_blp.arguments(schemas.ProfileUpdate)
    @members_blp.response(200, schemas.MemberView)
    def patch(self, body, member_id):
        """Change a member's profile: business name, sectors, description."""
        session = db_session()
        member = membership.update_profile(session, member_id, current_principal(), body)
        session.commit()
        return member


def _status_action(action: str, roles: tuple[str, ...], summary: str) -> None:
    """Register the endpoint of one membership transition (admit, decline, suspend, ...)."""

    def change(session, caller, body, member_id):
        return membership.change_status(session, member_id, action, caller, body["reason"])

    action_endpoint(members_blp, f"/<int:member_id>/{action}", change, summary, schemas.MemberView, roles,
                    schemas.StatusChangeRequest)


_status_action("admit", ("coordinator",), "Admit an applicant: a member number and a £1 share.")
_status_action("decline", ("coordinator",), "Decline an application, with a reason.")
_status_action("suspend", ("coordinator",), "Suspend an active member, with a reason.")
_status_action("reinstate", ("coordinator",), "Reinstate a suspended member.")
_status_action("leave", ("member", "agency", "coordinator"), "Record that a member leaves the co-op.")
_status_action("reopen", ("coordinator",), "Reopen a declined or former member's record as an application.")


@members_blp.route("/<int:member_id>/seeking-work")
class SeekingWork(MethodView):
    @requires("member")
    @members_blp.response(200, schemas.MemberView)
    def post(self, member_id):
        """Say that self-employment is not for you, and ask the co-op's job brokering for help."""
        session = db_session()
        member = membership.ask_for_job_brokering(session, member_id, current_principal())
        session.commit()
        return member


@members_blp.route("/<int:member_id>/record")
class MemberRecordMonths(MethodView):
    @requires()
    @members_blp.response(200, schemas.RecordMonth(many=True))
    def get(self, member_id):
        """Show a member's record month by month: sales, earnings, payouts, contract work and jobs, as the
        other services' events tell it (the member or a coordinator; a coordinator's look is logged)."""
        session = db_session(writing=True)
        membership.read_confidential_record(session, member_id, current_principal(), "viewed member record")
        months = record.member_record(session, member_id)
        session.commit()
        return months


@members_blp.route("/<int:member_id>/access-log")
class AccessLog(MethodView):
    @requires()
    @members_blp.response(200, schemas.RecordAccess(many=True))
    def get(self, member_id):
        """Show who has read this member's confidential record (the member and coordinators)."""
        return membership.access_log(db_session(), member_id, current_principal())
