"""A service's local copy of the co-op's members, kept only from the members service's events.

Several services need to know who is an active member business and in which sectors (the marketplace
to let them sell, contracts to allocate work). Each keeps its own table, built from the same events
by the same rules: ``MemberColumns`` gives the columns, ``member_subscriptions`` the handlers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from marshmallow import fields
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.consumer import Subscription
from shared.db import UTCDateTime, locked
from shared.events import Envelope, TolerantSchema


class MemberColumns:
    """Columns of a member projection (mix into a declarative model that names its table)."""

    # The member's id in the members service: the same number everywhere.
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    member_number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # producer | agency
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    # When the last status and profile events happened, kept apart so that a late, older event changes
    # nothing, while a late event of the other kind still applies.
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    profile_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class MemberNotKnownYet(Exception):
    """A status event arrived before the member's admission: retried until the admission lands."""


class MemberRef(TolerantSchema):
    member_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class MemberAdmitted(MemberRef):
    member_number = fields.Integer(required=True)
    account_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    sectors = fields.List(fields.String(), required=True)


class MemberProfileUpdated(MemberRef):
    name = fields.String(required=True)
    sectors = fields.List(fields.String(), required=True)


StatusHook = Callable[[Session, object, Envelope], None]


def member_subscriptions(model, name_field: str = "name",
                         on_deactivated: StatusHook | None = None) -> dict[str, Subscription]:
    """Return the subscriptions that keep ``model`` (a ``MemberColumns`` model) up to date.

    ``name_field`` is the column the business name goes to; ``on_deactivated`` is called, in the same
    transaction, when a member is suspended or leaves (not for a late event that changes nothing).
    """

    def admit(session: Session, event: Envelope) -> None:
        data = event.data
        member = locked(session, model, data["member_id"])
        if member is None:
            member = model(member_id=data["member_id"])
            session.add(member)
        member.account_id = data["account_id"]
        member.member_number = data["member_number"]
        member.kind = data["kind"]
        if not _is_stale(member.profile_changed_at, data):
            setattr(member, name_field, data["name"])
            member.sectors = data["sectors"]
            member.profile_changed_at = data["occurred_at"]
        if not _is_stale(member.status_changed_at, data):
            member.active = True
            member.status_changed_at = data["occurred_at"]

    def set_active(active: bool):
        def handle(session: Session, event: Envelope) -> None:
            member = _known(session, event)
            if _is_stale(member.status_changed_at, event.data):
                return
            member.active = active
            member.status_changed_at = event.data["occurred_at"]
            if not active and on_deactivated is not None:
                on_deactivated(session, member, event)

        handle.__name__ = "reactivate_member" if active else "deactivate_member"
        return handle

    def update_profile(session: Session, event: Envelope) -> None:
        member = _known(session, event)
        if _is_stale(member.profile_changed_at, event.data):
            return
        setattr(member, name_field, event.data["name"])
        member.sectors = event.data["sectors"]
        member.profile_changed_at = event.data["occurred_at"]

    def _known(session: Session, event: Envelope):
        # Locked: with competing consumers, two events about one member can be handled at once, and
        # the clock comparison must see the other's write.
        member = locked(session, model, event.data["member_id"])
        if member is None:
            raise MemberNotKnownYet(f"member {event.data['member_id']} has not been admitted here yet")
        return member

    return {
        "member.admitted": Subscription(MemberAdmitted, admit),
        "member.suspended": Subscription(MemberRef, set_active(False)),
        "member.left": Subscription(MemberRef, set_active(False)),
        "member.reinstated": Subscription(MemberRef, set_active(True)),
        "member.profile_updated": Subscription(MemberProfileUpdated, update_profile),
    }


def _is_stale(last_applied, data: dict) -> bool:
    # Events can arrive out of order (retries, several consumers): an older one must not undo a newer.
    return last_applied is not None and data["occurred_at"] < last_applied
