"""The weekly digest: an email she chose to have weekly is held, and once a week (Monday 08:00 UK time)
one email gathers every held item into the mail outbox, once only, even with many workers at once."""

import dataclasses
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from services.notifications import digest
from services.notifications.sender import send_due_emails
from shared.db import utcnow
from tests.support.telling import choose, settings_of, tell, token_of


def at(notices, moment: dt.datetime) -> None:
    """Make the service's jobs read this moment as now."""
    notices.runtime.collaborators = dataclasses.replace(notices.runtime.collaborators, clock=lambda: moment)


def next_digest_moment() -> dt.datetime:
    """The first Monday 08:00 UK time after now (a minute past it)."""
    return digest.week_start(utcnow() + dt.timedelta(days=7)) + dt.timedelta(minutes=1)


def digest_reader(notices, name="Jo"):
    person = notices.person(name)
    choose(notices, person, proposal_decided="digest")
    return person


def test_the_digest_moment_is_monday_eight_in_the_morning_uk_time_in_summer_and_winter():
    summer = digest.week_start(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC))  # a Wednesday, BST
    winter = digest.week_start(dt.datetime(2026, 12, 7, 7, 59, tzinfo=dt.UTC))  # a Monday, before 08:00 GMT
    assert summer == dt.datetime(2026, 6, 29, 7, tzinfo=dt.UTC)
    assert winter == dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)


def test_an_email_for_the_digest_is_held_and_its_notice_is_written_at_once(notices):
    jo = digest_reader(notices)
    tell(notices, jo, "proposal_decided")
    assert [notice.kind for notice in notices.notices_of(jo.account_id)] == ["proposal_decided"]
    assert notices.emails(jo.account_id) == []
    at(notices, utcnow())
    assert digest.send_weekly_digests(notices.runtime) == 0  # the week's moment has not come since


def test_the_weekly_job_writes_one_digest_with_every_held_item_once(notices):
    jo, sam = digest_reader(notices), notices.person("Sam")
    tell(notices, jo, "proposal_decided")
    tell(notices, jo, "proposal_decided")
    tell(notices, sam, "proposal_decided")  # emailed at once: she did not choose the digest
    at(notices, next_digest_moment())
    assert digest.send_weekly_digests(notices.runtime) == 1
    assert digest.send_weekly_digests(notices.runtime) == 0
    [weekly] = notices.emails(jo.account_id)
    assert weekly.kind == "digest" and weekly.subject == digest.SUBJECT
    assert weekly.text.count("A proposal has been decided") == 2 and "2 notices" in weekly.text
    assert "/notifications/inbox/notices" in weekly.text and weekly.html.count("<li>") == 2
    assert [email.kind for email in notices.emails(sam.account_id)] == ["proposal_decided"]
    assert send_due_emails(notices.runtime) == 2


def test_an_item_held_after_the_weeks_digest_waits_for_the_next_week(notices):
    jo = digest_reader(notices)
    tell(notices, jo, "proposal_decided")
    moment = next_digest_moment()
    at(notices, moment)
    assert digest.send_weekly_digests(notices.runtime) == 1
    tell(notices, jo, "proposal_decided")  # held now, before the moment the clock reads, but
    assert digest.send_weekly_digests(notices.runtime) == 0  # this week's digest is written already
    at(notices, moment + dt.timedelta(days=7))
    assert digest.send_weekly_digests(notices.runtime) == 1
    assert [email.text.count("A proposal has been decided") for email in notices.emails(jo.account_id)] == [1, 1]


def test_many_workers_at_once_write_each_persons_digest_once(notices):
    readers = [digest_reader(notices, name) for name in "ABCD"]
    for reader in readers:
        tell(notices, reader, "proposal_decided")
        tell(notices, reader, "proposal_decided")
    at(notices, next_digest_moment())
    workers = 8  # on PostgreSQL a real race for each (person, week); on SQLite the write lock takes turns
    with ThreadPoolExecutor(workers) as pool:
        written = sum(pool.map(lambda _: digest.send_weekly_digests(notices.runtime), range(workers)))
    assert written == len(readers)
    for reader in readers:
        [weekly] = notices.emails(reader.account_id)
        assert weekly.text.count("A proposal has been decided") == 2


def test_the_digests_own_link_moves_every_digest_kind_to_the_site_only(notices):
    jo = digest_reader(notices)
    token = token_of(notices, jo.account_id, digest.KIND)
    assert notices.client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert settings_of(notices, jo)["proposal_decided"] == "site"
