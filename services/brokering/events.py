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


_WHEN = "2026-11-23T10:00:00+00:00"

CATALOG = EventCatalog(
    "brokering",
    [
        EventSpec("job_seeker.registered", JobSeekerRef, {"job_seeker_id": 4, "member_id": 7, "occurred_at": _WHEN}),
        EventSpec("job_seeker.closed", JobSeekerRef, {"job_seeker_id": 4, "member_id": 7, "occurred_at": _WHEN}),
        EventSpec("vacancy.opened", VacancyOpened, {"vacancy_id": 9, "employer_id": 2, "title": "Kitchen assistant",
                                                    "sector": "catering", "occurred_at": _WHEN}),
    ],
)

OUTBOX = Outbox(CATALOG)
