"""The marketplace's tables (its own database; no other service reads them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class Seller(Base):
    """A member business that may sell, as the member events describe it (a local projection: handlers.py)."""

    __tablename__ = "sellers"

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
    shop_name: Mapped[str] = mapped_column(String(120))
    vat_registered: Mapped[bool] = mapped_column(default=False)
    vat_number: Mapped[str | None] = mapped_column(String(20))

    @property
    def can_sell(self) -> bool:
        return self.active and self.kind == "producer"


class Listing(Base):
    """Something a member business offers: goods with stock, or a bookable service."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.member_id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # goods | service
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), index=True)
    price_pence: Mapped[int] = mapped_column(Integer, CheckConstraint("price_pence >= 0", name="price_not_negative"))
    # Taken off the price for an active member buying from another member (inter-trading).
    member_discount_pence: Mapped[int] = mapped_column(Integer, default=0)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)  # services only
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)  # draft|published|withdrawn
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seller: Mapped[Seller] = relationship(lazy="joined")
    variants: Mapped[list[Variant]] = relationship(
        back_populates="listing", order_by="Variant.id", lazy="selectin", cascade="all, delete-orphan"
    )
    slots: Mapped[list[Slot]] = relationship(
        back_populates="listing", order_by="Slot.starts_at", lazy="selectin", cascade="all, delete-orphan"
    )

    # Catalogue search is "a word anywhere in the title or description" (ILIKE '%word%'); on PostgreSQL
    # trigram indexes answer that without reading every listing. SQLite has no such index: it scans.
    __table_args__ = tuple(
        Index(f"ix_listings_{column}_trigrams", column, postgresql_using="gin",
              postgresql_ops={column: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
        for column in ("title", "description")
    )


# The trigram operator class comes from the pg_trgm extension (trusted: the database's owner may add it).
event.listen(Listing.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class Variant(Base):
    """One buyable form of goods (a size, a colour, or the only one), with its own stock."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    stock: Mapped[int] = mapped_column(Integer, CheckConstraint("stock >= 0", name="stock_not_negative"))

    listing: Mapped[Listing] = relationship(back_populates="variants")


class Slot(Base):
    """A time a service can be booked; sold once."""

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    booked_by_order_id: Mapped[int | None] = mapped_column(Integer, index=True)

    listing: Mapped[Listing] = relationship(back_populates="slots")


class CartLine(Base):
    """A line in a buyer's cart: a variant of goods and a quantity, or a service slot."""

    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("account_id", "variant_id", "slot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id"))
    slot_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    listing: Mapped[Listing] = relationship(lazy="joined")


class Order(Base):
    """A buyer's checkout: one order, a line per item and a share per seller."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    buyer_account_id: Mapped[int] = mapped_column(Integer, index=True)
    # Set when an active member bought at member prices.
    buyer_member_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="placed", index=True)
    total_pence: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    placed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    pay_by: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivery_address: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id", lazy="selectin")
    shares: Mapped[list[SellerShare]] = relationship(
        back_populates="order", order_by="SellerShare.seller_id", lazy="selectin"
    )
    history: Mapped[list[OrderEvent]] = relationship(order_by="OrderEvent.id", lazy="selectin")


class OrderLine(Base):
    """One item of an order, priced as it was at checkout."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(Integer, index=True)
    listing_id: Mapped[int] = mapped_column(Integer)
    variant_id: Mapped[int | None] = mapped_column(Integer)
    slot_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30))
    unit_price_pence: Mapped[int] = mapped_column(Integer)
    member_discount_pence: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")


class SellerShare(Base):
    """One seller's part of an order: what it sold, the co-op's commission, what it is owed."""

    __tablename__ = "seller_shares"
    __table_args__ = (UniqueConstraint("order_id", "seller_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(Integer, index=True)
    gross_pence: Mapped[int] = mapped_column(Integer)
    commission_pence: Mapped[int] = mapped_column(Integer)
    net_pence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="placed")  # placed|confirmed|dispatched|...

    order: Mapped[Order] = relationship(back_populates="shares")
    # Read only: loaded with the share where an order's event needs each seller's account (orders.WHOLE_ORDER).
    seller: Mapped[Seller] = relationship(primaryjoin="foreign(SellerShare.seller_id) == Seller.member_id",
                                          viewonly=True)


class OrderEvent(Base):
    """One change of an order's state, with who made it: the order's history."""

    __tablename__ = "order_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    by_account_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class IdempotentRequest(Base):
    """A request made with an Idempotency-Key: its answer is given again to a retry."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("account_id", "key", "endpoint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """A card payment for an order, as the provider reported it; never the card number."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(30))
    authorisation_id: Mapped[str] = mapped_column(String(100))
    capture_id: Mapped[str] = mapped_column(String(100))
    amount_pence: Mapped[int] = mapped_column(Integer)
    refunded_pence: Mapped[int] = mapped_column(Integer, default=0)
    card_last4: Mapped[str] = mapped_column(String(4))
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentAttempt(Base):
    """Money asked of the payment provider: written before it is asked, settled after.

    A capture attempt is written under the order's lock and committed before any money moves, so a
    second attempt at the same order is refused first; a refund attempt likewise under its share's lock,
    holding its amount against what is left of the share. A process that dies between asking and
    recording leaves the attempt pending: it says what was asked and under which key, and the provider
    is asked again with that key (``payments.settle_interrupted``).
    """

    __tablename__ = "payment_attempts"
    __table_args__ = (
        # The last guard: one capture of an order in flight or taken, whatever gets past the lock.
        Index("uq_payment_attempts_live_capture", "order_id", unique=True,
              postgresql_where=text("kind = 'capture' AND status IN ('pending', 'succeeded')"),
              sqlite_where=text("kind = 'capture' AND status IN ('pending', 'succeeded')")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # capture | refund
    seller_id: Mapped[int | None] = mapped_column(Integer)  # a refund's share
    amount_pence: Mapped[int] = mapped_column(Integer, CheckConstraint("amount_pence > 0", name="attempt_positive"))
    # The caller's request (account and Idempotency-Key); the provider is asked under provider_key.
    request_key: Mapped[str] = mapped_column(String(300), index=True)
    provider_key: Mapped[str] = mapped_column(String(400), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending|succeeded|declined|failed
    outcome: Mapped[str] = mapped_column(Text, default="")  # a decline's code, an error, how it was settled
    by_account_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ShareRefund(Base):
    """Part or all of a seller's share given back: the commission and net it reverses."""

    __tablename__ = "share_refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    seller_id: Mapped[int] = mapped_column(Integer, index=True)
    gross_pence: Mapped[int] = mapped_column(Integer)
    commission_pence: Mapped[int] = mapped_column(Integer)
    net_pence: Mapped[int] = mapped_column(Integer)
    # Unique: one refund at the provider is recorded once, however many requests saw it come back.
    provider_refund_id: Mapped[str] = mapped_column(String(100), unique=True)
    refunded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_account_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")


class PayoutRun(Base):
    """A coordinator's payout for a period: run once; running it again pays nothing twice."""

    __tablename__ = "payout_runs"
    __table_args__ = (UniqueConstraint("period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    run_by: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    payouts: Mapped[list[Payout]] = relationship(order_by="Payout.seller_id", lazy="selectin")


class Payout(Base):
    """What one seller was paid in one payout run."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("run_id", "seller_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payout_runs.id"), index=True)
    seller_id: Mapped[int] = mapped_column(Integer, index=True)
    amount_pence: Mapped[int] = mapped_column(Integer, CheckConstraint("amount_pence > 0", name="payout_positive"))
    paid_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaymentLedgerEntry(Base):
    """The built-in test-mode payment provider's own records, as a card processor keeps on its side.

    Not the marketplace's books: written by ``adapters.ledger_store.SqlLedger`` on its own connection, outside the
    request's transaction. ``kind`` names the mapping (authorisations, captures, idempotency, ...).
    """

    __tablename__ = "payment_ledger"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Idempotency keys are the caller's key (up to 200 characters) with a prefix and suffix of ours.
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
