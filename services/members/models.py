"""The members service's tables: accounts, members and their history, proposals and ballots."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata, utcnow


class Base(DeclarativeBase):
    metadata = new_metadata()


class Account(Base):
    """Someone who can sign in: a person, or an organisation's contact."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(120))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When she proved the address is hers (a link sent to it); None until then.
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignInLimit(Base):
    """Attempts to prove a password for one email or from one client address, in a fixed window.

    One row per key, counted by a single upsert, so concurrent attempts each get their own number and
    no more than the limit are ever checked (a count of rows read and then added to let twice as many
    through on PostgreSQL).
    """

    __tablename__ = "sign_in_limits"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # email:<address> | address:<ip>
    attempts: Mapped[int] = mapped_column(Integer)
    window_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class SignInSession(Base):
    """One refresh token of a sign-in, kept as its SHA-256 only (a database reader cannot use it).

    Every refresh uses a token up and gives the next one in the same ``family`` (one sign-in); a token
    presented after it was used means a copy was stolen, and the whole family is revoked.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Member(Base):
    """A producer business or a support agency: from application to admission, and after."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A producer's own account, or the agency's nominated representative: who votes for it.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # producer | agency
    name: Mapped[str] = mapped_column(String(120))  # business or organisation name
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    # How they came to the co-op may reveal a sentence or a referral: coordinators and self only.
    how_they_came: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="applicant")
    member_number: Mapped[int | None] = mapped_column(Integer, unique=True)
    share_pence: Mapped[int] = mapped_column(Integer, default=0)
    share_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    seeking_work_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship(lazy="joined")
    history: Mapped[list[StatusChange]] = relationship(
        back_populates="member", order_by="StatusChange.id", lazy="selectin"
    )


class StatusChange(Base):
    """One change of a member's status: never updated, never deleted."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(back_populates="history")


class RecordAccess(Base):
    """A coordinator read a member's confidential record; the member can see this log."""

    __tablename__ = "record_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    accessed_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    accessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    purpose: Mapped[str] = mapped_column(String(200))

    accessor: Mapped[Account] = relationship(lazy="joined")


class Proposal(Base):
    """A resolution put to the members: one active member, one vote."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20), default="ordinary")  # ordinary | special
    quorum_fraction: Mapped[float] = mapped_column(default=0.1)
    quorum_minimum: Mapped[int] = mapped_column(Integer, default=3)
    # None: opened by the co-op's rules on another service's event (a contract needing approval).
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | closed
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When those who had not voted were reminded that it closes soon (proposal.closing_soon, once);
    # set at opening for a proposal shorter than the reminder window, which gets no reminder.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Filled at close: counts per option, turnout, quorum needed, outcome.
    result: Mapped[dict | None] = mapped_column(JSON)
    # Set when the proposal was opened because of another service's event (contract approval).
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[str | None] = mapped_column(String(64))

    # One ballot per subject, even if the event asking for it is delivered twice at the same moment.
    __table_args__ = (UniqueConstraint("subject_type", "subject_id"),)


class Participation(Base):
    """That a member took part in a ballot (not how): public to members, one per member."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    cast_by_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    by_proxy: Mapped[bool] = mapped_column(default=False)
    # The hash of the one-time seal that travelled with the ballot to the box (ballot_box.py): lets the
    # box tell a ballot whose vote was recorded from one rolled back; the ballot row never holds it.
    seal_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class Ballot(Base):
    """How one vote went, with no link to the voter: only the voter's receipt finds it again.

    Never written by the transaction that records the vote: the ballot box (ballot_box.py) writes ballots
    in shuffled batches of their own, so no system column (PostgreSQL's xmin, ctid) follows the votes.
    """

    __tablename__ = "ballots"
    # SQLite would otherwise keep a hidden rowid in insertion order; stored by the random id instead.
    __table_args__ = {"sqlite_with_rowid": False}

    # A random id and no timestamp, so that ballots cannot be matched to participations by order.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    option: Mapped[str] = mapped_column(String(100))
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)


class Proxy(Base):
    """A member appointing another member to vote for them on one proposal."""

    __tablename__ = "proxies"
    __table_args__ = (UniqueConstraint("proposal_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    proxy_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    appointed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordEntry(Base):
    """One fact of a member's record, or of the co-op's, taken from another service's event.

    The record is a projection: every row comes from an event (``event_id``), and the whole of it can be
    made again from the services' outboxes (``coop record rebuild``). Money is integer pence; a refund
    is an entry of its own with positive amounts, taken off the sales when the record is read.
    """

    __tablename__ = "record_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    # None: the co-op as a whole (a contract won is the co-op's, not one member's).
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    month: Mapped[dt.date] = mapped_column(index=True)  # the first day of the month it happened in
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    gross_pence: Mapped[int] = mapped_column(Integer, default=0)
    net_pence: Mapped[int] = mapped_column(Integer, default=0)
    subject: Mapped[str] = mapped_column(String(40))  # what it is about: "order:31", "placement:5"


class JobSeekerLink(Base):
    """Which member a job seeker in the brokering service is (placement events name the job seeker)."""

    __tablename__ = "job_seeker_links"

    job_seeker_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
