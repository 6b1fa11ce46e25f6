"""The brokering service's tables (its own database; no other service reads them).

Disclosure is kept apart from the profile, in its own tables, so that no query about skills or
matching ever touches it, and so that it can be deleted on its own.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.db import UTCDateTime, new_metadata, utcnow


def new_reference() -> str:
    """Return a fresh applicant reference, e.g. 'Applicant 7KQ2-M9XD': random, so it says nothing."""
    letters = "".join(secrets.choice(REFERENCE_LETTERS) for _ in range(8))
    return f"Applicant {letters[:4]}-{letters[4:]}"


REFERENCE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class Base(DeclarativeBase):
    metadata = new_metadata()


class JobSeeker(Base):
    """Someone looking for work through the co-op: skills first, nothing about their past."""

    __tablename__ = "job_seekers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Set when the profile came from member.seeking_work; a referred person may have neither.
    member_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    account_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    referred_by_member_id: Mapped[int | None] = mapped_column(Integer)  # the support agency
    display_name: Mapped[str] = mapped_column(String(120))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours_per_week: Mapped[int | None] = mapped_column(Integer)  # the most they want to work
    available_from: Mapped[dt.date | None] = mapped_column(Date)
    travel_area: Mapped[str | None] = mapped_column(String(8))  # a postcode district, e.g. LS6
    preferences: Mapped[str] = mapped_column(Text, default="")
    # Employers may see the anonymised profile in matches only while this is true.
    open_to_matching: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | closed
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def reference(self) -> str:
        """How employers see the person before they apply: a number, never a name."""
        return f"Candidate {self.id:05d}"


class Disclosure(Base):
    """What the person chose to say about unspent convictions, in their words; never offence detail."""

    __tablename__ = "disclosures"

    job_seeker_id: Mapped[int] = mapped_column(ForeignKey("job_seekers.id"), primary_key=True)
    unspent: Mapped[str] = mapped_column(String(12), default="not_stated")  # yes | no | not_stated
    unspent_until: Mapped[dt.date | None] = mapped_column(Date)
    restricted_roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. a licence condition
    statement: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisclosureAccess(Base):
    """One reading of someone's disclosure: who, when, why. The job seeker can see every line."""

    __tablename__ = "disclosure_access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_seeker_id: Mapped[int] = mapped_column(Integer, index=True)
    account_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))  # coordinator | employer
    employer_name: Mapped[str | None] = mapped_column(String(200))
    application_id: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Employer(Base):
    """An organisation willing to hire people with convictions, approved by a coordinator."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    sector: Mapped[str] = mapped_column(String(40))
    about: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending|approved|refused
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)


class Vacancy(Base):
    """A job an approved employer offers through the co-op."""

    __tablename__ = "vacancies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    location: Mapped[str] = mapped_column(String(8))  # postcode district
    hours_per_week: Mapped[int] = mapped_column(Integer)
    pay_pence_per_hour: Mapped[int] = mapped_column(Integer)
    contract_type: Mapped[str] = mapped_column(String(20))
    # Who the pay is for (21_plus | 18_to_20 | under_18), to check it against the minimum wage; none: 21 and over.
    age_band: Mapped[str | None] = mapped_column(String(12))
    # Kinds of work the role involves that a licence condition may forbid (children, driving, ...).
    involves: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Exempt from the Act: the employer may ask about spent convictions (with a DBS check).
    exempt: Mapped[bool] = mapped_column(default=False)
    dbs_check: Mapped[str] = mapped_column(String(10), default="none")  # none|basic|standard|enhanced
    closing_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)  # open | closed
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Employer] = relationship(lazy="joined")


class Application(Base):
    """A job seeker put forward for a vacancy, and where it has got to."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("vacancy_id", "job_seeker_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id"), index=True)
    job_seeker_id: Mapped[int] = mapped_column(ForeignKey("job_seekers.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20), default="put_forward", index=True)
    # How the employer knows this applicant: random, one per application, so it links no two vacancies.
    reference: Mapped[str] = mapped_column(String(20), default=new_reference)
    # When the job seeker agreed to be put forward (at once when she applies herself); until then the
    # employer cannot see the application at all.
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    vacancy: Mapped[Vacancy] = relationship(lazy="joined")
    job_seeker: Mapped[JobSeeker] = relationship()

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None


class Consent(Base):
    """The job seeker's consent to share their disclosure with one employer for one application."""

    __tablename__ = "consents"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class SharedDisclosure(Base):
    """The disclosure as it was shared for one application; deleted on withdrawal or after a while."""

    __tablename__ = "shared_disclosures"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    unspent: Mapped[str] = mapped_column(String(12))
    unspent_until: Mapped[dt.date | None] = mapped_column(Date)
    restricted_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Placement(Base):
    """A job start: work experience or paid work, followed up at 6, 13 and 26 weeks and 6 months."""

    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    job_seeker_id: Mapped[int] = mapped_column(Integer, index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # work_experience | paid
    start_on: Mapped[dt.date] = mapped_column(Date)
    hours_per_week: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="going", index=True)  # going | ended
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Employer] = relationship(lazy="joined")
    check_ins: Mapped[list[CheckIn]] = relationship(order_by="CheckIn.due_on")


class CheckIn(Base):
    """The co-op's follow-up of a placement at one milestone: is the person still in work?"""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("placement_id", "milestone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    milestone: Mapped[str] = mapped_column(String(10))  # 6w | 13w | 26w | 6m
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    in_work: Mapped[bool | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    # When placement.check_in_due was published for it: once, claimed by a conditional UPDATE.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
