"""Request and response schemas of the contracts API; the desk's forms are checked with them too."""

import functools

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.contracts.events import SECTORS
from services.contracts.rules.lifecycle import PARTIES, STATES
from shared.http import MAX_ID, NOT_BLANK

MAX_CONTRACT_PENCE = 1_000_000_000  # £10 million: far above any contract the co-op signs, and fits a column
MAX_UNIT_PRICE_PENCE = 10_000_000
MAX_QUANTITY = 1_000_000
Pence = functools.partial(fields.Integer, strict=True)
Id = functools.partial(fields.Integer, strict=True, validate=validate.Range(min=1, max=MAX_ID))
Text = functools.partial(fields.String, load_default="", validate=validate.Length(max=2000))
Party = functools.partial(fields.String, required=True, validate=validate.OneOf(PARTIES),
                          metadata={"description": "Who made or answered the offer: the co-op or the buyer "
                                                   "(a coordinator enters both)."})


class BuyerIn(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    contact_name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    address = fields.String(required=True, validate=[validate.Length(min=1, max=1000), NOT_BLANK])


class BuyerUpdate(Schema):
    name = fields.String(validate=[validate.Length(min=1, max=200), NOT_BLANK])
    contact_name = fields.String(validate=[validate.Length(min=1, max=120), NOT_BLANK])
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    address = fields.String(validate=[validate.Length(min=1, max=1000), NOT_BLANK])


class Buyer(BuyerIn):
    id = fields.Integer()
    created_at = fields.AwareDateTime()


class LineItem(Schema):
    description = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    unit = fields.String(load_default="items", validate=[validate.Length(min=1, max=30), NOT_BLANK])
    unit_price_pence = Pence(required=True, validate=validate.Range(min=0, max=MAX_UNIT_PRICE_PENCE))


class MilestoneIn(Schema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    due_on = fields.Date(required=True)


class Terms(Schema):
    """One round's terms: what is supplied, when, at what price, on what conditions, by whom."""

    line_items = fields.List(fields.Nested(LineItem), required=True, validate=validate.Length(min=1, max=50))
    milestones = fields.List(fields.Nested(MilestoneIn), load_default=list, validate=validate.Length(max=50),
                             metadata={"description": "Deliveries or milestones, each with its due date."})
    payment_terms_days = fields.Integer(load_default=30, strict=True, validate=validate.Range(min=0, max=120))
    start_on = fields.Date(required=True)
    end_on = fields.Date(required=True)
    clauses = fields.List(fields.String(validate=[validate.Length(min=1, max=2000), NOT_BLANK]), load_default=list,
                          validate=validate.Length(max=50))
    member_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=50),
                             metadata={"description": "Member businesses proposed to do the work."})

    @validates_schema
    def hangs_together(self, data, **kwargs):
        if data["end_on"] < data["start_on"]:
            raise ValidationError("The end date cannot be before the start date.", "end_on")
        for milestone in data.get("milestones", []):
            if not data["start_on"] <= milestone["due_on"] <= data["end_on"]:
                raise ValidationError("Each milestone must fall between the start and end dates.", "milestones")
        total = sum(line["quantity"] * line["unit_price_pence"] for line in data["line_items"])
        if total > MAX_CONTRACT_PENCE:
            raise ValidationError(f"The terms add up to more than {MAX_CONTRACT_PENCE} pence.", "line_items")
        if len(set(data.get("member_ids", []))) != len(data.get("member_ids", [])):
            raise ValidationError("Name each member business once.", "member_ids")


class ContractIn(Schema):
    buyer_id = Id(required=True)
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    terms = fields.Nested(Terms, required=True)
    comment = Text()


class RoundIn(Schema):
    party = Party()
    terms = fields.Nested(Terms, required=True)
    comment = Text()
    respond_by = fields.AwareDateTime(load_default=None, allow_none=True,
                                      metadata={"description": "The offer lapses if not answered by then."})


class ProposeIn(Schema):
    respond_by = fields.AwareDateTime(load_default=None, allow_none=True)
    comment = Text()


class AgreeIn(Schema):
    party = Party()
    comment = Text()


class SignIn(Schema):
    buyer_signatory = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    comment = Text()


class RejectIn(Schema):
    party = Party()
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK])


class WithdrawIn(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK])


class NoBody(Schema):
    pass


class Round(Schema):
    number = fields.Integer()
    proposed_by = fields.String()
    entered_by = fields.Integer()
    created_at = fields.AwareDateTime()
    comment = fields.String()
    respond_by = fields.AwareDateTime(allow_none=True)
    terms = fields.Dict()
    total_pence = fields.Integer()


class Change(Schema):
    field = fields.String(metadata={"description": "Path of the field, e.g. line_items[0].quantity."})
    change = fields.String(metadata={"description": "added, removed or changed"})
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class RoundDiff(Schema):
    from_round = fields.Integer(data_key="from")
    to_round = fields.Integer(data_key="to")
    changes = fields.List(fields.Nested(Change))


class DiffQuery(Schema):
    from_round = fields.Integer(data_key="from", required=True, validate=validate.Range(min=1, max=MAX_ID))
    to_round = fields.Integer(data_key="to", required=True, validate=validate.Range(min=1, max=MAX_ID))


class BuyerRef(Schema):
    id = fields.Integer()
    name = fields.String()


class ContractSummary(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    sector = fields.String()
    state = fields.String()
    version = fields.Integer(metadata={"description": "Send it back as If-Match to change the contract."})
    buyer = fields.Nested(BuyerRef)
    total_pence = fields.Integer()
    currency = fields.Constant("GBP")
    approval = fields.String(allow_none=True, metadata={
        "description": "not_needed, pending (members are voting), approved or not_approved; set when agreed."})
    offer_expires_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    state_changed_at = fields.AwareDateTime()


class HistoryEntry(Schema):
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    at = fields.AwareDateTime()
    by = fields.Integer(allow_none=True)
    note = fields.String()


class Milestone(Schema):
    number = fields.Integer()
    title = fields.String()
    due_on = fields.Date()
    done_at = fields.AwareDateTime(allow_none=True)


class LineSummary(Schema):
    line = fields.Integer()
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    allocated = fields.Integer()
    remaining = fields.Integer()


class Contract(ContractSummary):
    buyer_signatory = fields.String(allow_none=True)
    closing_reason = fields.String(allow_none=True)
    actions = fields.List(fields.String(), metadata={"description": "The moves open from this state."})
    rounds = fields.List(fields.Nested(Round))
    history = fields.List(fields.Nested(HistoryEntry))
    milestones = fields.List(fields.Nested(Milestone))
    lines = fields.List(fields.Nested(LineSummary), metadata={"description": "Allocation of each line, once signed."})


class ContractQuery(Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    # Not strict: a query string's values are always text.
    buyer_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class AllocationIn(Schema):
    member_id = Id(required=True)
    line = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=49),
                          metadata={"description": "Index of the line item in the agreed terms."})
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class ReallocateIn(Schema):
    member_id = Id(required=True)


class Allocation(Schema):
    id = fields.Integer()
    contract_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    line = fields.Integer()
    quantity = fields.Integer()
    state = fields.String()
    flagged_reason = fields.String(allow_none=True)
    replaced_by = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    responded_at = fields.AwareDateTime(allow_none=True)


class AllocationQuery(Schema):
    state = fields.String(validate=validate.OneOf(
        ("offered", "accepted", "declined", "needs_reallocation", "reallocated")))


class MyMilestone(Schema):
    title = fields.String()
    due_on = fields.Date()
    done = fields.Boolean()


class MyAllocation(Schema):
    """A member's own allocation: their line of the contract only."""

    id = fields.Integer()
    state = fields.String()
    flagged_reason = fields.String(allow_none=True)
    contract_reference = fields.String()
    contract_title = fields.String()
    contract_state = fields.String()
    buyer_name = fields.String()
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price_pence = fields.Integer()
    value_pence = fields.Integer()
    start_on = fields.String(allow_none=True)
    end_on = fields.String(allow_none=True)
    milestones = fields.List(fields.Nested(MyMilestone))
    created_at = fields.AwareDateTime()
    responded_at = fields.AwareDateTime(allow_none=True)


class Share(Schema):
    contract_id = fields.Integer()
    member_id = fields.Integer()
    gross_pence = fields.Integer()
    fee_pence = fields.Integer()
    net_pence = fields.Integer()
    recorded_at = fields.AwareDateTime()
    paid_at = fields.AwareDateTime(allow_none=True)


class InvoiceLine(Schema):
    description = fields.String()
    unit = fields.String()
    quantity = fields.Integer()
    unit_price_pence = fields.Integer()
    total_pence = fields.Integer()


class Invoice(Schema):
    id = fields.Integer()
    number = fields.String(attribute="reference")
    contract_id = fields.Integer()
    issued_at = fields.AwareDateTime()
    due_on = fields.Date()
    buyer_name = fields.String()
    buyer_address = fields.String()
    lines = fields.List(fields.Nested(InvoiceLine))
    net_pence = fields.Integer()
    vat_rate_percent = fields.Integer(allow_none=True, metadata={
        "description": "Null when the co-op is not VAT-registered: the invoice then shows no VAT."})
    vat_pence = fields.Integer()
    gross_pence = fields.Integer()
    currency = fields.Constant("GBP")


class MemberBusiness(Schema):
    member_id = fields.Integer()
    name = fields.String()
    sectors = fields.List(fields.String())
    active = fields.Boolean()
