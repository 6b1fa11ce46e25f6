"""The contracts service's tables (its own database; no other service reads them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class MemberBusiness(Base):
    """A member business that may be allocated work, as the member events describe it (a projection).

    Only the member events write it (``handlers.py``); see there how late and repeated events are treated.
    """

    __tablename__ = "member_businesses"

    name: Mapped[str] = mapped_column(String(120))
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

    @property
    def can_take_work(self) -> bool:
        return self.active and self.kind == "producer"


class Buyer(Base):
    """An organisation the co-op sells to under contract."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(Integer)


class Contract(Base):
    """A contract the co-op negotiates on its members' behalf; its terms live in its rounds."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # Optimistic concurrency: every change bumps it; a writer must name the version it read (If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The total of the latest round, kept here so lists and the approval rule need not read the rounds.
    total_pence: Mapped[int] = mapped_column(Integer, default=0)
    # not_needed | pending | approved | not_approved; set when the terms are agreed.
    approval: Mapped[str | None] = mapped_column(String(20))
    approval_proposal_id: Mapped[int | None] = mapped_column(Integer)
    # An offer waiting for an answer lapses at this time (the latest round's respond_by).
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The offer_expires_at that contract.offer_lapsing was published for: once per offer, and again for
    # a new round's new deadline (claimed by a conditional UPDATE, so two workers warn once).
    lapsing_warned_for: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    buyer_signatory: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(Integer)
    state_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by every change, so that every change bumps the version.
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closing_reason: Mapped[str | None] = mapped_column(Text)

    __mapper_args__ = {"version_id_col": version}

    buyer: Mapped[Buyer] = relationship(lazy="joined")
    rounds: Mapped[list[Round]] = relationship(order_by="Round.number", back_populates="contract")
    milestones: Mapped[list[Milestone]] = relationship(order_by="Milestone.number")

    @property
    def reference(self) -> str:
        return f"C-{self.id:04d}"

    @property
    def latest_round(self) -> Round:
        return self.rounds[-1]


class Round(Base):
    """One version of the terms, as one party proposed it; never changed once written."""

    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    proposed_by: Mapped[str] = mapped_column(String(10))  # coop | buyer
    entered_by: Mapped[int] = mapped_column(Integer)  # the coordinator's account
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    respond_by: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    terms: Mapped[dict] = mapped_column(JSON)
    total_pence: Mapped[int] = mapped_column(Integer)

    contract: Mapped[Contract] = relationship(back_populates="rounds")


class ContractEvent(Base):
    """One change of a contract's state, with who made it: the contract's history."""

    __tablename__ = "contract_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by: Mapped[int | None] = mapped_column(Integer)  # None: the co-op's rules (a vote, an expiry)
    note: Mapped[str] = mapped_column(Text, default="")


class Allocation(Base):
    """Part of one line of a signed contract, offered to one member business."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member_businesses.member_id"), index=True)
    line: Mapped[int] = mapped_column(Integer)  # index into the agreed round's line items
    quantity: Mapped[int] = mapped_column(Integer)
    # offered | accepted | declined | needs_reallocation | reallocated
    state: Mapped[str] = mapped_column(String(20), default="offered", index=True)
    flagged_reason: Mapped[str | None] = mapped_column(String(200))
    replaced_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int] = mapped_column(Integer)
    responded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship()
    member: Mapped[MemberBusiness] = relationship(lazy="joined")


class Milestone(Base):
    """A delivery or milestone of a signed contract, copied from the agreed terms."""

    __tablename__ = "milestones"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[int | None] = mapped_column(Integer)


class Invoice(Base):
    """The invoice to the buyer issued when a contract is completed; numbered without gaps."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[dt.date] = mapped_column(Date)
    # The buyer as they were when invoiced: a later change of address does not rewrite the invoice.
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_address: Mapped[str] = mapped_column(Text)
    lines: Mapped[list[dict]] = mapped_column(JSON)
    net_pence: Mapped[int] = mapped_column(Integer)
    vat_rate_percent: Mapped[int | None] = mapped_column(Integer)  # None: the co-op is not VAT-registered
    vat_pence: Mapped[int] = mapped_column(Integer)
    gross_pence: Mapped[int] = mapped_column(Integer)

    contract: Mapped[Contract] = relationship()

    @property
    def reference(self) -> str:
        return f"INV-{self.number:06d}"


class MemberShare(Base):
    """What one member business earned from a completed contract, after the co-op's fee."""

    __tablename__ = "member_shares"
    __table_args__ = (UniqueConstraint("contract_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    gross_pence: Mapped[int] = mapped_column(Integer)
    fee_pence: Mapped[int] = mapped_column(Integer)
    net_pence: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
