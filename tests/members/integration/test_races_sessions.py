"""Many refreshes of one refresh token at once, through a real threaded server: one new session, no 5xx.

On PostgreSQL this is a real race (the conditional update that uses the token up is the lock); on
SQLite the write lock serialises the requests, and the same answers must come out.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.members.models import SignInSession
from tests.support.concurrency import N, at_once, no_server_errors, serve, statuses
from tests.support.factories import PASSWORD


@pytest.fixture
def server(coop):
    with serve(coop.app) as running:
        yield running


def sessions_of(coop, account_id: int) -> int:
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(SignInSession)
                              .where(SignInSession.account_id == account_id))


def test_one_refresh_token_refreshed_many_times_at_once_gives_exactly_one_new_session(coop, server):
    # All the racers count as within the grace however long a loaded machine takes to run them (the
    # grace itself is tested in test_sessions.py): this test is about the race alone.
    coop.change_settings(refresh_reuse_grace_seconds=3600)
    person = coop.account("customer")
    signed_in = server.post("/tokens", {"email": person.email, "password": PASSWORD})
    assert signed_in.status == 201, signed_in.body
    token = signed_in.body["refresh_token"]
    answers = at_once([lambda: server.post("/tokens/refresh", {"refresh_token": token}) for _ in range(N)])
    assert no_server_errors(answers), statuses(answers)
    assert statuses(answers) == {201: 1, 401: N - 1}, statuses(answers)
    assert sessions_of(coop, person.account_id) == 2  # the sign-in's first token, and the one new one
    [winner] = [answer.body for answer in answers if answer.status == 201]
    # The losers came within the grace: the sign-in goes on with the winner's token.
    assert server.post("/tokens/refresh", {"refresh_token": winner["refresh_token"]}).status == 201
