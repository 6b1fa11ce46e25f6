"""The events the brokering service publishes, with their schemas and examples.

They carry ids and counts, never anything about a person's history: no name, no disclosure.
"""

from marshmallow import Schema, fields

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


class StageChanged(ApplicationRef):
    stage = fields.String(required=True)


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
        EventSpec("application.stage_changed", StageChanged, {**_APPLICATION, "stage": "interview"}),
        EventSpec("placement.started", PlacementStarted, {**_PLACEMENT, "kind": "paid", "start_on": "2027-01-04"}),
        EventSpec("placement.sustained", PlacementSustained, {**_PLACEMENT, "milestone": "13w",
                                                                      "sustained_on": "2027-04-05"}),
        EventSpec("placement.ended", PlacementEnded, {**_PLACEMENT, "ended_on": "2027-05-01", "reason": "moved_on"}),
    ],
)

OUTBOX = Outbox(CATALOG)
