"""Events the contracts service listens to: who can take work (its own copy of the member businesses,
kept from the members service's events), and the members' votes on contracts.

Member events can arrive late, twice or out of order (retries, several consumers): each row keeps when
its last status and profile facts happened, and an older fact changes nothing (``shared.projection``).
A status or profile event about a member not admitted here yet is retried until the admission lands.
"""

from __future__ import annotations

from marshmallow import fields
from sqlalchemy.orm import Session

from services.contracts.allocations import flag_open_allocations
from services.contracts.contracts import record_members_decision
from services.contracts.models import MemberBusiness
from shared.consumer import Subscription
from shared.events import Envelope, TolerantSchema
from shared.projection import is_stale, locked_known, upsert_newer


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


class ProposalDecided(TolerantSchema):
    proposal_id = fields.Integer(required=True)
    outcome = fields.String(required=True)
    winning_option = fields.String(allow_none=True, load_default=None)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    subject_type = fields.String(allow_none=True, load_default=None)
    subject_id = fields.String(allow_none=True, load_default=None)


def admit_member(session: Session, event: Envelope) -> None:
    """Record a member business admitted (or admitted again); its older facts do not undo newer ones."""
    data = event.data
    upsert_newer(session, MemberBusiness, {"member_id": data["member_id"]},
                 always={"account_id": data["account_id"], "member_number": data["member_number"],
                         "kind": data["kind"]},
                 clocked={"profile_changed_at": (data["occurred_at"], {"name": data["name"],
                                                                       "sectors": data["sectors"]}),
                          "status_changed_at": (data["occurred_at"], {"active": True})})


def deactivate_member(session: Session, event: Envelope) -> None:
    """A member suspended or gone takes no new work, and her open work is flagged to be handed on."""
    member = _known_member(session, event)
    if is_stale(member.status_changed_at, event.data["occurred_at"]):
        return
    member.active = False
    member.status_changed_at = event.data["occurred_at"]
    flag_open_allocations(session, member, event)


def reactivate_member(session: Session, event: Envelope) -> None:
    """A member reinstated may take work again."""
    member = _known_member(session, event)
    if is_stale(member.status_changed_at, event.data["occurred_at"]):
        return
    member.active = True
    member.status_changed_at = event.data["occurred_at"]


def update_member_profile(session: Session, event: Envelope) -> None:
    """Keep a member business's name and sectors (which work it can be allocated)."""
    member = _known_member(session, event)
    if is_stale(member.profile_changed_at, event.data["occurred_at"]):
        return
    member.name = event.data["name"]
    member.sectors = event.data["sectors"]
    member.profile_changed_at = event.data["occurred_at"]


def _known_member(session: Session, event: Envelope) -> MemberBusiness:
    # Locked: with competing consumers, two events about one member can be handled at once, and the
    # clock comparison must see the other's write.
    return locked_known(session, MemberBusiness, event.data["member_id"], "member")


SUBSCRIPTIONS: dict[str, Subscription] = {
    "member.admitted": Subscription(MemberAdmitted, admit_member),
    "member.suspended": Subscription(MemberRef, deactivate_member),
    "member.left": Subscription(MemberRef, deactivate_member),
    "member.reinstated": Subscription(MemberRef, reactivate_member),
    "member.profile_updated": Subscription(MemberProfileUpdated, update_member_profile),
    "proposal.decided": Subscription(ProposalDecided, record_members_decision),
}
