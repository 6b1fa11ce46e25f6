"""The events the contracts service publishes, with their schemas and examples.

They say what happened to a contract and what it is worth, never the buyer's detailed terms: those
stay in this service, shown to coordinators only.
"""

from marshmallow import Schema, fields, validate

from shared.events import EventCatalog, EventSpec
from shared.outbox import Outbox

SECTORS = ("cards", "jewellery", "grooming", "catering", "fashion", "crafts", "cleaning", "other")


class ContractRef(Schema):
    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer_name = fields.String(required=True)
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    state = fields.String(required=True)
    total_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    round_number = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class ContractAgreed(ContractRef):
    needs_approval = fields.Boolean(required=True)
    approval_threshold_pence = fields.Integer(required=True)
    agreed_at = fields.AwareDateTime(required=True)


class ContractClosed(ContractRef):
    reason = fields.String(allow_none=True, load_default=None)


class Share(Schema):
    member_id = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    fee_pence = fields.Integer(required=True)
    net_pence = fields.Integer(required=True)


class ContractCompleted(ContractRef):
    invoice_number = fields.String(required=True)
    shares = fields.List(fields.Nested(Share), required=True)


class AllocationRef(Schema):
    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    allocation_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    description = fields.String(required=True)
    quantity = fields.Integer(required=True)
    value_pence = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class WorkAllocated(AllocationRef):
    # Whom to tell: the member business's account; and the day to answer by (the contract's start date
    # while it is ahead; allocations have no deadline of their own), or null.
    account_id = fields.Integer(required=True)
    respond_by = fields.Date(allow_none=True, load_default=None)


class AllocationChanged(AllocationRef):
    state = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)


class MilestoneDone(Schema):
    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    milestone = fields.Integer(required=True)
    title = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class OfferLapsing(Schema):
    """An offer waiting for the buyer's answer lapses soon (published once per offer, some hours before)."""

    contract_id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)
    buyer_name = fields.String(required=True)
    lapses_at = fields.AwareDateTime(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class InvoiceIssued(Schema):
    invoice_id = fields.Integer(required=True)
    invoice_number = fields.String(required=True)
    contract_id = fields.Integer(required=True)
    buyer_name = fields.String(required=True)
    net_pence = fields.Integer(required=True)
    vat_pence = fields.Integer(required=True)
    gross_pence = fields.Integer(required=True)
    currency = fields.String(required=True)
    due_on = fields.Date(required=True)
    issued_at = fields.AwareDateTime(required=True)


_WHEN = "2026-11-23T10:00:00+00:00"
_REF = {
    "contract_id": 15, "reference": "C-0015", "title": "Christmas cards for Leaf & Co", "buyer_name": "Leaf & Co",
    "sector": "cards", "state": "proposed", "total_pence": 1_250_000, "currency": "GBP", "round_number": 1,
    "occurred_at": _WHEN,
}
_ALLOCATION = {
    "contract_id": 15, "reference": "C-0015", "allocation_id": 3, "member_id": 7,
    "description": "Hand-made Christmas cards", "quantity": 200, "value_pence": 50_000, "occurred_at": _WHEN,
}


def _state(state: str, **more) -> dict:
    return {**_REF, "state": state, **more}


CATALOG = EventCatalog(
    "contracts",
    [
        EventSpec("contract.proposed", ContractRef, _state("proposed")),
        EventSpec("contract.countered", ContractRef, _state("countered", round_number=2)),
        EventSpec("contract.agreed", ContractAgreed, _state(
            "agreed", round_number=2, needs_approval=True, approval_threshold_pence=500_000, agreed_at=_WHEN)),
        EventSpec("contract.approved", ContractRef, _state("agreed", round_number=2)),
        EventSpec("contract.signed", ContractRef, _state("signed", round_number=2)),
        EventSpec("contract.started", ContractRef, _state("active", round_number=2)),
        EventSpec("contract.completed", ContractCompleted, _state(
            "completed", round_number=2, invoice_number="INV-000004",
            shares=[{"member_id": 7, "gross_pence": 1_250_000, "fee_pence": 125_000, "net_pence": 1_125_000}])),
        EventSpec("contract.rejected", ContractClosed, _state("rejected", reason="The buyer went elsewhere.")),
        EventSpec("contract.withdrawn", ContractClosed, _state("withdrawn", reason=None)),
        EventSpec("contract.expired", ContractClosed, _state("expired", reason="The offer lapsed.")),
        EventSpec("contract.work_allocated", WorkAllocated, {**_ALLOCATION, "account_id": 21,
                                                              "respond_by": "2026-12-07"}),
        EventSpec("contract.allocation_changed", AllocationChanged, {
            **_ALLOCATION, "state": "needs_reallocation", "reason": "The member business left the co-op."}),
        EventSpec("contract.offer_lapsing", OfferLapsing, {
            "contract_id": 15, "reference": "C-0015", "title": "Christmas cards for Leaf & Co",
            "buyer_name": "Leaf & Co", "lapses_at": "2026-11-25T10:00:00+00:00", "occurred_at": _WHEN}),
        EventSpec("contract.milestone_done", MilestoneDone, {
            "contract_id": 15, "reference": "C-0015", "milestone": 1, "title": "First 250 cards delivered",
            "occurred_at": _WHEN}),
        EventSpec("invoice.issued", InvoiceIssued, {
            "invoice_id": 4, "invoice_number": "INV-000004", "contract_id": 15, "buyer_name": "Leaf & Co",
            "net_pence": 1_250_000, "vat_pence": 0, "gross_pence": 1_250_000, "currency": "GBP",
            "due_on": "2026-12-23", "issued_at": _WHEN}),
    ],
)

OUTBOX = Outbox(CATALOG)
