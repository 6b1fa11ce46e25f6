"""Resetting a forgotten password by a signed link sent to the account's address.

Asking answers the same whether the address is known or not, and does the same work (counts the
request, reads the account, signs a token); only a known address gets account.password_reset_requested,
written in the same transaction. The token carries a fingerprint of the current password hash (as
Django's PasswordResetTokenGenerator does), so it stops working once the password changes: using it
once, a change of password or another reset. The new password is set by a conditional update on the
old hash, so of two uses at once one wins.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import select, update

from services.members import refresh_tokens, sign_in_limits
from services.members.accounts import hash_password, normalise_email, refuse_weak_password
from services.members.email_verification import MOUNTED_AT
from services.members.events import OUTBOX
from services.members.link_tokens import RESET_PASSWORD, InvalidLink, LinkSigner, fingerprint
from services.members.models import Account
from services.members.settings import MembersSettings
from services.members.sign_in_limits import SignInLimits
from shared.db import Database, utcnow
from shared.errors import TooManyRequests

RESET_PAGE = f"{MOUNTED_AT}/account/reset-password"
FORGOT_PAGE = f"{MOUNTED_AT}/account/forgot-password"
# Signed for an unknown address, so that it takes the same time as a known one; never sent anywhere.
_NOBODY = 0


def request_limits(settings: MembersSettings) -> SignInLimits:
    """Reset requests per email and per address: counted like sign-ins, under keys of their own."""
    return SignInLimits(settings.password_reset_max_per_email, settings.password_reset_max_per_address,
                        dt.timedelta(minutes=settings.password_reset_window_minutes), prefix="reset:")


def password_fingerprint(account: Account) -> str:
    return fingerprint(account.email, account.password_hash)


def ask_for_reset(db: Database, links: LinkSigner, settings: MembersSettings, email: str,
                  address: str | None = None, now: dt.datetime | None = None) -> None:
    """Send a reset link to the address if an account has it; the same answer and work either way."""
    email, now = normalise_email(email), now or utcnow()
    expires_at = now + dt.timedelta(minutes=settings.password_reset_minutes)
    with db.transaction() as session:
        wait = request_limits(settings).count_attempt(session, email, address, now)
        if wait:  # the same for a known address and an unknown one
            raise TooManyRequests("Too many password reset requests; try again later.",
                                  headers={"Retry-After": str(wait)})
        account = session.scalar(select(Account).where(Account.email == email))
        bound = password_fingerprint(account) if account else fingerprint(email, "")
        token = links.sign(RESET_PASSWORD, account.id if account else _NOBODY, bound, expires_at, now)
        if account is not None:
            OUTBOX.add(session, "account.password_reset_requested", {
                "account_id": account.id, "reset_path": f"{RESET_PAGE}?{urlencode({'token': token})}",
                "expires_at": expires_at, "occurred_at": now})


def check_link(db: Database, links: LinkSigner, token: str, now: dt.datetime | None = None) -> Account:
    """Return the account a reset link is for, or raise InvalidLink (expired, forged, used, password changed)."""
    account_id, bound = links.read(token, RESET_PASSWORD, now)
    with db.sessionmaker() as session:
        account = session.get(Account, account_id)
    if account is None or password_fingerprint(account) != bound:
        raise InvalidLink("This link has been used already, or the password was changed since: ask for a new one.")
    return account


def reset(db: Database, links: LinkSigner, token: str, new_password: str, now: dt.datetime | None = None) -> None:
    """Set the new password from a reset link: her sign-ins end and her sign-in limit is lifted."""
    account = check_link(db, links, token, now)
    refuse_weak_password(new_password, account.email, account.display_name)
    new_hash = hash_password(new_password)  # argon2 outside any transaction
    with db.transaction() as session:
        won = session.execute(
            update(Account).where(Account.id == account.id, Account.password_hash == account.password_hash)
            .values(password_hash=new_hash).execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            raise InvalidLink("This link has been used already, or the password was changed since: ask for a new one.")
        sign_in_limits.forget(session, account.email)
        refresh_tokens.revoke_account(session, account.id)
