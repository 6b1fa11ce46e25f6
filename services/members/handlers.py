"""Events the members service listens to: contracts that need the members' approval, and what the
other services say about members' trading, contract work and jobs (the member's record, member_record.py).

The handlers need the service's settings (how long a ballot stays open, the default quorum), so the
table is made for the settings the service runs with; SUBSCRIPTIONS, with the defaults, says what the
service reads (the event contract test checks it against the producers).
"""

import functools

from marshmallow import fields, validate

from services.members import member_record, proposals
from services.members.settings import MembersSettings
from shared.consumer import Subscription
from shared.events import TolerantSchema


class ContractAgreed(TolerantSchema):
    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer_name = fields.String(required=True)
    sector = fields.String(required=True)
    total_pence = fields.Integer(required=True)
    needs_approval = fields.Boolean(required=True)
    approval_threshold_pence = fields.Integer(required=True)


class _Happened(TolerantSchema):
    occurred_at = fields.AwareDateTime(required=True)


class SellerPart(TolerantSchema):
    seller_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)


class OrderPaid(_Happened):
    order_id = fields.Integer(required=True)
    sellers = fields.List(fields.Nested(SellerPart), required=True)


class RefundIssued(_Happened):
    order_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)


class PayoutPaid(_Happened):
    payout_id = fields.Integer(required=True)
    seller_id = fields.Integer(required=True)
    amount_pence = fields.Integer(required=True)


class ContractSigned(_Happened):
    contract_id = fields.Integer(required=True)
    total_pence = fields.Integer(required=True)


class WorkAllocated(_Happened):
    allocation_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    value_pence = fields.Integer(required=True)


class Share(TolerantSchema):
    member_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)


class ContractCompleted(_Happened):
    contract_id = fields.Integer(required=True)
    shares = fields.List(fields.Nested(Share), required=True)


class JobSeekerRegistered(_Happened):
    job_seeker_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)


class Placement(_Happened):
    placement_id = fields.Integer(required=True)
    job_seeker_id = fields.Integer(required=True)


class PlacementStarted(Placement):
    start_on = fields.Date(load_default=None)


class PlacementSustained(Placement):
    milestone = fields.String(required=True, validate=validate.OneOf(list(member_record.SUSTAINED)))
    sustained_on = fields.Date(load_default=None)  # absent from events published before it was carried


class PlacementEnded(Placement):
    ended_on = fields.Date(load_default=None)


RECORD_SUBSCRIPTIONS: dict[str, Subscription] = {
    "order.paid": Subscription(OrderPaid, member_record.order_paid),
    "refund.issued": Subscription(RefundIssued, member_record.refund_issued),
    "payout.paid": Subscription(PayoutPaid, member_record.payout_paid),
    "contract.signed": Subscription(ContractSigned, member_record.contract_signed),
    "contract.work_allocated": Subscription(WorkAllocated, member_record.work_allocated),
    "contract.completed": Subscription(ContractCompleted, member_record.contract_completed),
    "job_seeker.registered": Subscription(JobSeekerRegistered, member_record.job_seeker_registered),
    "placement.started": Subscription(PlacementStarted, member_record.placement_started),
    "placement.sustained": Subscription(PlacementSustained, member_record.placement_sustained),
    "placement.ended": Subscription(PlacementEnded, member_record.placement_ended),
}


def subscriptions(settings: MembersSettings) -> dict[str, Subscription]:
    """Return what the members service does with each event it reads, under these settings."""
    open_ballot = functools.partial(proposals.open_contract_approval, settings=settings)
    functools.update_wrapper(open_ballot, proposals.open_contract_approval)
    return {"contract.agreed": Subscription(ContractAgreed, open_ballot), **RECORD_SUBSCRIPTIONS}


SUBSCRIPTIONS: dict[str, Subscription] = subscriptions(MembersSettings())
