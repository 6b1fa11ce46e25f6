"""An admission reaches the notifications service through the backbone, with both services' workers
running: on SQLite + memory:// and, in the real pass, on PostgreSQL + RabbitMQ. The applicant's account
arrives first (account.registered), then the welcome is written, and the sender job mails it."""

import pytest

from tests.support.waiting import stays, wait_for


@pytest.fixture
def services(coop, notices):
    for runtime in (coop.runtime, notices.runtime):
        runtime.start_worker()
    for runtime in (coop.runtime, notices.runtime):
        wait_for(runtime.consumer().ready.is_set, timeout=30)
    return coop, notices


def test_an_admitted_applicant_is_welcomed_on_the_site_and_by_mail_once(services, settings):
    coop, notices = services
    applicant, coordinator = coop.member(status="applicant"), coop.coordinator()
    # Her address verified (as the members service says once she follows its link): she is emailed too.
    assert notices.deliver_raw("account.email_verified", {"account_id": applicant.account_id}) == "handled"
    response = coop.client.post(f"/members/{applicant.member_id}/admit", json={}, headers=coordinator.headers)
    assert response.status_code == 200, response.json
    [notice] = wait_for(lambda: notices.notices_of(applicant.account_id), timeout=30)
    assert notice.subject == "Welcome: you are a member"
    [email] = wait_for(lambda: [e for e in notices.emails(applicant.account_id) if e.status == "sent"], timeout=30)
    assert (settings.data_dir / "mail" / f"{email.message_id}.eml").exists()
    assert stays(lambda: len(notices.emails()) == 1 and len(notices.notices_of(applicant.account_id)) == 1,
                 seconds=1.0)
