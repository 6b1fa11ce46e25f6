"""Signed links that expire: the token in an email's link to verify an address or reset a password.

A link token is a JWT signed (RS256) with the key that signs access tokens, so no second secret is kept.
It can never pass for an access token, nor one kind of link for another: its audience is
``<audience>:<purpose>`` (every service's verifier wants the bare audience) and it carries the purpose
as a claim too. What it is bound to (the address it verifies, the password it may replace) is a
fingerprint, checked against the account when the link is used, so the token itself holds no address.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import jwt

from shared.auth import ALGORITHM, key_id
from shared.db import utcnow
from shared.errors import DomainError

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"


class InvalidLink(DomainError):
    """A link that is forged, of another kind, for another address or password, or used up."""

    status = 400


class ExpiredLink(InvalidLink):
    status = 410


def fingerprint(*parts: str) -> str:
    """A short one-way digest of what a link is bound to (an address, a password hash)."""
    return hashlib.sha256("\x1f".join(("coop-link", *parts)).encode()).hexdigest()[:32]


class LinkSigner:
    """Signs and reads link tokens with the members service's signing key."""

    def __init__(self, private_key, issuer: str, audience: str):
        self.private_key = private_key
        self.public_key = private_key.public_key()
        self.kid = key_id(self.public_key)
        self.issuer = issuer
        self.audience = audience

    def sign(self, purpose: str, account_id: int, bound_to: str, expires_at: dt.datetime,
             now: dt.datetime | None = None) -> str:
        claims = {"purpose": purpose, "sub": str(account_id), "fp": bound_to, "iss": self.issuer,
                  "aud": f"{self.audience}:{purpose}", "iat": now or utcnow(), "exp": expires_at}
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def read(self, token: str, purpose: str, now: dt.datetime | None = None) -> tuple[int, str]:
        """Return the account id and the fingerprint a token of this purpose names, or raise."""
        try:
            claims = jwt.decode(
                token, self.public_key, algorithms=[ALGORITHM], audience=f"{self.audience}:{purpose}",
                issuer=self.issuer, options={"require": ["exp", "iat", "sub", "iss", "aud", "purpose", "fp"],
                                             "verify_exp": False})
            if claims["purpose"] != purpose:
                raise InvalidLink("This link is not for this page.")
            expires_at = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
            account_id, bound_to = int(claims["sub"]), str(claims["fp"])
        except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
            raise InvalidLink("This link is not valid: copy the whole link from the email, or ask for a new one.") \
                from None
        if expires_at <= (now or utcnow()):
            raise ExpiredLink("This link has expired: ask for a new one.")
        return account_id, bound_to
