"""Each service's API documentation page: Swagger UI, served from the service itself.

Swagger UI's files come from a pinned package (swagger-ui-py ships them; it is not imported, only its
folder of files is read), so the page works offline and loads no script from anywhere else. The page
has no inline script: a small initialiser file starts Swagger UI, so the pages' Content-Security-Policy
(scripts from the site only) holds here too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from flask import Blueprint, abort, render_template, send_from_directory, url_for

# Swagger UI's own files the page loads: only these are served.
SWAGGER_UI_FILES = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
# The browser may keep them a day: a new release of the package comes with a new deployment.
ASSET_MAX_AGE_SECONDS = 24 * 3600

api_docs_blp = Blueprint("coop_api_docs", __name__, template_folder="templates", static_folder="static",
                         static_url_path="/docs/static")


def swagger_ui_folder() -> Path:
    """Where the installed package keeps Swagger UI's files (found without importing the package)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: it ships the files of the API docs page")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@api_docs_blp.route("/docs")
def docs_page():
    """Swagger UI for this service's OpenAPI document."""
    return render_template("coop_api_docs.html", spec_url=url_for("api-docs.openapi_json"))


@api_docs_blp.route("/docs/assets/<name>")
def swagger_ui_asset(name: str):
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(swagger_ui_folder(), name, max_age=ASSET_MAX_AGE_SECONDS)
