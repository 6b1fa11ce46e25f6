"""Events the marketplace listens to: member status decides who may sell."""

from marshmallow import fields

from services.marketplace import sellers
from shared.consumer import Subscription
from shared.events import TolerantSchema


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


SUBSCRIPTIONS: dict[str, Subscription] = {
    "member.admitted": Subscription(MemberAdmitted, sellers.admit_seller),
    "member.suspended": Subscription(MemberRef, sellers.set_active(False)),
    "member.left": Subscription(MemberRef, sellers.set_active(False)),
    "member.reinstated": Subscription(MemberRef, sellers.set_active(True)),
    "member.profile_updated": Subscription(MemberProfileUpdated, sellers.update_shop),
}
