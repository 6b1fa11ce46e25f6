"""The weekly digest: the emails she asked to have once a week, gathered into one, Monday 08:00 UK time.

An email whose preference is "digest" is held as a ``digest_items`` row (its notice is on the site at
once). The periodic job finds each person with items held from before the latest scheduled moment
(``week_start``) and writes one email to the mail outbox with every such item's subject and short body,
then marks them included. Once only, under any number of workers: the ``digests`` row is unique per
(person, week), so a second worker's insert fails and it writes nothing, and the items are claimed with
a conditional update (``digest_id IS NULL``) whose count must match what was gathered. An item held
after the moment waits for the next week's digest.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.notifications import messages, notices, unsubscribe
from services.notifications.models import Digest, DigestItem, Email, Person
from shared.db import is_unique_violation

log = logging.getLogger(__name__)

UK = ZoneInfo("Europe/London")
WEEKDAY = 0  # Monday
HOUR = 8  # 08:00 UK time (GMT or BST, as the day has it)
KIND = "digest"  # the outbox row's kind; its unsubscribe link moves every digest kind to the site only
SUBJECT = "Your weekly digest from the co-op"

_text = Environment(loader=FileSystemLoader(messages.TEMPLATES), undefined=StrictUndefined, autoescape=False,
                    keep_trailing_newline=True)
_html = Environment(loader=FileSystemLoader(messages.TEMPLATES), undefined=StrictUndefined,
                    autoescape=select_autoescape(default=True))


class _Lost(Exception):
    """Another worker took these items first: write nothing."""


def week_start(now: dt.datetime) -> dt.datetime:
    """The latest scheduled moment at or before ``now`` (Monday 08:00 in the UK), as an aware UTC datetime."""
    local = now.astimezone(UK)
    day = local.date() - dt.timedelta(days=(local.weekday() - WEEKDAY) % 7)
    moment = dt.datetime.combine(day, dt.time(HOUR), tzinfo=UK)
    if moment > local:
        moment = dt.datetime.combine(day - dt.timedelta(days=7), dt.time(HOUR), tzinfo=UK)
    return moment.astimezone(dt.UTC)


def send_weekly_digests(runtime) -> int:
    """The periodic job: write each due person's digest to the mail outbox; return how many were written."""
    start = week_start(runtime.collaborators.clock())
    with runtime.db.sessionmaker() as session:
        due = list(session.scalars(select(DigestItem.account_id).distinct().where(
            DigestItem.digest_id.is_(None), DigestItem.created_at < start).order_by(DigestItem.account_id)))
    return sum(write_digest(runtime, account_id, start) for account_id in due)


def write_digest(runtime, account_id: int, start: dt.datetime) -> bool:
    """Write her digest for the week starting at ``start``; False if another worker wrote it, or nothing waits."""
    try:
        with runtime.db.transaction() as session:
            person = session.get(Person, account_id)
            if person is None or not person.email:
                return False
            digest = Digest(account_id=account_id, week_starts_at=start)
            session.add(digest)
            session.flush()  # a second worker stops here: the (person, week) is taken
            items = list(session.scalars(select(DigestItem).where(
                DigestItem.account_id == account_id, DigestItem.digest_id.is_(None), DigestItem.created_at < start)
                .order_by(DigestItem.created_at, DigestItem.id)))
            claimed = session.execute(update(DigestItem).where(
                DigestItem.id.in_([item.id for item in items]), DigestItem.digest_id.is_(None))
                .values(digest_id=digest.id)).rowcount if items else 0
            if not items or claimed != len(items):
                raise _Lost
            email = Email(account_id=account_id, kind=KIND, to_address=person.email, subject=SUBJECT,
                          **_bodies(person, items, runtime.collaborators.settings))
            session.add(email)
            session.flush()
            digest.email_id = email.id
    except _Lost:
        return False
    except IntegrityError as error:
        if is_unique_violation(error):
            return False
        raise
    log.info("weekly digest written", extra={"account_id": account_id, "items": len(items)})
    return True


def _bodies(person: Person, items: list[DigestItem], settings) -> dict[str, str]:
    given = {"display_name": person.display_name or "member",
             "items": [{"subject": item.subject, "body": item.body} for item in items],
             "notices_url": notices.notices_url(settings),
             "preferences_url": unsubscribe.preferences_url(settings.site_url)}
    return {"text": _text.get_template("digest.txt").render(given),
            "html": _html.get_template("digest.html").render(subject=SUBJECT, **given)}
