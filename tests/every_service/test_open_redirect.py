"""No open redirect: every sign-in page and every page that follows a ``next`` refuses the known
bypasses and goes to the service's own home instead."""

import re

import pytest

from tests.support.factories import PASSWORD

BYPASSES = ["//evil.example/", "/\\evil.example/", "/%5Cevil.example/", "/%09/evil.example/",
            "/\t/evil.example/", "/\n/evil.example/", "/%2F/evil.example/", "/%252F/evil.example/",
            "https://evil.example/", "http:evil.example", "javascript:alert(1)", "\\\\evil.example"]

# Each service's sign-in page, and the home it falls back to.
SIGN_IN_PAGES = [("coop", "/impact/sign-in", "/impact/"), ("market", "/store/sign-in", "/store/"),
                 ("desk", "/desk/sign-in", "/desk/"), ("agency", "/jobs/sign-in", "/jobs/"),
                 ("notices", "/inbox/sign-in", "/inbox/")]


def next_in_form(html: str) -> str:
    return re.search(r'name="next" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("target", BYPASSES)
@pytest.mark.parametrize(("service", "path", "home"), SIGN_IN_PAGES)
def test_no_sign_in_page_carries_a_next_that_leaves_the_site(request, service, path, home, target):
    client = request.getfixturevalue(service).client
    response = client.get(path, query_string={"next": target})
    assert response.status_code == 200
    assert next_in_form(response.get_data(as_text=True)) == home


def sign_in_form_token(client) -> str:
    html = client.get("/impact/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]*)"', html).group(1)


@pytest.mark.parametrize("target", BYPASSES)
def test_signing_in_never_redirects_off_the_site(coop, target):
    person = coop.coordinator()
    client = coop.app.test_client()
    response = client.post("/session/sign-in", data={"csrf": sign_in_form_token(client), "next": target,
                                                     "email": person.email, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/impact/"


@pytest.mark.parametrize("target", BYPASSES)
def test_the_refresh_page_never_redirects_off_the_site(client, target):
    response = client.get("/session/refresh", query_string={"next": target})
    assert response.headers["Location"] == "/impact/"


@pytest.mark.parametrize("target", BYPASSES)
def test_signing_out_never_redirects_off_the_site(coop, target):
    client = coop.app.test_client()
    person = coop.coordinator()
    client.post("/session/sign-in", data={"csrf": sign_in_form_token(client), "next": "/impact/",
                                          "email": person.email, "password": PASSWORD})
    csrf = re.search(r'name="csrf" value="([^"]*)"', client.get("/impact/").get_data(as_text=True)).group(1)
    response = client.post("/session/sign-out", query_string={"next": target}, data={"csrf": csrf})
    assert response.status_code == 303 and response.headers["Location"] == "/impact/"
