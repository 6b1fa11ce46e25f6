"""Events the contracts service listens to: who can take work, and the members' votes on contracts."""

from marshmallow import fields

from services.contracts.allocation import flag_open_allocations
from services.contracts.models import MemberBusiness
from services.contracts.negotiation import record_members_decision
from shared.consumer import Subscription
from shared.events import TolerantSchema
from shared.member_directory import member_subscriptions


class ProposalDecided(TolerantSchema):
    proposal_id = fields.Integer(required=True)
    outcome = fields.String(required=True)
    winning_option = fields.String(allow_none=True, load_default=None)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    subject_type = fields.String(allow_none=True, load_default=None)
    subject_id = fields.String(allow_none=True, load_default=None)


SUBSCRIPTIONS: dict[str, Subscription] = {
    **member_subscriptions(MemberBusiness, on_deactivated=flag_open_allocations),
    "proposal.decided": Subscription(ProposalDecided, record_members_decision),
}
