"""Events the marketplace listens to: member status decides who may sell, and under what shop name.

Sellers are the marketplace's own copy of the member businesses, kept from the members service's events
(the mechanics of a projection: ``shared.projection``). Suspended or departed members' listings
disappear from the catalogue because the catalogue only shows active sellers.
"""

from __future__ import annotations

from marshmallow import fields
from sqlalchemy.orm import Session

from services.marketplace.models import Seller
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


def admit_seller(session: Session, event: Envelope) -> None:
    """A member was admitted: her business's shop, under her business name (one statement, no read)."""
    data = event.data
    upsert_newer(session, Seller, {"member_id": data["member_id"]},
                 always={"account_id": data["account_id"], "member_number": data["member_number"],
                         "kind": data["kind"]},
                 clocked={"profile_changed_at": (data["occurred_at"], {"shop_name": data["name"],
                                                                       "sectors": data["sectors"]}),
                          "status_changed_at": (data["occurred_at"], {"active": True})})


def _set_active(active: bool):
    def handle(session: Session, event: Envelope) -> None:
        # Locked: with competing consumers, two events about one member can be handled at once, and the
        # clock comparison must see the other's write. Before her admission lands: NotKnownYet, retried.
        seller = locked_known(session, Seller, event.data["member_id"], "member")
        if is_stale(seller.status_changed_at, event.data["occurred_at"]):
            return
        seller.active = active
        seller.status_changed_at = event.data["occurred_at"]

    handle.__name__ = "reactivate_seller" if active else "deactivate_seller"
    return handle


def update_shop_name(session: Session, event: Envelope) -> None:
    """A member's profile changed: her shop's name and sectors follow."""
    seller = locked_known(session, Seller, event.data["member_id"], "member")
    if is_stale(seller.profile_changed_at, event.data["occurred_at"]):
        return
    seller.shop_name = event.data["name"]
    seller.sectors = event.data["sectors"]
    seller.profile_changed_at = event.data["occurred_at"]


SUBSCRIPTIONS: dict[str, Subscription] = {
    "member.admitted": Subscription(MemberAdmitted, admit_seller),
    "member.suspended": Subscription(MemberRef, _set_active(False)),
    "member.left": Subscription(MemberRef, _set_active(False)),
    "member.reinstated": Subscription(MemberRef, _set_active(True)),
    "member.profile_updated": Subscription(MemberProfileUpdated, update_shop_name),
}
