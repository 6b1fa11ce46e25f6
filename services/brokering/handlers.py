"""Events the brokering service listens to: members asking for work or no longer, and members leaving."""

from marshmallow import fields

from services.brokering import job_seekers
from shared.consumer import Subscription
from shared.events import TolerantSchema


class MemberSeekingWork(TolerantSchema):
    member_id = fields.Integer(required=True)
    account_id = fields.Integer(required=True)
    display_name = fields.String(required=True)


class MemberLeft(TolerantSchema):
    member_id = fields.Integer(required=True)


SUBSCRIPTIONS: dict[str, Subscription] = {
    "member.seeking_work": Subscription(MemberSeekingWork, job_seekers.profile_from_member),
    "member.stopped_seeking_work": Subscription(MemberSeekingWork, job_seekers.close_for_member_no_longer_seeking),
    "member.left": Subscription(MemberLeft, job_seekers.close_for_departed_member),
}
