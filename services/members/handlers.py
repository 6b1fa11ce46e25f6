"""Events the members service listens to: contracts that need the members' approval.

The handlers need the service's settings (how long a ballot stays open, the default quorum), so the
table is made for the settings the service runs with; SUBSCRIPTIONS, with the defaults, says what the
service reads (the event contract test checks it against the producers).
"""

import functools

from marshmallow import fields

from services.members import governance
from shared.consumer import Subscription
from shared.events import TolerantSchema
from shared.settings import Settings


class ContractAgreed(TolerantSchema):
    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer_name = fields.String(required=True)
    sector = fields.String(required=True)
    total_pence = fields.Integer(required=True)
    needs_approval = fields.Boolean(required=True)
    approval_threshold_pence = fields.Integer(required=True)


def subscriptions(settings: Settings) -> dict[str, Subscription]:
    """Return what the members service does with each event it reads, under these settings."""
    open_ballot = functools.partial(governance.open_contract_approval, settings=settings)
    functools.update_wrapper(open_ballot, governance.open_contract_approval)
    return {"contract.agreed": Subscription(ContractAgreed, open_ballot)}


SUBSCRIPTIONS: dict[str, Subscription] = subscriptions(Settings())
