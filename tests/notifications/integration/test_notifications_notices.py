"""A person's notices, through the API and the page: her own only, unread first, marked read by her."""

from sqlalchemy import update

from services.notifications.models import Notice
from services.notifications.web.pages.site import UK
from shared.db import utcnow
from shared.pages import COOKIE


def told(notices, person, *names):
    for name in names:
        notices.admit(person, name)
    return notices.notices_of(person.account_id)


def test_she_sees_only_her_own_notices_unread_first_then_newest(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    first, second, third = told(notices, jo, "First Co", "Second Co", "Third Co")
    told(notices, sam, "Sam's Co")
    with notices.runtime.db.transaction() as session:
        session.execute(update(Notice).where(Notice.id == third.id).values(read_at=utcnow()))
    response = notices.client.get("/notices", headers=jo.headers)
    assert response.status_code == 200
    assert [item["id"] for item in response.json] == [second.id, first.id, third.id]
    assert "Sam's Co" not in response.get_data(as_text=True)
    assert response.headers["X-Pagination"]


def test_the_list_is_paginated_like_the_others(notices):
    jo = notices.person("Jo")
    told(notices, jo, "A", "B", "C")
    response = notices.client.get("/notices?page=2&page_size=2", headers=jo.headers)
    assert response.status_code == 200 and len(response.json) == 1
    assert '"total": 3' in response.headers["X-Pagination"]


def test_the_unread_count_goes_down_when_she_marks_one_read(notices):
    jo = notices.person("Jo")
    first, _second = told(notices, jo, "A", "B")
    assert notices.client.get("/notices/unread-count", headers=jo.headers).json == {"unread": 2}
    response = notices.client.post(f"/notices/{first.id}/read", headers=jo.headers)
    assert response.status_code == 200 and response.json["read_at"]
    assert notices.client.get("/notices/unread-count", headers=jo.headers).json == {"unread": 1}
    again = notices.client.post(f"/notices/{first.id}/read", headers=jo.headers)
    assert again.json["read_at"] == response.json["read_at"]


def test_someone_elses_notice_is_not_found_and_stays_unread(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    [hers] = told(notices, jo, "A")
    response = notices.client.post(f"/notices/{hers.id}/read", headers=sam.headers)
    assert response.status_code == 404
    assert notices.client.post("/notices/999999/read", headers=sam.headers).status_code == 404
    assert notices.notices_of(jo.account_id)[0].read_at is None


def test_the_notices_need_a_signed_in_caller(notices):
    assert notices.client.get("/notices").status_code == 401
    assert notices.client.get("/notices/unread-count").status_code == 401


def test_the_page_lists_her_notices_and_marks_one_read(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    [hers] = told(notices, jo, "Paper Birds Cards")
    told(notices, sam, "Leeds Soap")
    token = jo.headers["Authorization"].split()[1]
    notices.client.set_cookie(COOKIE, token)
    page = notices.client.get("/inbox/notices")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "Paper Birds Cards" in text and "Leeds Soap" not in text and "1 unread" in text
    assert hers.created_at.astimezone(UK).strftime("%H:%M") in text  # in UK time
    csrf = text.split('name="csrf" value="')[1].split('"')[0]
    marked = notices.client.post(f"/inbox/notices/{hers.id}/read", data={"csrf": csrf})
    assert marked.status_code == 303
    assert notices.notices_of(jo.account_id)[0].read_at is not None
    assert "Nothing unread" in notices.client.get("/inbox/notices").get_data(as_text=True)


def test_the_page_sends_a_visitor_to_sign_in(notices):
    response = notices.client.get("/inbox/notices")
    assert response.status_code == 302 and "/inbox/sign-in" in response.headers["Location"]
