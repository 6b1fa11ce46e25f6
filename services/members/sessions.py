"""Sign-in sessions: signing in, renewing and signing out, the use cases the API and the session pages share.

An access token lives minutes and is checked by its signature alone; what keeps a person signed in
is her refresh token (``refresh_tokens``). Signing out, a suspension, leaving the co-op and a password
change revoke refresh tokens, so the access token in hand is the last one she gets.
"""

from __future__ import annotations

import dataclasses

from services.members import accounts
from services.members.refresh_tokens import Refreshed, revoke_family, revoke_token, rotate, start
from services.members.settings import MembersSettings
from services.members.sign_in_limits import SignInLimits
from shared.auth import Principal, TokenIssuer
from shared.db import Database, utcnow
from shared.errors import TooManyRequests, Unauthorized


@dataclasses.dataclass(frozen=True)
class Tokens:
    """An access token (minutes) and the refresh token that renews it, with their lifetimes in seconds."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int

    def as_json(self) -> dict:
        return {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in,
                "refresh_token": self.refresh_token, "refresh_expires_in": self.refresh_expires_in}


def sign_in(db: Database, issuer: TokenIssuer, settings: MembersSettings, email: str, password: str,
            address: str | None) -> Tokens:
    """Check the password within the sign-in limits and open a sign-in session.

    Raises TooManyRequests (with Retry-After) over a limit, Unauthorized for a wrong email or password.
    """
    result = accounts.check_password(db, email, password, SignInLimits.from_settings(settings), address)
    if result.retry_after_seconds:
        raise TooManyRequests("Too many failed sign-in attempts; try again later.",
                              headers={"Retry-After": str(result.retry_after_seconds)})
    if result.principal is None:
        raise Unauthorized("Wrong email or password.")
    with db.transaction() as session:
        refreshed = start(session, result.principal.account_id, settings.refresh_token_days)
    return _tokens(issuer, result.principal, refreshed)


def refresh(db: Database, issuer: TokenIssuer, settings: MembersSettings, refresh_token: str | None) -> Tokens:
    """Rotate a refresh token: new tokens, with roles as they are now; Unauthorized if it is refused."""
    refreshed = None
    if refresh_token:
        with db.transaction() as session:
            refreshed = rotate(session, refresh_token, settings.refresh_token_days,
                               settings.refresh_reuse_grace_seconds)
            if refreshed is not None:
                principal = accounts.principal_for(session, accounts.get_account(session, refreshed.account_id))
    if refreshed is None:
        raise Unauthorized("This refresh token no longer works; sign in again.")
    return _tokens(issuer, principal, refreshed)


def sign_out(db: Database, refresh_token: str | None = None, session_id: str | None = None) -> None:
    """End a sign-in, named by its refresh token or by the session id its access tokens carry."""
    with db.transaction() as session:
        if refresh_token:
            revoke_token(session, refresh_token)
        if session_id:
            revoke_family(session, session_id)


def _tokens(issuer: TokenIssuer, principal: Principal, refreshed: Refreshed) -> Tokens:
    access, lifetime = issuer.issue(dataclasses.replace(principal, session_id=refreshed.family))
    return Tokens(access, lifetime, refreshed.token, int((refreshed.expires_at - utcnow()).total_seconds()))
