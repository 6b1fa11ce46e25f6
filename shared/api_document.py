"""The API document every service serves: flask-smorest's Api answering errors as problem+json, with
what the document must say so that a client generated from it is not refused (the 415 of a JSON body,
date ranges as patterns), written the first time it is read."""

from __future__ import annotations

import datetime as dt
import json
import threading

from apispec import BasePlugin
from flask import current_app, request
from flask_smorest import Api
from flask_smorest.pagination import PaginationMetadataSchema
from marshmallow import fields, validate
from werkzeug.exceptions import HTTPException

from shared.http import PROBLEM_JSON, Problem, problem


class JsonBodyResponses(BasePlugin):
    """Document the 415 that every operation taking a JSON body answers to a body of another type."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                operation.setdefault("responses", {}).setdefault(
                    "415", {"description": "The body is not JSON (send Content-Type: application/json).",
                            "content": {PROBLEM_JSON: {"schema": Problem}}})


def digits_between(low: str, high: str) -> list[str]:
    """Regular expressions that together match the numbers from low to high, written with as many digits."""
    def digit(first: int, last: int) -> str:
        return str(first) if first == last else r"\d" if (first, last) == (0, 9) else f"[{first}-{last}]"

    if low == high:
        return [low]
    width = len(low) - 1
    if low[1:] == "0" * width and high[1:] == "9" * width:
        return [digit(int(low[0]), int(high[0])) + r"\d" * width]
    if low[0] == high[0]:
        return [low[0] + rest for rest in digits_between(low[1:], high[1:])]
    found = [low[0] + rest for rest in digits_between(low[1:], "9" * width)]
    if int(low[0]) + 1 <= int(high[0]) - 1:
        found.append(digit(int(low[0]) + 1, int(high[0]) - 1) + r"\d" * width)
    return found + [high[0] + rest for rest in digits_between("0" * width, high[1:])]


def date_range_pattern(_converter, field, **_kwargs) -> dict:
    """Document a date field's Range as a pattern of the whole years it allows.

    OpenAPI 3.0 has no minimum or maximum for a date (apispec writes x-minimum, which no client reads), so
    a generated client would send 9999-12-31 and be refused: the pattern tells it the years.
    """
    ranges = [validator for validator in getattr(field, "validators", ())
              if isinstance(validator, validate.Range) and isinstance(field, fields.Date)]
    if not ranges:
        return {}
    low = max((r.min for r in ranges if r.min is not None), default=dt.date.min)
    high = min((r.max for r in ranges if r.max is not None), default=dt.date.max)
    first = low.year if (low.month, low.day) == (1, 1) else low.year + 1
    last = high.year if (high.month, high.day) == (12, 31) else high.year - 1
    return {"pattern": "^(" + "|".join(digits_between(f"{first:04}", f"{last:04}")) + ")-"}


class CoopApi(Api):
    """flask-smorest's Api, answering every error as application/problem+json.

    A blueprint's routes are registered at once; its part of the API document is written the first time
    the document is read (``spec``). Writing it was most of the cost of making an app, and most apps made
    (one per test) never serve their document; every service's document is checked in the suite.
    """

    ERROR_SCHEMA = Problem

    @property
    def spec(self):
        """The API document, with every blueprint registered so far described in it."""
        spec = self.__dict__["_spec"]
        with self.__dict__.setdefault("_documenting", threading.RLock()):
            undocumented = self.__dict__.setdefault("_undocumented", [])
            while undocumented and not self.__dict__.get("_writing"):
                blp, name, parameters = undocumented.pop(0)
                self.__dict__["_writing"] = True
                try:
                    blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
                    spec.tag({"name": name, "description": blp.description})
                finally:
                    self.__dict__["_writing"] = False
        return spec

    @spec.setter
    def spec(self, value):
        self.__dict__["_spec"] = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register a blueprint's routes now and its views in the API document when it is next read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self.__dict__.setdefault("_undocumented", []).append((blp, name, parameters))

    def _init_spec(self, **kwargs):
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), JsonBodyResponses()]
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(date_range_pattern)

    def _register_responses(self):
        # Document error responses with the content type they are really sent with.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = "application/json"

    def _register_pagination_header(self):
        # flask-smorest documents X-Pagination with a bare schema: the "simple" style of OpenAPI headers
        # (total,2,page,1). It sends JSON, so document the header as JSON content.
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata, as JSON.",
            "content": {"application/json": {"schema": PaginationMetadataSchema}},
        }, lazy=True)

    def _openapi_json(self):
        """Serve the API document naming where the service is mounted (/members in the embedded run and
        behind the gateway), so that Swagger UI's "Try it out" reaches the service."""
        document = {**self.spec.to_dict(), "servers": [{"url": request.script_root or "/"}]}
        return current_app.response_class(json.dumps(document, indent=2), mimetype="application/json")

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        detail = data.get("message") or error.description
        errors = data.get("messages") or data.get("errors")
        if errors and "json" in errors and len(errors) == 1:
            errors = errors["json"]
        if isinstance(errors, list | tuple):
            # About the body as a whole (webargs' "Invalid JSON body."), not one field: a detail, since
            # ``errors`` is documented as an object of fields.
            detail = " ".join(str(message) for message in errors)
            errors = None
        if error.code == 422 and not data.get("message"):
            detail = "The request is not valid: see errors for each field."
        headers = dict(data.get("headers") or {})
        if getattr(error, "response", None) is None and error.code == 405:
            headers.update(dict(error.get_headers()))
            headers.pop("Content-Type", None)
        return problem(error.code or 500, error.name, detail, errors, headers)
