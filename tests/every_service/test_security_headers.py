"""Every response carries the browser's locks: a Content-Security-Policy, nosniff and Referrer-Policy.

A page allows scripts and styles from the site itself only, nothing inline, and is never framed; any
other response (JSON, CSV, images) loads and runs nothing. The pages are found by walking every GET
route of each service's page blueprints (the Flask blueprints that are not API ones), so a new page is
covered without being named here.
"""

from __future__ import annotations

import re
from pathlib import Path

import flask_smorest
import pytest
from werkzeug.routing import IntegerConverter

from shared.http import DATA_POLICY, PAGE_POLICY
from shared.pages import COOKIE

SERVICES = ("coop", "market", "desk", "agency", "notices")
ROOT = Path(__file__).resolve().parents[2]
# In a template: a <script> without src, a <style> block, a style="..." attribute, an onclick=... handler
# or a javascript: link (inline script too: the policy refuses to run it, so the link would be dead).
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
                    re.IGNORECASE)


def assert_locked(response, policy=None) -> None:
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    expected = policy or (PAGE_POLICY if response.mimetype == "text/html" else DATA_POLICY)
    assert response.headers.get("Content-Security-Policy") == expected


def page_paths(app) -> list[str]:
    """A path for every GET route of the app's page blueprints, ids filled in as 1."""
    api_blueprints = {name for name, blueprint in app.blueprints.items()
                      if isinstance(blueprint, flask_smorest.Blueprint)}
    paths = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.rpartition(".")[0]
        if not blueprint or blueprint in api_blueprints or "GET" not in rule.methods:
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
                  for name, converter in rule._converters.items()}
        if rule.endpoint.endswith(".static"):
            values["filename"] = next((path.name for path in Path(app.blueprints[blueprint].static_folder)
                                      .iterdir() if path.suffix == ".css"), "x.css")
        paths.append(rule.build(values, append_unknown=False)[1])
    return paths


def signed_in_client(service):
    client = service.app.test_client()
    token = service.coordinator().headers["Authorization"].removeprefix("Bearer ")
    client.set_cookie(COOKIE, token)
    return client


@pytest.mark.parametrize("fixture", SERVICES)
def test_every_page_of_every_service_sends_the_security_headers(request, fixture):
    service = request.getfixturevalue(fixture)
    paths = page_paths(service.app)
    assert paths, "no pages found"
    reached = 0
    for client in (service.app.test_client(), signed_in_client(service)):
        for path in paths:
            response = client.get(path)
            assert response.status_code < 500, (path, response.status_code)
            assert_locked(response)
            reached += response.mimetype == "text/html" or response.status_code == 200
    assert reached >= len(paths)  # the walk reached pages and files, not only errors in JSON


@pytest.mark.parametrize("fixture", SERVICES)
def test_the_api_answers_with_nosniff_and_a_policy_that_loads_nothing(request, fixture):
    client = request.getfixturevalue(fixture).client
    for path in ("/openapi.json", "/healthz", "/no-such-thing"):
        assert_locked(client.get(path), DATA_POLICY)


def test_a_stylesheet_is_served_with_the_same_locks(market):
    response = market.client.get("/coop-static/coop.css")
    assert response.status_code == 200
    assert_locked(response, DATA_POLICY)


@pytest.mark.parametrize("fixture", SERVICES)
def test_the_api_docs_page_has_the_page_policy(request, fixture):
    response = request.getfixturevalue(fixture).client.get("/docs")
    assert response.status_code == 200
    assert_locked(response, PAGE_POLICY)


def test_the_page_policy_allows_no_inline_script_or_style_and_no_framing():
    directives = dict(part.strip().split(" ", 1) for part in PAGE_POLICY.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in PAGE_POLICY


def test_no_template_has_inline_script_style_or_event_handlers():
    found = [f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
             for path in sorted([*ROOT.glob("services/**/templates/**/*.html"), *ROOT.glob("shared/templates/*.html")])
             for match in INLINE.finditer(path.read_text())]
    assert found == []


def test_what_the_embedded_run_answers_itself_has_the_locks():
    from coop.embedded import _index_app

    client = _index_app().test_client()
    for path in ("/", "/no-such-service/"):
        assert_locked(client.get(path))
