"""Verifying an email address: a signed link that expires, sent on self-registration and on request.

The link's token names the account and a fingerprint of the address it was sent to, so a link for an
address she has since changed does not verify the new one. Using it is a conditional update (only while
unverified), so of any number of uses at once exactly one verifies and publishes account.email_verified.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.orm import Session

from services import SIGN_IN_PAGES
from services.members.events import OUTBOX
from services.members.link_tokens import VERIFY_EMAIL, InvalidLink, LinkSigner, fingerprint
from services.members.models import Account
from services.members.settings import MembersSettings
from services.members.sign_in_limits import SignInLimits
from shared.db import utcnow
from shared.errors import Conflict, NotFound, TooManyRequests

# Where the members service's pages are reached through the site (its session pages are at /members/session).
MOUNTED_AT = SIGN_IN_PAGES.rsplit("/", 1)[0]
VERIFY_PAGE = f"{MOUNTED_AT}/account/verify-email"


@dataclasses.dataclass(frozen=True)
class Verification:
    """What using a link came to: the account, and whether this use verified it (False: already was)."""

    account_id: int
    verified_now: bool


def send_link(session: Session, links: LinkSigner, settings: MembersSettings, account: Account,
              now: dt.datetime | None = None) -> str:
    """Publish account.verification_requested with a new link for the account's address; return its path."""
    now = now or utcnow()
    expires_at = now + dt.timedelta(hours=settings.email_verification_hours)
    token = links.sign(VERIFY_EMAIL, account.id, fingerprint(account.email), expires_at, now)
    path = f"{VERIFY_PAGE}?{urlencode({'token': token})}"
    OUTBOX.add(session, "account.verification_requested", {
        "account_id": account.id, "verify_path": path, "expires_at": expires_at, "occurred_at": now})
    return path


def sign_unused_link(links: LinkSigner, settings: MembersSettings) -> None:
    """Sign a link that is sent nowhere: a repeated registration takes as long as a new one."""
    now = utcnow()
    links.sign(VERIFY_EMAIL, 0, fingerprint(""), now + dt.timedelta(hours=settings.email_verification_hours), now)


def resend_limits(settings: MembersSettings) -> SignInLimits:
    """New-link requests per email and per address: the reset requests' limits, under keys of their own."""
    return SignInLimits(settings.password_reset_max_per_email, settings.password_reset_max_per_address,
                        dt.timedelta(minutes=settings.password_reset_window_minutes), prefix="verify:")


def ask_again(session: Session, links: LinkSigner, settings: MembersSettings, account_id: int,
              address: str | None = None, now: dt.datetime | None = None) -> None:
    """Send her a new link (signed in); Conflict if her address is verified already, TooManyRequests if
    she has asked too often (each request is an email to send)."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    if account.email_verified_at is not None:
        raise Conflict("Your email address is verified already.")
    wait = resend_limits(settings).count_attempt(session, account.email, address, now)
    if wait:
        raise TooManyRequests("Too many requests for a new link; try again later.", headers={"Retry-After": str(wait)})
    send_link(session, links, settings, account)


def check_link(session: Session, links: LinkSigner, token: str, now: dt.datetime | None = None) -> Account:
    """Return the account a verification link is for, or raise InvalidLink (expired, forged, old address)."""
    account_id, address = links.read(token, VERIFY_EMAIL, now)
    account = session.get(Account, account_id)
    if account is None or fingerprint(account.email) != address:
        raise InvalidLink("This link was sent to an address that is no longer the account's: ask for a new one.")
    return account


def verify(session: Session, links: LinkSigner, token: str, now: dt.datetime | None = None) -> Verification:
    """Mark the address verified and publish account.email_verified, once however often the link is used."""
    now = now or utcnow()
    account = check_link(session, links, token, now)
    won = session.execute(
        update(Account)
        .where(Account.id == account.id, Account.email == account.email, Account.email_verified_at.is_(None))
        .values(email_verified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won == 1:
        OUTBOX.add(session, "account.email_verified", {"account_id": account.id, "occurred_at": now})
    return Verification(account.id, won == 1)
