"""Accounts: opening one, its roles, and its password (argon2 hashes, checked within the sign-in limits)."""

from __future__ import annotations

import dataclasses

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from services.members import refresh_tokens, sign_in_limits
from services.members.events import OUTBOX
from services.members.models import Account, Member
from services.members.rules import password_policy
from services.members.settings import MembersSettings
from services.members.sign_in_limits import SignInLimits
from shared.auth import Principal
from shared.db import Database, is_unique_violation, locked, utcnow
from shared.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unprocessable

SELF_SERVICE_ROLES = ("customer", "employer")
_hasher = PasswordHasher()
# Verified against when the email is unknown, so that an unknown account takes as long as a known one.
_DUMMY_HASH = _hasher.hash("not a real password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def refuse_weak_password(password: str, email: str, display_name: str) -> None:
    """Refuse a new password that the policy does not accept (signing in with an old one is not checked)."""
    reason = password_policy.problem(password, email, display_name)
    if reason:
        raise Unprocessable(reason)


def register_account(session: Session, links, settings: MembersSettings, email: str, password: str,
                     display_name: str, role: str) -> None:
    """Open an account that anyone may open for themselves (a customer or an employer), unverified.

    It answers the same whether the email is new or taken, and does the same work (the policy, a hash):
    for a new one it creates the account and sends a link to verify the address; for a taken one it
    creates nothing and tells the account's owner (account.registration_repeated), with where to reset
    her password. So registering cannot be used to find out who has an account.
    """
    from services.members import email_verification, password_resets

    if role not in SELF_SERVICE_ROLES:
        raise ValueError(f"{role} accounts are created by an administrator")
    email = normalise_email(email)
    refuse_weak_password(password, email, display_name)
    password_hash = hash_password(password)
    account = Account(email=email, password_hash=password_hash, display_name=display_name, roles=[role])
    try:
        with session.begin_nested():  # two registrations of one new email at once: the second is a repeat
            if session.scalar(select(Account.id).where(Account.email == email)) is None:
                session.add(account)
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
    if account.id is None:
        # The same work as a new email's link (signing is the slow part), for the same time taken.
        email_verification.sign_unused_link(links, settings)
        existing = session.scalar(select(Account.id).where(Account.email == email))
        OUTBOX.add(session, "account.registration_repeated", {
            "account_id": existing, "forgot_password_path": password_resets.FORGOT_PAGE, "occurred_at": utcnow()})
        return
    _registered(session, account)
    email_verification.send_link(session, links, settings, account)


def create_account(session: Session, email: str, password: str, display_name: str, roles: list[str]) -> Account:
    """Create an account with the given roles (an administrator's, an operator's or the demo's), its
    address taken as verified; the email must not be taken."""
    email = normalise_email(email)
    refuse_weak_password(password, email, display_name)
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Conflict("An account with this email already exists.")
    account = Account(email=email, password_hash=hash_password(password), display_name=display_name,
                      roles=sorted(set(roles)), email_verified_at=utcnow())
    session.add(account)
    session.flush()
    _registered(session, account)
    return account


def _registered(session: Session, account: Account) -> None:
    OUTBOX.add(session, "account.registered", {
        "account_id": account.id, "email": account.email, "display_name": account.display_name,
        "roles": list(account.roles), "email_verified": account.email_verified_at is not None,
        "occurred_at": utcnow()})


@dataclasses.dataclass(frozen=True)
class PasswordCheck:
    """What checking a password came to: who it proves, or a refusal (with a wait if rate-limited)."""

    principal: Principal | None
    retry_after_seconds: int | None = None


def check_password(db: Database, email: str, password: str, limits: SignInLimits,
                   address: str | None = None) -> PasswordCheck:
    """Check a password within the limits for the email and the client address.

    Three short transactions: count the attempt (refused at once if over a limit), check the password
    outside any transaction, then take the attempt back if it was right. Unknown emails are counted and
    checked against a dummy hash, so they look and take the same as a wrong password.
    """
    email = normalise_email(email)
    with db.transaction() as session:
        wait = limits.count_attempt(session, email, address)
        account = session.scalar(select(Account).where(Account.email == email))
    if wait:
        return PasswordCheck(None, retry_after_seconds=wait)
    if not (_password_matches(account.password_hash if account else _DUMMY_HASH, password) and account):
        return PasswordCheck(None)
    rehashed = hash_password(password) if _hasher.check_needs_rehash(account.password_hash) else None
    with db.transaction() as session:
        limits.forgive(session, email, address)
        if rehashed:
            session.execute(update(Account).where(Account.id == account.id).values(password_hash=rehashed))
        return PasswordCheck(principal_for(session, account))


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def principal_for(session: Session, account: Account) -> Principal:
    """Return who an account speaks for: its roles and the member it signs for, if any.

    A suspended member keeps her membership role on the account (reinstating gives it back), but it
    is not in what she signs in with: only an active member acts as one.
    """
    member_id, status = session.execute(select(Member.id, Member.status).where(
        Member.account_id == account.id)).one_or_none() or (None, None)
    roles = tuple(role for role in account.roles if status == "active" or role not in MEMBERSHIP_ROLES)
    return Principal(account_id=account.id, roles=roles, member_id=member_id)


def account_view(session: Session, account: Account) -> dict:
    """An account as the API shows it: its fields and the member it signs for, if any."""
    principal = principal_for(session, account)
    return {**{c: getattr(account, c) for c in ("id", "email", "display_name", "roles")},
            "email_verified": account.email_verified_at is not None, "member_id": principal.member_id}


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    return account


def find_account(session: Session, email: str) -> Account:
    """Return the account with this email (an administrator looking someone up to give a role), or NotFound."""
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        raise NotFound("There is no account with that email.")
    return account


# Given by membership (admission, leaving), never by hand: a vote cannot be taken away by a role edit.
MEMBERSHIP_ROLES = ("member", "agency")
ASSIGNABLE_ROLES = ("coordinator", "admin", "customer", "employer")


def set_roles(session: Session, account_id: int, roles: list[str], by: Principal) -> Account:
    """Replace an account's staff and customer roles (an administrator's job); membership roles stay."""
    # Locked: an admission granting the member role at the same moment must not be overwritten.
    account = locked(session, Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    if account_id == by.account_id and "admin" not in roles:
        raise Conflict("You cannot take away your own admin role: ask another administrator.")
    kept = set(account.roles) & set(MEMBERSHIP_ROLES)
    _change_roles(account, kept | set(roles), session)
    return account


def change_password(db: Database, settings: MembersSettings, account_id: int, current: str, new: str,
                    address: str | None = None, keep_session: str | None = None) -> None:
    """Change one's own password, proving the current one first, within the sign-in limits.

    Her other sign-ins end (whoever knew the old password is signed out); ``keep_session`` goes on.
    """
    limits = SignInLimits.from_settings(settings)
    with db.transaction() as session:
        account = get_account(session, account_id)
        # Before the attempt is counted: trying out new passwords must not use up one's sign-in attempts.
        refuse_weak_password(new, account.email, account.display_name)
        wait = limits.count_attempt(session, account.email, address)
    if wait:
        raise TooManyRequests("Too many wrong passwords; try again later.", headers={"Retry-After": str(wait)})
    if not _password_matches(account.password_hash, current):
        raise Forbidden("The current password is not right.")
    new_hash = hash_password(new)
    with db.transaction() as session:
        limits.forgive(session, account.email, address)
        session.execute(update(Account).where(Account.id == account_id).values(password_hash=new_hash))
        refresh_tokens.revoke_account(session, account_id, keep_family=keep_session)


def rename_account(session: Session, account_id: int, display_name: str) -> Account:
    """Change one's own display name (how the co-op greets her); published as account.renamed if it changed."""
    account = locked(session, Account, account_id)
    if account is None:
        raise NotFound(f"There is no account {account_id}.")
    display_name = display_name.strip()
    if display_name != account.display_name:
        account.display_name = display_name
        OUTBOX.add(session, "account.renamed",
                   {"account_id": account.id, "display_name": display_name, "occurred_at": utcnow()})
    return account


def reset_password(session: Session, email: str, new: str) -> Account:
    """Set a new password and clear failed sign-ins (an operator's job, from the command line)."""
    email = normalise_email(email)
    account = session.scalar(select(Account).where(Account.email == email))
    if account is None:
        raise NotFound(f"There is no account {email}.")
    refuse_weak_password(new, account.email, account.display_name)
    account.password_hash = hash_password(new)
    sign_in_limits.forget(session, email)
    refresh_tokens.revoke_account(session, account.id)
    return account


def grant_role(account: Account, role: str) -> None:
    _change_roles(account, set(account.roles) | {role})


def revoke_role(account: Account, role: str) -> None:
    _change_roles(account, set(account.roles) - {role})


def _change_roles(account: Account, roles: set[str], session: Session | None = None) -> None:
    """Give an account these roles and, if that changes them, publish account.roles_changed."""
    new = sorted(roles)
    if new == sorted(account.roles):
        return
    account.roles = new
    OUTBOX.add(session or object_session(account), "account.roles_changed",
               {"account_id": account.id, "roles": new, "occurred_at": utcnow()})


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account))
