"""The events the brokering service publishes, with their schemas and examples.

They carry ids and counts, never anything about a person's history: no person's name, no disclosure
(disclosure.read says who read it, an employer organisation or "a co-op coordinator", never what it says).
"""

from marshmallow import Schema, fields, validate

from shared.events import EventCatalog, EventSpec
from shared.outbox import Outbox


class JobSeekerRef(Schema):
    job_seeker_id = fields.Integer(required=True)
    member_id = fields.Integer(allow_none=True, load_default=None)
    occurred_at = fields.AwareDateTime(required=True)


class VacancyOpened(Schema):
    vacancy_id = fields.Integer(required=True)
    employer_id = fields.Integer(required=True)
    title = fields.String(required=True)
    sector = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class ApplicationRef(Schema):
    application_id = fields.Integer(required=True)
    vacancy_id = fields.Integer(required=True)
    employer_id = fields.Integer(required=True)
    job_seeker_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


MOVERS = ("employer", "job_seeker", "coordinator")


class StageChanged(ApplicationRef):
    stage = fields.String(required=True)
    # Whom to tell: the job seeker (a referred person may have no account) and the employer; and who moved it.
    job_seeker_account_id = fields.Integer(allow_none=True, load_default=None)
    employer_account_id = fields.Integer(required=True)
    vacancy_title = fields.String(required=True)
    moved_by = fields.String(required=True, validate=validate.OneOf(MOVERS))


class DisclosureRead(Schema):
    """Someone read a job seeker's disclosure (and it was logged): who and when, never what or why."""

    job_seeker_id = fields.Integer(required=True)
    job_seeker_account_id = fields.Integer(allow_none=True, load_default=None)
    # The employer organisation's name, or "a co-op coordinator".
    reader_name = fields.String(required=True)
    reader_role = fields.String(required=True, validate=validate.OneOf(("coordinator", "employer")))
    read_at = fields.AwareDateTime(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class CheckInDue(Schema):
    """A placement's check-in fell due and is not recorded (once per check-in; no job seeker's name)."""

    placement_id = fields.Integer(required=True)
    check_in_id = fields.Integer(required=True)
    employer_name = fields.String(required=True)
    due_on = fields.Date(required=True)
    placement_path = fields.String(required=True)  # the coordinator's desk, at the placement's row
    occurred_at = fields.AwareDateTime(required=True)


class PlacementRef(Schema):
    placement_id = fields.Integer(required=True)
    job_seeker_id = fields.Integer(required=True)
    employer_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class PlacementStarted(PlacementRef):
    kind = fields.String(required=True)
    start_on = fields.Date(required=True)  # reports count the job start in this month, whenever the event came


class PlacementSustained(PlacementRef):
    milestone = fields.String(required=True)
    # The day the job had lasted 13 or 26 weeks: reports count it then, not when the check-in was recorded.
    sustained_on = fields.Date(required=True)


class PlacementEnded(PlacementRef):
    ended_on = fields.Date(required=True)
    reason = fields.String(required=True)


_WHEN = "2026-11-23T10:00:00+00:00"
_APPLICATION = {"application_id": 3, "vacancy_id": 9, "employer_id": 2, "job_seeker_id": 4, "occurred_at": _WHEN}
_PLACEMENT = {"placement_id": 5, "job_seeker_id": 4, "employer_id": 2, "occurred_at": _WHEN}

CATALOG = EventCatalog(
    "brokering",
    [
        EventSpec("job_seeker.registered", JobSeekerRef, {"job_seeker_id": 4, "member_id": 7, "occurred_at": _WHEN}),
        EventSpec("job_seeker.closed", JobSeekerRef, {"job_seeker_id": 4, "member_id": 7, "occurred_at": _WHEN}),
        EventSpec("vacancy.opened", VacancyOpened, {"vacancy_id": 9, "employer_id": 2, "title": "Kitchen assistant",
                                                    "sector": "catering", "occurred_at": _WHEN}),
        EventSpec("application.submitted", ApplicationRef, _APPLICATION),
        EventSpec("application.stage_changed", StageChanged, {
            **_APPLICATION, "stage": "interview", "job_seeker_account_id": 31, "employer_account_id": 12,
            "vacancy_title": "Kitchen assistant", "moved_by": "employer"}),
        EventSpec("disclosure.read", DisclosureRead, {
            "job_seeker_id": 4, "job_seeker_account_id": 31, "reader_name": "Leaf & Co Kitchens",
            "reader_role": "employer", "read_at": _WHEN, "occurred_at": _WHEN}),
        EventSpec("placement.started", PlacementStarted, {**_PLACEMENT, "kind": "paid", "start_on": "2027-01-04"}),
        EventSpec("placement.sustained", PlacementSustained, {**_PLACEMENT, "milestone": "13w",
                                                                      "sustained_on": "2027-04-05"}),
        EventSpec("placement.check_in_due", CheckInDue, {
            "placement_id": 5, "check_in_id": 17, "employer_name": "Leaf & Co Kitchens", "due_on": "2027-02-15",
            "placement_path": "/brokering/jobs/desk#placement-5", "occurred_at": _WHEN}),
        EventSpec("placement.ended", PlacementEnded, {**_PLACEMENT, "ended_on": "2027-05-01", "reason": "moved_on"}),
    ],
)

OUTBOX = Outbox(CATALOG)
