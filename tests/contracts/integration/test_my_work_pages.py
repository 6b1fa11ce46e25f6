"""A member's own contract work in pages, through the Flask test client: the work offered to her, accepted or
declined by a button; the rest of her work; what she earned and was paid, in pounds. Only her own work:
another member's allocation is neither shown nor answered, and only producer members come in."""

import hashlib

import pytest
from sqlalchemy import select

from services.contracts.models import Allocation
from shared.money import pounds
from tests.support.desk import terms


class Browser:
    """A test client signed in through the pages' session cookie, posting forms with their CSRF token."""

    def __init__(self, desk, trader):
        self.client = desk.app.test_client()
        self.token = trader.headers["Authorization"].removeprefix("Bearer ")
        self.client.set_cookie("coop_token", self.token)

    @property
    def csrf(self) -> str:  # as shared.pages.csrf_token computes it
        return hashlib.sha256(f"coop-csrf:{self.token}".encode()).hexdigest()

    def get(self, path):
        return self.client.get(f"/my-work{path}")

    def post(self, path, form=None):
        return self.client.post(f"/my-work{path}", data={"csrf": self.csrf, **(form or {})})


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


@pytest.fixture
def maker(desk):
    return desk.member(name="Paper Birds Cards", sectors=("cards",))


@pytest.fixture
def offer(desk, coordinator, maker):
    """200 of a signed contract's 500 cards at £2.50, offered to the maker."""
    response = desk.allocate(coordinator, desk.signed(coordinator), maker, 200)
    assert response.status_code == 201, response.json
    return response.json


def state_of(desk, allocation_id) -> str:
    with desk.runtime.db.sessionmaker() as session:
        return session.scalar(select(Allocation.state).where(Allocation.id == allocation_id))


def test_her_page_shows_the_work_offered_to_her_in_pounds(desk, maker, offer):
    page = Browser(desk, maker).get("/").get_data(as_text=True)
    assert "<h1>My contract work</h1>" in page
    assert "200 cards of Hand-made Christmas cards" in page and "£2.50 each, £500.00 in all" in page
    assert f'action="/my-work/{offer["id"]}/accept"' in page


def test_she_accepts_an_offer_with_a_button_and_is_told_so(desk, maker, offer):
    browser = Browser(desk, maker)
    response = browser.post(f"/{offer['id']}/accept")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/my-work/?done=accepted&allocation={offer['id']}")
    assert state_of(desk, offer["id"]) == "accepted"
    page = browser.get(f"/?done=accepted&allocation={offer['id']}").get_data(as_text=True)
    assert "You accepted the work: 200 cards of Hand-made Christmas cards" in page


def test_she_declines_an_offer_and_it_is_free_to_offer_again(desk, coordinator, maker, offer):
    assert Browser(desk, maker).post(f"/{offer['id']}/decline").status_code == 303
    assert state_of(desk, offer["id"]) == "declined"
    contract = desk.client.get(f"/contracts/{offer['contract_id']}", headers=coordinator.headers).json
    assert contract["lines"][0]["remaining"] == 500


def test_one_allocation_page_shows_her_line_its_dates_and_milestones(desk, maker, offer):
    page = Browser(desk, maker).get(f"/{offer['id']}").get_data(as_text=True)
    assert "From 4 Jan 2027 to 5 Mar 2027" in page and "First 250 cards, due 18 Jan 2027" in page
    assert "Accept" in page and "Decline" in page


def test_an_offer_answered_twice_is_refused_with_a_message(desk, maker, offer):
    browser = Browser(desk, maker)
    browser.post(f"/{offer['id']}/accept")
    response = browser.post(f"/{offer['id']}/decline")
    assert response.status_code == 409 and "only an offered one" in response.get_data(as_text=True)
    assert state_of(desk, offer["id"]) == "accepted"


def test_another_member_cannot_accept_or_decline_her_offer(desk, offer):
    other = Browser(desk, desk.member(name="Rival Cards", sectors=("cards",)))
    assert other.post(f"/{offer['id']}/accept").status_code == 403
    assert other.post(f"/{offer['id']}/decline").status_code == 403
    assert state_of(desk, offer["id"]) == "offered"


def test_another_member_neither_sees_her_offer_nor_its_page(desk, offer):
    other = Browser(desk, desk.member(name="Rival Cards", sectors=("cards",)))
    assert other.get(f"/{offer['id']}").status_code == 404
    assert "Hand-made Christmas cards" not in other.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["customer", "coordinator", "employer", "agency"])
def test_people_who_are_not_producer_members_get_a_403_page(desk, offer, role):
    someone = Browser(desk, desk.signed_in(8200, (role,)))
    assert someone.get("/").status_code == 403
    assert someone.post(f"/{offer['id']}/accept").status_code == 403
    assert state_of(desk, offer["id"]) == "offered"


def test_an_answer_without_the_csrf_token_is_refused(desk, maker, offer):
    response = Browser(desk, maker).client.post(f"/my-work/{offer['id']}/accept", data={})
    assert response.status_code == 401 and state_of(desk, offer["id"]) == "offered"


def test_visitors_are_sent_to_sign_in(desk):
    response = desk.app.test_client().get("/my-work/")
    assert response.status_code == 302 and "/my-work/sign-in" in response.headers["Location"]


def test_what_she_earned_from_a_completed_contract_shows_in_pounds_and_not_yet_paid(desk, coordinator, maker):
    contract = desk.signed(coordinator, terms=terms(milestones=[]))
    offer = desk.allocate(coordinator, contract, maker, 500).json
    Browser(desk, maker).post(f"/{offer['id']}/accept")
    page = Browser(desk, maker).get("/").get_data(as_text=True)
    assert '<strong id="to-do">£1,250.00</strong>' in page and '<strong id="earned">£0.00</strong>' in page
    desk.moved(coordinator, desk.moved(coordinator, desk.get(coordinator, contract), "start"), "complete")

    [share] = desk.client.get("/my/shares", headers=maker.headers).json
    page = Browser(desk, maker).get("/").get_data(as_text=True)
    assert f'<strong id="earned">{pounds(share["net_pence"])}</strong>' in page
    assert '<strong id="paid">£0.00</strong>' in page and "Not paid yet" in page
    assert f"{pounds(share['fee_pence'])}" in page and '<strong id="to-do">£0.00</strong>' in page
