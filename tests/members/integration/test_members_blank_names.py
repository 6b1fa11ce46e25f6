"""A name of only spaces is refused by members, wherever a name is given (as the other services do)."""

import pytest

BLANK = ["   ", "\t", " \n "]


@pytest.mark.parametrize("blank", BLANK)
def test_an_account_cannot_be_opened_with_a_blank_display_name(client, blank):
    response = client.post("/accounts", json={"email": "jo@example.org", "password": "trombone lantern quietly",
                                              "display_name": blank})
    assert response.status_code == 422 and "display_name" in response.json["errors"]


@pytest.mark.parametrize("blank", BLANK)
def test_an_application_cannot_name_a_blank_business(coop, blank):
    person = coop.account("customer")
    response = coop.client.post("/members", headers=person.headers,
                                json={"kind": "producer", "name": blank, "sectors": ["cards"]})
    assert response.status_code == 422 and "name" in response.json["errors"]


@pytest.mark.parametrize("blank", BLANK)
def test_a_profile_cannot_be_renamed_to_blank(coop, blank):
    member = coop.member()
    response = coop.client.patch(f"/members/{member.member_id}", headers=member.headers, json={"name": blank})
    assert response.status_code == 422 and "name" in response.json["errors"]


def test_a_name_with_spaces_around_words_is_still_welcome(coop):
    person = coop.account("customer")
    response = coop.client.post("/members", headers=person.headers,
                                json={"kind": "producer", "name": " Paper Birds ", "sectors": ["cards"]})
    assert response.status_code == 201
