"""Membership: applying, admission, suspension, leaving, profiles, and asking for job brokering."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, lazyload

from services.members import member_record, refresh_tokens
from services.members.accounts import grant_role, revoke_role
from services.members.events import OUTBOX
from services.members.models import Account, Member, RecordAccess, StatusChange
from shared.auth import Principal
from shared.db import locked, next_number, utcnow
from shared.errors import Conflict, Forbidden, NotFound, Unprocessable

SHARE_PENCE = 100  # one £1 share per member, whatever its size: one member, one vote

# action -> (statuses it may start from, status it leads to, event published)
TRANSITIONS = {
    "admit": ({"applicant"}, "active", "member.admitted"),
    "decline": ({"applicant"}, "declined", "member.declined"),
    "suspend": ({"active"}, "suspended", "member.suspended"),
    "reinstate": ({"suspended"}, "active", "member.reinstated"),
    "leave": ({"active", "suspended"}, "left", "member.left"),
    "reopen": ({"declined", "left"}, "applicant", None),
}
ROLE_FOR_KIND = {"producer": "member", "agency": "agency"}
FINISHED = {"declined", "left"}


def next_status(action: str, current: str) -> str:
    """Return the status an action leads to from the current one, or raise Conflict."""
    allowed_from, to_status, _event = TRANSITIONS[action]
    if current not in allowed_from:
        raise Conflict(f"A member who is {current} cannot be given '{action}'.")
    return to_status


def apply_for_membership(
    session: Session, account: Account, kind: str, name: str, sectors: list[str],
    description: str = "", how_they_came: str = "",
) -> Member:
    """Record an application: a person for a producer business, or an organisation as an agency."""
    locked(session, Account, account.id)  # one application at a time per account
    existing = session.scalar(select(Member).where(Member.account_id == account.id))
    if existing is not None:
        if existing.status not in FINISHED:
            raise Conflict("This account already has a membership or an application in progress.")
        # One record per account keeps one history; coming back is reopened by a coordinator.
        raise Conflict("This account was a member or applicant before; ask a coordinator to reopen it.")
    member = Member(account_id=account.id, kind=kind, name=name, sectors=sorted(set(sectors)),
                    description=description, how_they_came=how_they_came, status="applicant")
    session.add(member)
    session.flush()
    member.history.append(StatusChange(from_status=None, to_status="applicant", changed_by=account.id,
                                       reason="applied"))
    return member


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    return member


def member_to_change(session: Session, member_id: int) -> Member:
    """Return a member locked until the transaction ends, with its account (in that order, always).

    Every change that reads a member's status or profile and then writes is made on this, so two
    coordinators admitting one applicant at once are one after the other: the second finds her active.
    The account is locked too, because admission and leaving change its roles, as an administrator may.
    """
    member = locked(session, Member, member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    locked(session, Account, member.account_id)
    return member


def change_status(session: Session, member_id: int, action: str, by: Principal, reason: str = "") -> Member:
    """Move a member through admit, decline, suspend, reinstate or leave; record and publish it."""
    member = member_to_change(session, member_id)
    if action == "leave" and not by.has_any("coordinator") and member.account_id != by.account_id:
        raise Forbidden("Only the member or a coordinator can record that a member leaves.")
    if action in ("decline", "suspend") and not reason.strip():
        raise Unprocessable("Give a reason: it is kept in the member's history.")
    old_status = member.status
    member.status = next_status(action, old_status)
    now = utcnow()
    if action == "admit":
        member.member_number = next_number(session, "member_number")
        member.share_pence = SHARE_PENCE
        member.share_issued_at = now
    elif action == "leave":
        # A co-op share is withdrawable, not transferable: it is repaid at par when a member leaves.
        member.share_pence = 0
    role = ROLE_FOR_KIND[member.kind]
    if member.status == "active":
        grant_role(member.account, role)
    elif member.status == "left":
        revoke_role(member.account, role)
    if member.status in ("suspended", "left"):
        # At once, not when her access token runs out: it cannot be refreshed, and it lives minutes.
        refresh_tokens.revoke_account(session, member.account_id)
    member.history.append(StatusChange(from_status=old_status, to_status=member.status,
                                       changed_by=by.account_id, changed_at=now, reason=reason))
    event_type = TRANSITIONS[action][2]
    if event_type:
        session.flush()
        data = (_declined_data(member, reason, now) if event_type == "member.declined"
                else _event_data(member, event_type, now))
        OUTBOX.add(session, event_type, data)
    return member


def _declined_data(member: Member, reason: str, when) -> dict:
    # For the applicant herself: her account and the reason the coordinator gave (kept in her history).
    return {"member_id": member.id, "account_id": member.account_id, "reason": reason.strip(), "occurred_at": when}


def _event_data(member: Member, event_type: str, when) -> dict:
    data = {"member_id": member.id, "member_number": member.member_number, "occurred_at": when}
    if event_type == "member.admitted":
        data.update(account_id=member.account_id, kind=member.kind, name=member.name, sectors=member.sectors)
    elif event_type == "member.profile_updated":
        data.update(name=member.name, sectors=member.sectors)
    elif event_type in ("member.seeking_work", "member.stopped_seeking_work"):
        data.update(account_id=member.account_id, display_name=member.account.display_name)
    return data


def update_profile(session: Session, member_id: int, by: Principal, changes: dict) -> Member:
    """Change a member's public profile (name, sectors, description); publish it once admitted."""
    member = member_to_change(session, member_id)
    ensure_self_or_coordinator(member, by)
    if member.status in FINISHED:
        raise Conflict(f"A member who is {member.status} cannot change their profile.")
    for field in ("name", "description"):
        if field in changes:
            setattr(member, field, changes[field])
    if "sectors" in changes:
        member.sectors = sorted(set(changes["sectors"]))
    if member.status in ("active", "suspended") and ({"name", "sectors"} & set(changes)):
        OUTBOX.add(session, "member.profile_updated", _event_data(member, "member.profile_updated", utcnow()))
    return member


def ask_for_job_brokering(session: Session, member_id: int, by: Principal) -> Member:
    """Record that self-employment is not for this member, and ask the brokering service for help."""
    member = member_to_change(session, member_id)
    if member.account_id != by.account_id:
        raise Forbidden("Only the member themselves can ask for job brokering.")
    if member.kind != "producer" or member.status != "active":
        raise Conflict("Job brokering is for active producer members.")
    if member.seeking_work_since is not None:
        raise Conflict("This member has already asked for job brokering.")
    member.seeking_work_since = utcnow()
    OUTBOX.add(session, "member.seeking_work", _event_data(member, "member.seeking_work",
                                                           member.seeking_work_since))
    return member


def withdraw_from_job_brokering(session: Session, member_id: int, by: Principal) -> Member:
    """Record that a member who asked for job brokering changed her mind; tell the brokering service."""
    member = member_to_change(session, member_id)
    if member.account_id != by.account_id:
        raise Forbidden("Only the member themselves can change their mind about job brokering.")
    if member.seeking_work_since is None:
        raise Conflict("This member has not asked for job brokering.")
    member.seeking_work_since = None
    OUTBOX.add(session, "member.stopped_seeking_work",
               _event_data(member, "member.stopped_seeking_work", utcnow()))
    return member


def ensure_self_or_coordinator(member: Member, by: Principal) -> None:
    if member.account_id != by.account_id and not by.has_any("coordinator", "admin"):
        raise Forbidden("Only the member themselves or a coordinator can do this.")


def read_confidential_record(session: Session, member_id: int, by: Principal, purpose: str) -> Member:
    """Return a member's full record; a coordinator's reading is written to the access log."""
    member = get_member(session, member_id)
    ensure_self_or_coordinator(member, by)
    if member.account_id != by.account_id:
        session.add(RecordAccess(member_id=member.id, accessed_by=by.account_id, purpose=purpose))
    return member


def access_log(session: Session, member_id: int, by: Principal) -> list[RecordAccess]:
    """Return who read a member's confidential record, newest first (the member and coordinators)."""
    member = get_member(session, member_id)
    ensure_self_or_coordinator(member, by)
    return list(session.scalars(
        select(RecordAccess).where(RecordAccess.member_id == member_id).order_by(RecordAccess.id.desc())
    ))


def member_of_account(session: Session, account_id: int) -> Member | None:
    """Return the member an account speaks for, if any (its account and history load only if asked for:
    a vote needs the status alone, and the history was a fifth of a vote's time)."""
    return session.scalar(select(Member).where(Member.account_id == account_id)
                          .options(lazyload(Member.account), lazyload(Member.history)))


def directory_query(by: Principal, status: str | None = None, kind: str | None = None) -> Select:
    """The members someone may list: the active directory, or (coordinators) every status."""
    statement = select(Member).order_by(Member.id)
    if not by.has_any("coordinator", "admin"):
        statement = statement.where(Member.status == "active")
    if status is not None:
        statement = statement.where(Member.status == status)
    if kind is not None:
        statement = statement.where(Member.kind == kind)
    return statement


def my_membership(session: Session, by: Principal) -> Member:
    """Return the caller's own membership record."""
    member = member_of_account(session, by.account_id)
    if member is None:
        raise NotFound("This account has no membership; apply first.")
    return member


def member_record_months(session: Session, member_id: int, by: Principal) -> list:
    """Return a member's record month by month (the member or a coordinator; a coordinator's look is logged)."""
    read_confidential_record(session, member_id, by, "viewed member record")
    return member_record.member_record(session, member_id)
