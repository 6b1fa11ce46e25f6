"""Events the notifications service listens to: accounts (whom to write to) and what it tells people.

The handlers need the service's settings (the site's address, for the links), so the table is made for
the settings the service runs with; SUBSCRIPTIONS, with the defaults, says what the service listens to
(the contract tests read it).
"""

import functools

from marshmallow import fields
from sqlalchemy.orm import Session

from services.notifications import notices, people
from services.notifications.settings import NotificationsSettings
from shared.consumer import Subscription
from shared.events import Envelope, TolerantSchema


class AccountRegistered(TolerantSchema):
    account_id = fields.Integer(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class AccountRolesChanged(TolerantSchema):
    account_id = fields.Integer(required=True)
    roles = fields.List(fields.String(), required=True)
    occurred_at = fields.AwareDateTime(required=True)


class MemberAdmitted(TolerantSchema):
    account_id = fields.Integer(required=True)
    name = fields.String(required=True)


def tell_admitted_member(session: Session, event: Envelope, settings: NotificationsSettings) -> None:
    """member.admitted: welcome the applicant (only her: the event names her account)."""
    notices.tell(session, event, event.data["account_id"], "member_admitted",
                 {"member_name": event.data["name"]}, settings)


def subscriptions(settings: NotificationsSettings) -> dict[str, Subscription]:
    """Return what the notifications service does with each event it reads, under these settings."""
    return {
        "account.registered": Subscription(AccountRegistered, people.person_from_registration),
        "account.roles_changed": Subscription(AccountRolesChanged, people.roles_from_change),
        "member.admitted": Subscription(MemberAdmitted, functools.partial(tell_admitted_member, settings=settings)),
    }


SUBSCRIPTIONS: dict[str, Subscription] = subscriptions(NotificationsSettings())
