"""The API docs page (Swagger UI) loads only the site's own files, which the service itself serves."""

import re
from html.parser import HTMLParser

import pytest

from shared.api_docs import SWAGGER_UI_FILES

SERVICES = ["coop", "desk", "market", "agency", "notices"]  # members, contracts, marketplace, brokering, notifications


class References(HTMLParser):
    """Every address a page loads or links to, and the text of every inline script."""

    def __init__(self):
        super().__init__()
        self.addresses, self.inline_scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.addresses += [attrs[name] for name in ("src", "href") if attrs.get(name)]
        self._in_script = tag == "script" and not attrs.get("src")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def references(client) -> References:
    response = client.get("/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    found = References()
    found.feed(response.get_data(as_text=True))
    return found


@pytest.mark.parametrize("fixture", SERVICES)
def test_the_docs_page_references_only_addresses_on_the_site_itself(request, fixture):
    addresses = references(request.getfixturevalue(fixture).client).addresses
    assert addresses
    assert [a for a in addresses if not re.match(r"^/(?!/)", a) or "\\" in a] == []


@pytest.mark.parametrize("fixture", SERVICES)
def test_the_docs_page_has_no_inline_script(request, fixture):
    assert references(request.getfixturevalue(fixture).client).inline_scripts == []


@pytest.mark.parametrize("fixture", SERVICES)
def test_every_file_the_docs_page_loads_is_served_with_its_content_type(request, fixture):
    client = request.getfixturevalue(fixture).client
    expected = {".js": "text/javascript", ".css": "text/css", ".png": "image/png", ".json": "application/json"}
    for address in references(client).addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        assert response.mimetype == expected[address[address.rindex("."):]], address


def test_the_page_starts_swagger_ui_on_this_services_document(coop):
    found = references(coop.client)
    assert "/docs/assets/swagger-ui-bundle.js" in found.addresses
    initialiser = next(a for a in found.addresses if a.endswith("coop-api-docs.js"))
    assert "SwaggerUIBundle(" in coop.client.get(initialiser).get_data(as_text=True)
    page = coop.client.get("/docs").get_data(as_text=True)
    assert 'data-spec-url="/openapi.json"' in page


def test_the_swagger_ui_files_are_a_real_swagger_ui_5(coop):
    bundle = coop.client.get("/docs/assets/swagger-ui-bundle.js").get_data(as_text=True)
    assert "SwaggerUIBundle" in bundle and re.search(r'"5\.\d+\.\d+"', bundle)


@pytest.mark.parametrize("name", ["swagger-editor-bundle.js", "../core.py", "..%2Fcore.py", "LICENSE", "index.css"])
def test_nothing_else_of_the_package_is_served(coop, name):
    assert name not in SWAGGER_UI_FILES
    assert coop.client.get(f"/docs/assets/{name}").status_code == 404


def test_the_docs_page_names_the_files_under_the_path_the_service_is_mounted_at(coop):
    response = coop.client.get("/docs", base_url="http://localhost/members")
    found = References()
    found.feed(response.get_data(as_text=True))
    assert all(address.startswith("/members/") for address in found.addresses)
