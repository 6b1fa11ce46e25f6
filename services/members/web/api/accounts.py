"""The accounts API: opening an account, one's own account and password, roles, and signing in (tokens)."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from services.members import accounts, email_verification, password_resets, sessions
from services.members.web import schemas
from shared.auth import current_principal, jwks, requires
from shared.service import collaborators, db_session, runtime

blp = Blueprint("accounts", __name__, description="Accounts and signing in")


CHECK_YOUR_EMAIL = {"status": "check your email"}


@blp.route("/accounts")
class Accounts(MethodView):
    @blp.arguments(schemas.AccountCreate)
    @blp.response(202, schemas.RegistrationReceived)
    def post(self, body):
        """Open an account as a customer or an employer. Anyone may do this.

        The answer is the same whether the email is new or already has an account (its owner is told
        by email): a link to verify the address is sent, then sign in with the email and password."""
        session = db_session()
        accounts.register_account(session, collaborators().link_signer, collaborators().settings, body["email"],
                                  body["password"], body["display_name"], body["role"])
        session.commit()
        return CHECK_YOUR_EMAIL


@blp.route("/accounts/me/verification")
class MyVerification(MethodView):
    @requires()
    @blp.response(202, schemas.RegistrationReceived)
    @blp.alt_response(409, description="The address is verified already.")
    @blp.alt_response(429, description="Too many requests for a new link; wait.")
    def post(self):
        """Send a new link to verify your email address."""
        session = db_session()
        email_verification.ask_again(session, collaborators().link_signer, collaborators().settings,
                                     current_principal().account_id, request.remote_addr)
        session.commit()
        return CHECK_YOUR_EMAIL


@blp.route("/accounts/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(schemas.PasswordResetRequest)
    @blp.response(202, schemas.RegistrationReceived)
    @blp.alt_response(429, description="Too many requests for this email or from this address; wait.")
    def post(self, body):
        """Ask for a link to reset a forgotten password: the same answer whether the email has an account."""
        password_resets.ask_for_reset(runtime().db, collaborators().link_signer, collaborators().settings,
                                      body["email"], request.remote_addr)
        return CHECK_YOUR_EMAIL


@blp.route("/accounts/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(schemas.PasswordResetConfirm)
    @blp.response(204)
    @blp.alt_response(400, description="The link is not valid, was used, or the password changed since.")
    @blp.alt_response(410, description="The link has expired.")
    def post(self, body):
        """Set a new password with the token of a reset link (it works once); every sign-in ends."""
        password_resets.reset(runtime().db, collaborators().link_signer, body["token"], body["password"])


@blp.route("/accounts/me")
class MyAccount(MethodView):
    @requires()
    @blp.response(200, schemas.Account)
    def get(self):
        """Show the signed-in account."""
        session = db_session()
        return accounts.account_view(session, accounts.get_account(session, current_principal().account_id))

    @requires()
    @blp.arguments(schemas.AccountUpdate)
    @blp.response(200, schemas.Account)
    def patch(self, body):
        """Change the name the co-op calls you by (your display name)."""
        session = db_session()
        account = accounts.rename_account(session, current_principal().account_id, body["display_name"])
        session.commit()
        return accounts.account_view(session, account)


@blp.route("/accounts/me/password")
class MyPassword(MethodView):
    @requires()
    @blp.arguments(schemas.PasswordChange)
    @blp.response(204)
    def post(self, body):
        """Change your password (give the current one too); your other sign-ins end."""
        accounts.change_password(runtime().db, collaborators().settings, current_principal().account_id,
                                 body["current_password"], body["new_password"], request.remote_addr,
                                 keep_session=current_principal().session_id)


@blp.route("/accounts/<int:account_id>/roles")
class AccountRoles(MethodView):
    @requires("admin")
    @blp.arguments(schemas.RolesUpdate)
    @blp.response(200, schemas.Account)
    def put(self, body, account_id):
        """Set an account's roles (for example, make someone a coordinator)."""
        session = db_session()
        account = accounts.set_roles(session, account_id, body["roles"], current_principal())
        session.commit()
        return accounts.account_view(session, account)


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(schemas.Credentials)
    @blp.response(201, schemas.Token)
    @blp.alt_response(401, description="Wrong email or password (the same answer for both).")
    @blp.alt_response(429, description="Too many failed attempts for this account; wait.")
    def post(self, body):
        """Sign in: exchange an email and password for an access token (minutes) and a refresh token."""
        tokens = sessions.sign_in(runtime().db, collaborators().token_issuer, collaborators().settings,
                                  body["email"], body["password"], request.remote_addr)
        return tokens.as_json()


@blp.route("/tokens/refresh")
class TokenRefresh(MethodView):
    @blp.arguments(schemas.RefreshToken)
    @blp.response(201, schemas.Token)
    @blp.alt_response(401, description="The refresh token is unknown, used, expired or revoked.")
    def post(self, body):
        """Renew: exchange a refresh token for a new access token and a new refresh token (it works once)."""
        tokens = sessions.refresh(runtime().db, collaborators().token_issuer, collaborators().settings,
                                  body["refresh_token"])
        return tokens.as_json()


@blp.route("/tokens/revoke")
class TokenRevoke(MethodView):
    @blp.arguments(schemas.RefreshToken)
    @blp.response(204)
    def post(self, body):
        """Sign out: end the sign-in a refresh token belongs to (the same answer for any token)."""
        sessions.sign_out(runtime().db, refresh_token=body["refresh_token"])


@blp.route("/.well-known/jwks.json")
class Keys(MethodView):
    @blp.response(200, schemas.Jwks)
    def get(self):
        """Publish the public key that verifies access tokens (JWKS)."""
        return jwks(collaborators().token_issuer.private_key.public_key())
