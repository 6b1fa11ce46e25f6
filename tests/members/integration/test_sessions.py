"""Sign-in sessions through the members API: short access tokens, refresh tokens that rotate and that
sign-out, suspension, leaving and a password change revoke; and member powers that end in every
service as soon as its own copy of the member hears of a suspension."""

import datetime as dt

import jwt
import pytest
from sqlalchemy import func, select

from services.members import membership, refresh_tokens
from services.members.models import SignInSession
from shared.auth import Principal
from shared.db import utcnow
from tests.support.factories import PASSWORD


def sign_in(client, email, password=PASSWORD):
    return client.post("/tokens", json={"email": email, "password": password})


def refresh(client, refresh_token):
    return client.post("/tokens/refresh", json={"refresh_token": refresh_token})


def claims(access_token: str) -> dict:
    return jwt.decode(access_token, options={"verify_signature": False})


def sessions_in(coop) -> int:
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(SignInSession))


def change_status(coop, person, action):
    coordinator = Principal(person.account_id, ("coordinator",))
    with coop.runtime.db.transaction() as session:
        membership.change_status(session, person.member_id, action, coordinator, reason="test")


@pytest.fixture
def no_grace(coop, monkeypatch):
    """No grace for a refresh token presented twice: the second use is reuse at once."""
    coop.change_settings(refresh_reuse_grace_seconds=0)


def test_an_access_token_lives_minutes_and_comes_with_a_refresh_token(coop, client):
    person = coop.account("customer")
    body = sign_in(client, person.email).json
    token = claims(body["access_token"])
    assert token["exp"] - token["iat"] == body["expires_in"] == 5 * 60
    assert body["refresh_token"] and body["refresh_expires_in"] > 24 * 3600
    assert token["sid"]


def test_the_refresh_token_is_stored_only_as_a_hash(coop, client):
    person = coop.account("customer")
    refresh_token = sign_in(client, person.email).json["refresh_token"]
    with coop.runtime.db.sessionmaker() as session:
        stored = session.scalars(select(SignInSession.token_hash)).all()
    assert stored and refresh_token not in stored


def test_a_refresh_gives_new_tokens_and_uses_the_old_refresh_token_up(coop, client):
    person = coop.account("customer")
    first = sign_in(client, person.email).json
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 201, second.json
    assert second.json["refresh_token"] != first["refresh_token"]
    assert claims(second.json["access_token"])["sid"] == claims(first["access_token"])["sid"]
    assert refresh(client, first["refresh_token"]).status_code == 401
    assert refresh(client, second.json["refresh_token"]).status_code == 201


def test_a_refresh_token_used_again_after_its_rotation_ends_the_whole_sign_in(coop, client, no_grace):
    person = coop.account("customer")
    stolen = sign_in(client, person.email).json["refresh_token"]
    rightful = refresh(client, stolen).json["refresh_token"]
    assert refresh(client, stolen).status_code == 401  # the thief, or the owner, replays the old one
    assert refresh(client, rightful).status_code == 401  # and the copy that looked good is dead too


def test_a_refresh_token_used_again_within_the_grace_is_refused_but_the_sign_in_goes_on(coop, client):
    person = coop.account("customer")
    first = sign_in(client, person.email).json["refresh_token"]
    second = refresh(client, first).json["refresh_token"]
    assert refresh(client, first).status_code == 401
    assert refresh(client, second).status_code == 201


def test_an_unknown_refresh_token_is_refused(client):
    assert refresh(client, "not-a-token").status_code == 401


def test_after_signing_out_the_refresh_token_is_refused(coop, client):
    person = coop.account("customer")
    refresh_token = sign_in(client, person.email).json["refresh_token"]
    assert client.post("/tokens/revoke", json={"refresh_token": refresh_token}).status_code == 204
    assert refresh(client, refresh_token).status_code == 401


def test_signing_out_with_an_unknown_token_says_the_same(client):
    assert client.post("/tokens/revoke", json={"refresh_token": "nothing"}).status_code == 204


def test_a_suspended_members_fresh_sign_in_has_no_member_role(coop, client):
    suspended = coop.member(status="suspended")
    token = sign_in(client, suspended.email).json["access_token"]
    assert "member" not in claims(token)["roles"]
    assert claims(token)["member_id"] == suspended.member_id


def test_an_active_members_sign_in_has_the_member_role(coop, client):
    active = coop.member()
    assert "member" in claims(sign_in(client, active.email).json["access_token"])["roles"]


def test_a_reinstated_member_signs_in_as_a_member_again(coop, client):
    member = coop.member(status="suspended")
    change_status(coop, member, "reinstate")
    assert "member" in claims(sign_in(client, member.email).json["access_token"])["roles"]


@pytest.mark.parametrize("action", ["suspend", "leave"])
def test_suspension_and_leaving_revoke_every_refresh_token(coop, client, action):
    member = coop.member()
    refresh_token = sign_in(client, member.email).json["refresh_token"]
    change_status(coop, member, action)
    assert refresh(client, refresh_token).status_code == 401


def test_a_refresh_after_suspension_is_refused_so_the_member_role_lasts_minutes_at_most(coop, client):
    member = coop.member()
    body = sign_in(client, member.email).json
    coordinator = coop.coordinator()
    response = client.post(f"/members/{member.member_id}/suspend", json={"reason": "unpaid"},
                           headers=coordinator.headers)
    assert response.status_code == 200, response.json
    assert refresh(client, body["refresh_token"]).status_code == 401


def test_a_password_change_ends_her_other_sign_ins_but_not_this_one(coop, client):
    person = coop.account("customer")
    elsewhere = sign_in(client, person.email).json
    here = sign_in(client, person.email).json
    response = client.post("/accounts/me/password", headers={"Authorization": f"Bearer {here['access_token']}"},
                           json={"current_password": PASSWORD, "new_password": "a quite different passphrase"})
    assert response.status_code == 204, response.json
    assert refresh(client, elsewhere["refresh_token"]).status_code == 401
    assert refresh(client, here["refresh_token"]).status_code == 201


def test_each_sign_in_opens_one_session(coop, client):
    person = coop.account("customer")
    before = sessions_in(coop)
    sign_in(client, person.email)
    assert sessions_in(coop) == before + 1
    assert sign_in(client, person.email, "wrong password").status_code == 401
    assert sessions_in(coop) == before + 1


# In the other services: her token may say "member" for minutes yet; their own copy of her says not.

def test_after_the_suspension_reaches_the_marketplace_her_old_token_cannot_edit_listings(market):
    seller = market.member()
    listing = market.listing(seller)
    market.member_event("member.suspended", seller)
    response = market.client.patch(f"/shop/listings/{listing['id']}", json={"title": "Still mine"},
                                   headers=seller.headers)
    assert response.status_code == 403


def test_after_the_suspension_reaches_the_marketplace_her_old_token_cannot_set_stock(market):
    seller = market.member()
    listing = market.listing(seller)
    variant_id = listing["variants"][0]["id"]
    market.member_event("member.suspended", seller)
    response = market.client.put(f"/shop/listings/{listing['id']}/variants/{variant_id}/stock", json={"stock": 99},
                                 headers=seller.headers)
    assert response.status_code == 403


@pytest.mark.parametrize("action", ["publish", "withdraw"])
def test_after_leaving_her_old_token_cannot_publish_or_withdraw(market, action):
    seller = market.member()
    listing = market.listing(seller, publish=action == "withdraw")
    market.member_event("member.left", seller)
    response = market.client.post(f"/shop/listings/{listing['id']}/{action}", headers=seller.headers)
    assert response.status_code == 403


def test_after_suspension_her_old_token_cannot_add_a_listing(market):
    seller = market.member()
    market.member_event("member.suspended", seller)
    response = market.client.post("/shop/listings", headers=seller.headers,
                                  json={"kind": "goods", "title": "Wren card", "category": "cards",
                                        "price_pence": 300, "stock": 3})
    assert response.status_code == 403


def test_a_reinstated_seller_edits_her_listings_again(market):
    seller = market.member()
    listing = market.listing(seller)
    market.member_event("member.suspended", seller)
    market.member_event("member.reinstated", seller)
    response = market.client.patch(f"/shop/listings/{listing['id']}", json={"title": "Mine again"},
                                   headers=seller.headers)
    assert response.status_code == 200


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_after_the_suspension_reaches_contracts_her_old_token_cannot_answer_an_offer(desk, answer):
    coordinator, maker = desk.coordinator(), desk.member(sectors=("cards",))
    signed = desk.signed(coordinator)
    offered = desk.allocate(coordinator, signed, maker, 10).json
    desk.member_event("member.suspended", maker)
    response = desk.client.post(f"/allocations/{offered['id']}/{answer}", headers=maker.headers)
    assert response.status_code == 403


def test_spent_refresh_tokens_are_cleared_out_but_live_ones_and_recently_used_ones_kept(coop, client):
    person = coop.account("customer")
    used = sign_in(client, person.email).json["refresh_token"]
    live = refresh(client, used).json["refresh_token"]
    with coop.runtime.db.transaction() as session:
        assert refresh_tokens.forget_spent(session, utcnow(), days=14) == 0  # the used one still tells reuse apart
    with coop.runtime.db.transaction() as session:
        assert refresh_tokens.forget_spent(session, utcnow() + dt.timedelta(days=14, minutes=1), days=14) == 2
    assert refresh(client, live).status_code == 401  # deleted: a fortnight on, both were spent
