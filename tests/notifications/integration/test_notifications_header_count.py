"""The unread count every page header shows: asked of the notices pages with the session cookie."""

from shared.pages import COOKIE


def signed_in_browser(notices, person):
    notices.client.set_cookie(COOKIE, person.headers["Authorization"].split()[1])


def test_the_count_is_her_unread_notices_with_her_session_cookie(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    notices.admit(jo, "First Co")
    notices.admit(jo, "Second Co")
    notices.admit(sam, "Sam's Co")
    signed_in_browser(notices, jo)
    response = notices.client.get("/inbox/unread-count")
    assert response.status_code == 200 and response.json == {"unread": 2}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_visitor_gets_no_count_and_no_redirect(notices):
    response = notices.client.get("/inbox/unread-count")
    assert response.status_code == 401 and response.json == {"unread": None}


def test_the_notices_page_header_links_to_her_notices_with_the_count_script(notices):
    jo = notices.person("Jo")
    signed_in_browser(notices, jo)
    text = notices.client.get("/inbox/notices").get_data(as_text=True)
    assert 'href="/notifications/inbox/notices"' in text
    assert 'data-unread-url="/notifications/inbox/unread-count"' in text
    assert "/coop-static/coop-unread.js" in text
    assert notices.client.get("/coop-static/coop-unread.js").status_code == 200
