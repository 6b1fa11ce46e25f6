"""A JSON operation sent a body of another type says 415, not "missing field" as if nothing was sent."""

from __future__ import annotations

import json
import re

import pytest

SERVICES = ("coop", "market", "desk", "agency", "notices")
METHODS = ("post", "put", "patch", "delete")


def operations(document: dict):
    """(path, method, operation) of each operation of an API document."""
    return [(path, method, item[method]) for path, item in document["paths"].items()
            for method in METHODS if method in item]


def example_path(document: dict, path: str) -> str:
    """The path with each parameter filled in: 1 for an id, the first of an enum."""
    schemas = {parameter["name"]: parameter["schema"] for parameter in document["paths"][path].get("parameters", [])
               if parameter["in"] == "path"}
    return re.sub(r"\{([^}]+)\}", lambda name: str(schemas.get(name.group(1), {}).get("enum", [1])[0]), path)


def json_operations(document: dict) -> list[tuple[str, str]]:
    """(method, path filled in) of each operation whose body is JSON."""
    return [(method, example_path(document, path)) for path, method, operation in operations(document)
            if "application/json" in operation.get("requestBody", {}).get("content", {})]


def test_a_json_body_sent_as_text_plain_is_refused_as_unsupported(coop):
    body = json.dumps({"email": "ann@example.org", "password": "a long pass phrase", "display_name": "Ann"})
    response = coop.client.post("/accounts", data=body, content_type="text/plain")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "application/json" in response.json["detail"]


def test_a_body_sent_without_a_content_type_is_refused_as_unsupported(coop):
    response = coop.client.post("/accounts", data=b'{"email": "ann@example.org"}')
    assert response.status_code == 415


def test_a_form_body_sent_to_a_json_operation_is_refused_as_unsupported(coop):
    response = coop.client.post("/accounts", data={"email": "ann@example.org"})
    assert response.status_code == 415


def test_a_json_body_with_a_charset_is_read(coop):
    response = coop.client.post("/accounts", data=b"{}", content_type="application/json; charset=utf-8")
    assert response.status_code == 422  # read, and found wanting: not refused unread


def test_an_operation_without_a_body_may_be_sent_an_empty_one_of_any_type(market):
    response = market.client.post("/checkout", data=b"", content_type="text/plain",
                                  headers=market.customer().headers)
    assert response.status_code != 415


@pytest.mark.parametrize("fixture", SERVICES)
def test_every_json_operation_of_every_service_refuses_a_text_body_and_documents_it(request, fixture):
    service = request.getfixturevalue(fixture)
    document = service.client.get("/openapi.json").json
    sent = json_operations(document)
    assert sent
    caller = service.coordinator().headers
    for method, path in sent:
        response = service.client.open(path, method=method.upper(), data='{"a": 1}', content_type="text/plain",
                                       headers=caller)
        assert response.status_code == 415, (method, path, response.status_code)
    undocumented = [(path, method) for path, method, operation in operations(document)
                    if "application/json" in operation.get("requestBody", {}).get("content", {})
                    and "415" not in operation["responses"]]
    assert undocumented == []
