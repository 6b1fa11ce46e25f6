"""The coordinators' desk through the Flask test client: each page for coordinators only, forms that make
the same moves as the API, a stale form refused with a message, bad input changing nothing."""

import hashlib

import pytest

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
        return self.client.get(f"/desk{path}")

    def post(self, path, form=None):
        return self.client.post(f"/desk{path}", data={"csrf": self.csrf, **(form or {})})


TERMS_FORM = {"line_description_1": "Christmas cards", "line_quantity_1": "500", "line_unit_1": "cards",
              "line_price_1": "2.50", "start_on": "2027-01-04", "end_on": "2027-03-05", "payment_terms_days": "30",
              "milestone_title_1": "All cards", "milestone_due_1": "2027-02-01", "clauses": "Packed in tens."}


@pytest.fixture
def coordinator(desk):
    return desk.coordinator()


@pytest.fixture
def browser(desk, coordinator):
    return Browser(desk, coordinator)


@pytest.mark.parametrize("path", ["/", "/buyers", "/contracts/new", "/invoices"])
def test_each_page_renders_for_a_coordinator(browser, path):
    response = browser.get(path)
    assert response.status_code == 200 and "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "customer", "employer", "agency"])
def test_others_get_a_403_page(desk, role, path="/"):
    assert Browser(desk, desk.signed_in(8100, (role,))).get(path).status_code == 403


def test_visitors_are_sent_to_sign_in(desk):
    response = desk.app.test_client().get("/desk/")
    assert response.status_code == 302 and "/desk/sign-in" in response.headers["Location"]


def test_a_coordinator_adds_a_buyer_and_a_contract_through_the_forms(desk, browser):
    assert browser.post("/buyers", {"name": "Leaf & Co", "contact_name": "Sam", "email": "sam@leaf.example",
                                    "address": "Leeds"}).status_code == 302
    buyer_id = desk.client.get("/buyers", headers=desk.coordinator().headers).json[0]["id"]
    response = browser.post("/contracts/new", {"buyer_id": str(buyer_id), "title": "Cards", "sector": "cards",
                                               **TERMS_FORM})
    assert response.status_code == 302
    page = browser.get(response.headers["Location"].split("/desk", 1)[1]).get_data(as_text=True)
    assert "Cards" in page and "£1,250.00" in page and "draft" in page


def test_a_counter_offer_shows_the_changed_fields_highlighted(desk, coordinator, browser):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")
    response = browser.post(f"/contracts/{contract['id']}/counter", {
        "version": str(contract["version"]), "party": "buyer", **TERMS_FORM, "line_quantity_1": "600",
        "line_price_1": "2.20"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = browser.get(f"/contracts/{contract['id']}").get_data(as_text=True)
    assert "<mark>600</mark>" in page and "<mark>£2.20</mark>" in page and 'class="changed"' in page
    assert "<li>Line 1: Unit price £2.50 → £2.20</li>" in page and "unit_price_pence" not in page


def test_the_members_named_in_the_terms_are_shown_by_name(desk, coordinator, browser):
    cards, dogs = desk.member(name="Paper Birds Cards"), desk.member(name="Wagtails Dog Grooming")
    contract = desk.moved(coordinator, desk.contract(coordinator, terms=terms(member_ids=[cards.member_id])),
                          "propose")
    desk.moved(coordinator, contract, "rounds", {"party": "buyer", "terms": terms(member_ids=[dogs.member_id])})
    page = browser.get(f"/contracts/{contract['id']}").get_data(as_text=True)
    assert "<li>Member business 1 Paper Birds Cards → Wagtails Dog Grooming</li>" in page
    assert "<mark>Wagtails Dog Grooming</mark>" in page and "member_ids[0]" not in page


def test_a_form_made_from_an_old_version_is_refused_with_a_message(desk, coordinator, browser):
    contract = desk.contract(coordinator)
    desk.moved(coordinator, contract, "propose")
    response = browser.post(f"/contracts/{contract['id']}/withdraw", {"version": str(contract["version"]),
                                                                      "reason": "Stale"})
    assert response.status_code == 409 and "changed since you read it" in response.get_data(as_text=True)
    assert desk.get(coordinator, contract)["state"] == "proposed"


def test_bad_terms_show_a_422_page_and_change_nothing(desk, coordinator, browser):
    contract = desk.moved(coordinator, desk.contract(coordinator), "propose")
    response = browser.post(f"/contracts/{contract['id']}/counter", {
        "version": str(contract["version"]), "party": "buyer", **TERMS_FORM, "line_quantity_1": "0"})
    assert response.status_code == 422
    assert len(desk.get(coordinator, contract)["rounds"]) == 1


def test_a_form_without_the_csrf_token_is_refused(desk, coordinator, browser):
    contract = desk.contract(coordinator)
    response = browser.client.post(f"/desk/contracts/{contract['id']}/propose", data={"version": "1"})
    assert response.status_code == 401
    assert desk.get(coordinator, contract)["state"] == "draft"


def test_work_is_allocated_and_milestones_marked_on_the_work_page(desk, coordinator, browser):
    maker = desk.member(name="Paper Birds Cards")
    contract = desk.signed(coordinator)
    assert "Paper Birds Cards" in browser.get(f"/contracts/{contract['id']}/work").get_data(as_text=True)
    response = browser.post(f"/contracts/{contract['id']}/work", {"action": "allocate",
                            "member_id": str(maker.member_id), "line": "0", "quantity": "500"})
    assert response.status_code == 302
    assert desk.get(coordinator, contract)["lines"][0]["remaining"] == 0


def test_work_is_handed_on_only_from_the_work_page_of_its_own_contract(desk, coordinator, browser):
    maker, other = desk.member(), desk.member()
    contract, unrelated = desk.signed(coordinator), desk.signed(coordinator)
    offer = desk.allocate(coordinator, contract, maker, 100).json
    form = {"action": "reallocate", "allocation_id": str(offer["id"]), "member_id": str(other.member_id)}

    assert browser.post(f"/contracts/{unrelated['id']}/work", form).status_code == 404
    assert browser.post("/contracts/999999/work", form).status_code == 404
    assert browser.post(f"/contracts/{contract['id']}/work", form).status_code == 302
    states = {a["member_id"]: a["state"] for a in desk.client.get(
        f"/contracts/{contract['id']}/allocations", headers=coordinator.headers).json}
    assert states == {maker.member_id: "reallocated", other.member_id: "offered"}


def test_an_invoice_page_shows_the_totals(desk, coordinator, browser):
    maker = desk.member()
    contract = desk.signed(coordinator, terms=terms(milestones=[]))
    offer = desk.allocate(coordinator, contract, maker, 500).json
    desk.client.post(f"/allocations/{offer['id']}/accept", headers=maker.headers)
    started = desk.moved(coordinator, desk.get(coordinator, contract), "start")
    desk.moved(coordinator, started, "complete")
    [invoice] = desk.client.get("/invoices", headers=coordinator.headers).json
    page = browser.get(f"/invoices/{invoice['id']}").get_data(as_text=True)
    assert "INV-000001" in page and "£1,250.00" in page and "VAT" not in page


def test_a_new_contract_names_the_member_businesses_ticked_on_the_form(desk, coordinator, browser):
    cards = desk.member(name="Paper Birds Cards")
    buyer = desk.buyer(coordinator)
    response = browser.post("/contracts/new", {"buyer_id": str(buyer["id"]), "title": "Cards", "sector": "cards",
                                               **TERMS_FORM, "member_ids": str(cards.member_id)})
    assert response.status_code == 302
    contract_id = int(response.headers["Location"].rsplit("/", 1)[1])
    [first] = desk.client.get(f"/contracts/{contract_id}", headers=coordinator.headers).json["rounds"]
    assert first["terms"]["member_ids"] == [cards.member_id]


def test_a_counter_offer_form_keeps_the_members_named_unless_they_are_unticked(desk, coordinator, browser):
    cards = desk.member(name="Paper Birds Cards")
    contract = desk.moved(coordinator, desk.contract(coordinator, terms=terms(member_ids=[cards.member_id])),
                          "propose")
    page = browser.get(f"/contracts/{contract['id']}").get_data(as_text=True)
    assert f'name="member_ids" value="{cards.member_id}" checked' in page
    response = browser.post(f"/contracts/{contract['id']}/counter", {
        "version": str(contract["version"]), "party": "buyer", **TERMS_FORM, "member_ids": str(cards.member_id)})
    assert response.status_code == 302
    rounds = desk.get(coordinator, contract)["rounds"]
    assert rounds[-1]["terms"]["member_ids"] == [cards.member_id]
