"""Each person's notification preferences: email by default, the site only, or the weekly digest for a
chatty kind; read and changed by her alone, through the API and the page; a refusal changes nothing."""

from services.notifications import messages
from shared.pages import COOKIE
from tests.support.telling import choose, settings_of, tell


def test_every_kind_is_emailed_until_she_says_otherwise(notices):
    jo = notices.person("Jo")
    response = notices.client.get("/preferences", headers=jo.headers)
    assert response.status_code == 200
    shown = {item["kind"]: item for item in response.json["preferences"]}
    assert set(shown) == set(messages.KINDS)
    assert {item["setting"] for item in shown.values()} == {"email"}
    assert shown["proposal_decided"]["choices"] == ["email", "site", "digest"]
    assert shown["member_admitted"]["choices"] == ["email", "site"] and shown["member_admitted"]["label"]


def test_a_change_is_read_back_and_the_kinds_not_named_stay_as_they_were(notices):
    jo = notices.person("Jo")
    choose(notices, jo, proposal_decided="digest")
    choose(notices, jo, member_admitted="site")
    assert settings_of(notices, jo) == {**{kind: "email" for kind in messages.KINDS},
                                        "proposal_decided": "digest", "member_admitted": "site"}


def test_an_unknown_kind_or_a_digest_for_a_kind_that_cannot_wait_is_refused_and_nothing_changes(notices):
    jo = notices.person("Jo")
    before = settings_of(notices, jo)
    for wrong in ({"proposal_decided": "site", "no_such_kind": "site"},
                  {"proposal_decided": "site", "member_admitted": "digest"},
                  {"proposal_decided": "site", "verify_email": "site"},
                  {"proposal_decided": "never"}):
        response = notices.client.patch("/preferences", json={"settings": wrong}, headers=jo.headers)
        assert response.status_code == 422, wrong
        assert response.mimetype == "application/problem+json"
    assert settings_of(notices, jo) == before


def test_her_preferences_are_hers_alone_and_need_her_signed_in(notices):
    jo, sam = notices.person("Jo"), notices.person("Sam")
    choose(notices, sam, member_admitted="site")
    assert settings_of(notices, jo)["member_admitted"] == "email"
    assert notices.client.get("/preferences").status_code == 401
    assert notices.client.patch("/preferences", json={"settings": {"member_admitted": "site"}}).status_code == 401


def test_a_kind_on_the_site_only_gives_a_notice_and_no_email(notices):
    jo = notices.person("Jo")
    choose(notices, jo, member_admitted="site")
    notices.admit(jo, "Paper Birds Cards")
    assert [notice.kind for notice in notices.notices_of(jo.account_id)] == ["member_admitted"]
    assert notices.emails(jo.account_id) == []


def test_a_kind_left_on_email_is_emailed_at_once(notices):
    jo = notices.person("Jo")
    choose(notices, jo, member_admitted="site")
    tell(notices, jo, "proposal_decided")
    assert [email.kind for email in notices.emails(jo.account_id)] == ["proposal_decided"]


def test_the_page_shows_her_choices_as_radio_buttons_and_saves_them(notices):
    jo = notices.person("Jo")
    notices.client.set_cookie(COOKIE, jo.headers["Authorization"].split()[1])
    assert "/inbox/preferences" in notices.client.get("/inbox/notices").get_data(as_text=True)
    page = notices.client.get("/inbox/preferences")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="radio" name="kind-proposal_decided" value="digest"' in text
    assert 'name="kind-member_admitted" value="digest"' not in text
    csrf = text.split('name="csrf" value="')[1].split('"')[0]
    saved = notices.client.post("/inbox/preferences", data={"csrf": csrf, "kind-proposal_decided": "digest",
                                                            "kind-member_admitted": "email"})
    assert saved.status_code == 303
    assert "Saved" in notices.client.get(saved.headers["Location"]).get_data(as_text=True)
    assert settings_of(notices, jo)["proposal_decided"] == "digest"


def test_the_page_refuses_a_form_without_its_csrf_token(notices):
    jo = notices.person("Jo")
    notices.client.set_cookie(COOKIE, jo.headers["Authorization"].split()[1])
    refused = notices.client.post("/inbox/preferences", data={"kind-member_admitted": "site"})
    assert refused.status_code == 401
    assert settings_of(notices, jo)["member_admitted"] == "email"
