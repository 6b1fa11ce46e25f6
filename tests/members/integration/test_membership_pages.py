"""A member's membership pages: her number, share, status and history; her record month by month; asking
for job brokering and changing her mind. Who she is comes from her sign-in, never from the URL or form."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from services.members.models import Member
from tests.support.impact_pages import deliver_all, sale
from tests.support.member_pages import MemberBrowser
from tests.support.outbox import published_types

PAGE = "/my-membership/"


def test_a_member_sees_her_number_share_status_and_history(coop):
    member = coop.member(name="Paper Birds Cards")
    page = MemberBrowser(coop, member).get(PAGE)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Paper Birds Cards" in text
    with coop.runtime.db.sessionmaker() as session:
        number = session.get(Member, member.member_id).member_number
    assert f'<td id="member-number">{number}</td>' in text
    assert '<td id="member-share">£1.00' in text
    assert '<td id="member-status">Active</td>' in text
    assert "Applicant" in text and "demo" not in text  # the history: applied, then admitted


def test_a_suspended_member_sees_her_status_and_the_reason(coop):
    member = coop.member(status="suspended")
    text = MemberBrowser(coop, member).get(PAGE).get_data(as_text=True)
    assert '<td id="member-status">Suspended</td>' in text
    assert "Suspended" in text


def test_an_agency_member_sees_its_membership_through_its_representative(coop):
    agency = coop.member(kind="agency", sectors=(), name="New Roots Trust")
    text = MemberBrowser(coop, agency).get(PAGE).get_data(as_text=True)
    assert "New Roots Trust" in text and "Support agency member" in text
    assert "Ask for job brokering" not in text  # job brokering is for producers


def test_a_customer_without_a_membership_is_told_so_not_shown_an_error(coop):
    customer = coop.account("customer")
    page = MemberBrowser(coop, customer).get(PAGE)
    assert page.status_code == 404
    assert "no membership" in page.get_data(as_text=True)


def test_a_visitor_is_sent_to_sign_in(coop):
    page = coop.app.test_client().get(PAGE)
    assert page.status_code == 302
    assert "/my-membership/sign-in" in page.headers["Location"]


def test_her_record_shows_her_sales_in_pounds_month_by_month(coop):
    member = coop.member()
    deliver_all(coop, [sale(member.member_id, 1_250, when=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))])
    page = MemberBrowser(coop, member).get("/my-membership/record")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "March 2026" in text and "£12.50" in text and "£11.25" in text


def test_her_record_is_hers_whatever_member_id_the_url_names(coop):
    member, other = coop.member(), coop.member()
    deliver_all(coop, [sale(other.member_id, 9_900)])
    text = MemberBrowser(coop, member).get(f"/my-membership/record?member_id={other.member_id}").get_data(as_text=True)
    assert "£99.00" not in text
    assert "Nothing yet" in text


def test_asking_for_job_brokering_publishes_it_and_says_so(coop):
    member = coop.member()
    browser = MemberBrowser(coop, member)
    answer = browser.post("/my-membership/job-brokering")
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/my-membership/?done=asked")
    text = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "job brokering has been asked" in text
    assert "changed my mind" in text
    assert "member.seeking_work" in published_types(coop)


def test_changing_her_mind_back_withdraws_and_publishes_it(coop):
    member = coop.member()
    browser = MemberBrowser(coop, member)
    browser.post("/my-membership/job-brokering")
    answer = browser.post("/my-membership/job-brokering/withdraw")
    assert answer.status_code == 303
    assert "no longer asking" in browser.get(answer.headers["Location"]).get_data(as_text=True)
    with coop.runtime.db.sessionmaker() as session:
        assert session.scalar(select(Member.seeking_work_since).where(Member.id == member.member_id)) is None
    assert "member.stopped_seeking_work" in published_types(coop)


def test_withdrawing_what_she_never_asked_for_is_refused_cleanly(coop):
    answer = MemberBrowser(coop, coop.member()).post("/my-membership/job-brokering/withdraw")
    assert answer.status_code == 409
    assert 'role="alert"' in answer.get_data(as_text=True)


def test_asking_twice_is_refused_cleanly(coop):
    browser = MemberBrowser(coop, coop.member())
    browser.post("/my-membership/job-brokering")
    assert browser.post("/my-membership/job-brokering").status_code == 409


def test_a_form_without_the_csrf_token_changes_nothing(coop):
    member = coop.member()
    answer = MemberBrowser(coop, member).post("/my-membership/job-brokering", csrf="forged")
    assert answer.status_code == 401
    with coop.runtime.db.sessionmaker() as session:
        assert session.get(Member, member.member_id).seeking_work_since is None


def test_a_customer_cannot_ask_for_job_brokering(coop):
    assert MemberBrowser(coop, coop.account("customer")).post("/my-membership/job-brokering").status_code == 404


def test_the_api_withdraws_a_wish_for_job_brokering_for_the_member_only(coop):
    member, other = coop.member(), coop.member()
    assert coop.client.post(f"/members/{member.member_id}/seeking-work", headers=member.headers).status_code == 200
    assert coop.client.delete(f"/members/{member.member_id}/seeking-work", headers=other.headers).status_code == 403
    answer = coop.client.delete(f"/members/{member.member_id}/seeking-work", headers=member.headers)
    assert answer.status_code == 200 and answer.json["seeking_work_since"] is None
