"""Request and response schemas of the brokering API.

An employer-facing schema never has a disclosure field at all; the people-facing ones are separate
schemas, so that no option or flag can leak one into the other.
"""

import datetime as dt
import functools

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.brokering.disclosures import RESTRICTABLE_WORK, UNSPENT_ANSWERS
from services.brokering.placements import END_REASONS
from services.brokering.rules.disclosure_calculator import EARLIEST, LATEST_END, SENTENCES
from shared.http import MAX_ID, NOT_BLANK

SECTORS = ("cards", "jewellery", "grooming", "catering", "fashion", "crafts", "cleaning", "retail", "hospitality",
           "care", "construction", "warehouse", "office", "other")
CONTRACT_TYPES = ("permanent", "fixed_term", "temporary", "part_time", "apprenticeship", "work_experience")
DBS_CHECKS = ("none", "basic", "standard", "enhanced")
Words = functools.partial(fields.List, fields.String(validate=[validate.Length(min=1, max=60), NOT_BLANK]),
                          validate=validate.Length(max=30))
AGE_BANDS = ("21_plus", "18_to_20", "under_18")
# Every date the API takes lies in this range (a calendar edge like 9999-12-31 is refused with 422, not 500).
Day = functools.partial(fields.Date, validate=validate.Range(min=EARLIEST, max=LATEST_END, error=(
    f"Give a date from {EARLIEST.isoformat()} to {LATEST_END.isoformat()}.")))
District = functools.partial(fields.String, validate=validate.Regexp(
    r"^[A-Za-z]{1,2}[0-9][0-9A-Za-z]?$", error="Give a postcode district, such as LS6 or SW1A."))


class ProfileIn(Schema):
    display_name = fields.String(validate=[validate.Length(min=1, max=120), NOT_BLANK])
    skills = Words()
    sectors = fields.List(fields.String(validate=validate.OneOf(SECTORS)), validate=validate.Length(max=14))
    qualifications = Words()
    hours_per_week = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=60))
    available_from = Day(allow_none=True)
    travel_area = District(allow_none=True)
    preferences = fields.String(validate=validate.Length(max=2000))
    open_to_matching = fields.Boolean()


class ReferralIn(ProfileIn):
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    referred_by_member_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                                           validate=validate.Range(min=1, max=MAX_ID),
                                           metadata={"description": "The support-agency member that referred them."})


class Profile(Schema):
    """The job seeker's own profile, as they and coordinators see it; never the disclosure."""

    id = fields.Integer()
    reference = fields.String()
    member_id = fields.Integer(allow_none=True)
    display_name = fields.String()
    skills = fields.List(fields.String())
    sectors = fields.List(fields.String())
    qualifications = fields.List(fields.String())
    hours_per_week = fields.Integer(allow_none=True)
    available_from = fields.Date(allow_none=True)
    travel_area = fields.String(allow_none=True)
    preferences = fields.String()
    open_to_matching = fields.Boolean()
    status = fields.String()
    created_at = fields.AwareDateTime()


class DisclosureIn(Schema):
    unspent = fields.String(required=True, validate=validate.OneOf(UNSPENT_ANSWERS),
                            metadata={"description": "Whether you have unspent convictions: yes, no or not_stated."})
    unspent_until = Day(allow_none=True, load_default=None,
                        metadata={"description": "Kept only when you answer yes."})
    restricted_roles = fields.List(fields.String(validate=validate.OneOf(RESTRICTABLE_WORK)),
                                   load_default=list, validate=validate.Length(max=len(RESTRICTABLE_WORK)),
                                   metadata={"description": "Kinds of work you must not do (a licence condition); "
                                                            "not kept when you answer no."})
    statement = fields.String(load_default="", validate=validate.Length(max=3000),
                              metadata={"description": "In your own words. Never give offence details here."})


class Disclosure(Schema):
    unspent = fields.String()
    unspent_until = fields.Date(allow_none=True)
    restricted_roles = fields.List(fields.String())
    statement = fields.String()
    updated_at = fields.AwareDateTime()


class ReadPurpose(Schema):
    purpose = fields.String(required=True, validate=[validate.Length(min=3, max=200), NOT_BLANK],
                            metadata={"description": "Why a coordinator reads it; shown to the job seeker."})


class AccessEntry(Schema):
    at = fields.AwareDateTime()
    role = fields.String()
    account_id = fields.Integer()
    employer_name = fields.String(allow_none=True)
    application_id = fields.Integer(allow_none=True)
    purpose = fields.String()


class EmployerIn(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    contact_name = fields.String(required=True, validate=[validate.Length(min=1, max=120), NOT_BLANK])
    email = fields.Email(required=True, validate=validate.Length(max=254))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    about = fields.String(load_default="", validate=validate.Length(max=3000))


class Employer(EmployerIn):
    id = fields.Integer()
    status = fields.String()
    registered_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


class EmployerQuery(Schema):
    status = fields.String(validate=validate.OneOf(("pending", "approved", "refused")))


class VacancyIn(Schema):
    title = fields.String(required=True, validate=[validate.Length(min=1, max=200), NOT_BLANK])
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    skills = Words(load_default=list)
    location = District(required=True)
    hours_per_week = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=48))
    pay_pence_per_hour = fields.Integer(required=True, strict=True, validate=validate.Range(min=800, max=100_000),
                                        metadata={"description": "At least the National Minimum Wage for the age "
                                                                 "band (21 and over when none is given; the "
                                                                 "apprentice rate for an apprenticeship)."})
    contract_type = fields.String(required=True, validate=validate.OneOf(CONTRACT_TYPES))
    age_band = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(AGE_BANDS),
                             metadata={"description": "Who the pay is for, to check it against the minimum wage; "
                                                      "leave out for 21 and over."})
    involves = fields.List(fields.String(validate=validate.OneOf(RESTRICTABLE_WORK)), load_default=list,
                           validate=validate.Length(max=len(RESTRICTABLE_WORK)))
    exempt = fields.Boolean(load_default=False, metadata={
        "description": "Exempt from the Rehabilitation of Offenders Act (e.g. work with children)."})
    dbs_check = fields.String(load_default="none", validate=validate.OneOf(DBS_CHECKS))
    closing_on = Day(required=True, metadata={"description": "Today or later."})


class VacancyChange(VacancyIn):
    """A change of a vacancy: any of its fields (taken with ``partial=True``: what is left out stays)."""


class Vacancy(VacancyIn):
    id = fields.Integer()
    employer_id = fields.Integer()
    employer_name = fields.String(attribute="employer.name")
    status = fields.String()
    opened_at = fields.AwareDateTime()


class VacancyQuery(Schema):
    sector = fields.String(validate=validate.OneOf(SECTORS))


class CalculatorIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(SENTENCES))
    convicted_on = Day(required=True, metadata={"description": "Not after today."})
    ended_on = Day(allow_none=True, load_default=None,
                   metadata={"description": "When the sentence (licence included), order or discharge ends."})
    custody_months = fields.Integer(strict=True, allow_none=True, load_default=None,
                                    validate=validate.Range(min=1, max=1200))
    under_18_when_convicted = fields.Boolean(load_default=False)
    serious_offence = fields.Boolean(load_default=False, metadata={
        "description": "A serious violent, sexual or terrorist offence (matters only for custody over 4 years)."})

    @validates_schema
    def complete(self, data, **kwargs):
        if data["kind"] == "custody" and data["custody_months"] is None:
            raise ValidationError("Give the length of the custodial sentence in months.", "custody_months")
        if data["kind"] in ("custody", "community_order", "conditional_discharge") and data["ended_on"] is None:
            raise ValidationError("Give the date the sentence, order or discharge ends.", "ended_on")
        if data["ended_on"] is not None and data["ended_on"] < data["convicted_on"]:
            raise ValidationError("A sentence cannot end before the conviction.", "ended_on")
        if data["convicted_on"] > dt.datetime.now(dt.UTC).date():
            raise ValidationError("A conviction cannot be dated in the future.", "convicted_on")


class CalculatorAnswer(Schema):
    spent_on = fields.Date(allow_none=True)
    never_spent = fields.Boolean()
    spent_today = fields.Boolean()
    reasoning = fields.String()
    caveats = fields.List(fields.String())


class Candidate(Schema):
    """A job seeker who fits a vacancy, as a coordinator sees them to put her forward: nothing disclosed."""

    job_seeker_id = fields.Integer()
    reference = fields.String()
    skills = fields.List(fields.String())
    sectors = fields.List(fields.String())
    hours_per_week = fields.Integer(allow_none=True)
    travel_area = fields.String(allow_none=True)
    score = fields.Integer()
    reasons = fields.List(fields.String())


class VacancyMatch(Schema):
    vacancy = fields.Nested(Vacancy)
    score = fields.Integer()
    reasons = fields.List(fields.String())


class ApplyIn(Schema):
    job_seeker_id = fields.Integer(strict=True, load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                   metadata={"description": "A coordinator putting someone forward, with their "
                                                            "agreement; leave out to apply yourself."})


class ApplicantRef(Schema):
    display_name = fields.String()
    skills = fields.List(fields.String())


class Application(Schema):
    """An application as any of its parties sees it. There is no disclosure field here, for anyone."""

    id = fields.Integer()
    reference = fields.String(metadata={"description": "This application's own reference; it links no two."})
    vacancy_id = fields.Integer()
    vacancy_title = fields.String(attribute="vacancy.title")
    employer_name = fields.String(attribute="vacancy.employer.name")
    job_seeker = fields.Nested(ApplicantRef)
    stage = fields.String()
    agreed = fields.Boolean(metadata={"description": "Whether the job seeker agreed to be put forward; the "
                                                     "employer sees only applications she agreed to."})
    rejection_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    changed_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)


class ApplicationQuery(Schema):
    vacancy_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))


class MoveIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                           metadata={"description": "Required to reject."})
    start_on = Day(load_default=None, allow_none=True, metadata={"description": "Required to accept."})


class RejectIn(MoveIn):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=2000), NOT_BLANK])


class AcceptIn(MoveIn):
    start_on = Day(required=True, metadata={"description": "When the job starts."})


# The body of each move: rejecting needs a reason, accepting a start date; the others neither.
MOVE_BODIES = {"rejected": RejectIn, "accepted": AcceptIn}


class CheckInOut(Schema):
    milestone = fields.String()
    due_on = fields.Date()
    done_at = fields.AwareDateTime(allow_none=True)
    in_work = fields.Boolean(allow_none=True)
    note = fields.String()


class Placement(Schema):
    id = fields.Integer()
    application_id = fields.Integer()
    employer_name = fields.String(attribute="employer.name")
    kind = fields.String()
    start_on = fields.Date()
    hours_per_week = fields.Integer()
    status = fields.String()
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    check_ins = fields.List(fields.Nested(CheckInOut))


class HiredPlacement(Schema):
    """A placement as its employer sees it: no check-in notes, nothing disclosed."""

    id = fields.Integer(attribute="placement.id")
    application_id = fields.Integer()
    title = fields.String()
    person = fields.String()
    kind = fields.String(attribute="placement.kind")
    start_on = fields.Date(attribute="placement.start_on")
    hours_per_week = fields.Integer(attribute="placement.hours_per_week")
    status = fields.String(attribute="placement.status")
    ended_on = fields.Date(attribute="placement.ended_on", allow_none=True)


class CheckInIn(Schema):
    in_work = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class EndIn(Schema):
    ended_on = Day(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))


class Period(Schema):
    start = Day(required=True)
    end = Day(required=True, metadata={"description": "On or after the start."})

    @validates_schema
    def in_order(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("The end cannot be before the start.", "end")


class OutcomeCounts(Schema):
    job_starts = fields.Integer()
    in_work_6_weeks = fields.Integer()
    sustained_13_weeks = fields.Integer()
    sustained_26_weeks = fields.Integer()
    in_work_6_months = fields.Integer()


class EmployerOutcomes(OutcomeCounts):
    employer = fields.String()


class Outcomes(Schema):
    start = fields.Date()
    end = fields.Date()
    totals = fields.Nested(OutcomeCounts)
    per_employer = fields.List(fields.Nested(EmployerOutcomes))
