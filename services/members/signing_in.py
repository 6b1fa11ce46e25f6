"""Signing in, staying signed in and signing out: the use cases the API and the session pages share."""

from __future__ import annotations

import dataclasses

from services.members import accounts, sessions
from services.members.sign_in_limits import SignInLimits
from shared.auth import Principal, TokenIssuer
from shared.db import Database, utcnow


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


@dataclasses.dataclass(frozen=True)
class Attempt:
    """What signing in came to: tokens, or a refusal (with a wait if rate-limited)."""

    tokens: Tokens | None
    retry_after_seconds: int | None = None


def sign_in(db: Database, issuer: TokenIssuer, settings, email: str, password: str,
            address: str | None) -> Attempt:
    """Check the password within the sign-in limits and open a sign-in session."""
    result = accounts.sign_in(db, email, password, SignInLimits.from_settings(settings), address)
    if result.principal is None:
        return Attempt(None, result.retry_after_seconds)
    with db.transaction() as session:
        refreshed = sessions.start(session, result.principal.account_id, settings.refresh_token_days)
    return Attempt(_tokens(issuer, result.principal, refreshed))


def refresh(db: Database, issuer: TokenIssuer, settings, refresh_token: str) -> Tokens | None:
    """Rotate a refresh token: new tokens, with roles as they are now; None if it is refused."""
    with db.transaction() as session:
        refreshed = sessions.rotate(session, refresh_token, settings.refresh_token_days,
                                    settings.refresh_reuse_grace_seconds)
        if refreshed is None:
            return None
        principal = accounts.principal_for(session, accounts.get_account(session, refreshed.account_id))
    return _tokens(issuer, principal, refreshed)


def sign_out(db: Database, refresh_token: str | None = None, session_id: str | None = None) -> None:
    """End a sign-in, named by its refresh token or by the session id its access tokens carry."""
    with db.transaction() as session:
        if refresh_token:
            sessions.revoke_token(session, refresh_token)
        if session_id:
            sessions.revoke_family(session, session_id)


def _tokens(issuer: TokenIssuer, principal: Principal, refreshed: sessions.Refreshed) -> Tokens:
    access, lifetime = issuer.issue(dataclasses.replace(principal, session_id=refreshed.family))
    return Tokens(access, lifetime, refreshed.token, int((refreshed.expires_at - utcnow()).total_seconds()))
