"""What every service's HTTP side shares: problem+json errors, request ids, pagination, health."""

from __future__ import annotations

import json
import logging
import re
import time

from flask import Flask, g, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from shared.correlation import new_id, reset_correlation_id, set_correlation_id
from shared.db import is_unique_violation
from shared.errors import DomainError, PreconditionRequired
from shared.metrics import metrics

log = logging.getLogger(__name__)
access_log = logging.getLogger("coop.access")
# Polled every few seconds by health checks and Prometheus: counted, but not logged.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

PROBLEM_JSON = "application/problem+json"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


# For free text the service strips before storing: only spaces would leave it empty. "Space" is what
# str.strip() removes and what \s means in the API document's (ECMAScript) regular expressions, both:
# they differ on \x1c-\x1f, \x85 (Python's) and \ufeff (ECMAScript's).
BLANK = r"[\s\x1c-\x1f\x85\ufeff]"
NOT_BLANK = validate.Regexp(rf"^{BLANK}*[^{BLANK[1:-1]}]", error="Must not be blank.")


def problem(status: int, title: str, detail: str | None = None, errors=None, headers=None):
    """Build an RFC 9457 problem response."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class Problem(Schema):
    """An error, as RFC 9457 application/problem+json."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Conflict"})
    status = fields.Integer(metadata={"example": 409})
    detail = fields.String(metadata={"example": "This member has already voted on this proposal."})
    errors = fields.Dict(metadata={"description": "For 422: what is wrong with each field."})


# The largest id a path or body may name: PostgreSQL's INTEGER. Beyond it nothing can exist.
MAX_ID = 2**31 - 1
# Past this many rows no page can have items; larger offsets would overflow the database's BIGINT.
MAX_OFFSET = 10**9


class IdConverter(IntegerConverter):
    """Flask's int converter, bounded to ids a database column can hold (others are simply 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def takes_json_body(app: Flask) -> bool:
    """Say whether the view the request is routed to reads a JSON body (a flask-smorest ``json`` argument)."""
    view = app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    method = getattr(view_class, request.method.lower(), None) if view_class is not None else view
    parameters = getattr(method, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(parameter.get("in") == "json" for parameter in parameters)


def install_request_ids(app: Flask) -> None:
    """Take X-Request-ID from the caller (or make one), use it as correlation id, and return it."""

    @app.before_request
    def take_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _SAFE_REQUEST_ID.match(given) else new_id()
        g.correlation_token = set_correlation_id(g.request_id)

    @app.after_request
    def return_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.teardown_request
    def forget_request_id(_error):
        token = g.pop("correlation_token", None)
        if token is not None:
            reset_correlation_id(token)


# What a page may load: everything from the site itself, no inline script or style, no plugins, never in
# a frame. Images also as data: URLs (Swagger UI's icons are data: SVGs in its stylesheet).
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Anything else (JSON, CSV, images) is never a document that runs or loads anything.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def install_security_headers(app: Flask) -> None:
    """Send a Content-Security-Policy, nosniff and Referrer-Policy with every response."""

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        policy = PAGE_POLICY if response.mimetype == "text/html" else DATA_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


def install_request_metrics(app: Flask, service: str) -> None:
    """Count and time every request by route and status, and log it as one line with its request id."""

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def measure(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        elapsed = time.perf_counter() - started
        # The route, not the path: one series per endpoint, whatever ids or junk the paths carry.
        route = request.url_rule.rule if request.url_rule else "(none)"
        status = str(response.status_code)
        metrics().http_requests.labels(service, request.method, route, status).inc()
        metrics().http_latency.labels(service, request.method, route).observe(elapsed)
        if route in QUIET_ROUTES:
            return response
        access_log.info("request answered", extra={
            "service": service, "method": request.method, "path": request.path, "route": route,
            "status": response.status_code, "duration_ms": round(elapsed * 1000, 2)})
        return response


def install_error_handlers(app: Flask) -> None:
    """Answer unexpected errors as a 500 problem, logged with the request id."""

    @app.errorhandler(DomainError)
    def refused(error: DomainError):
        return problem(error.status, error.title, error.message, headers=error.headers)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(_error):
        # Two writers passed the If-Match check at the same moment; the row's version let one through.
        return problem(409, "Conflict", "Someone else changed this at the same moment; reload it and try again.")

    @app.errorhandler(IntegrityError)
    def lost_a_race(error):
        # The last guard: a unique constraint let one of two concurrent writers through. The other
        # gets the 409 it would have got a moment later; nothing of its request was saved.
        if not is_unique_violation(error):
            return unexpected(error)
        log.info("unique constraint refused a concurrent write", extra={"path": request.path,
                                                                       "error": str(error.orig)[:200]})
        return problem(409, "Conflict", "The same thing was done at the same moment by another request; "
                       "nothing was saved by this one. Reload to see the result.")

    @app.errorhandler(PoolTimeout)
    def too_busy(_error):
        # Every connection of the pool was in use for the whole pool timeout: nothing was begun.
        log.warning("no database connection free", extra={"path": request.path})
        return problem(503, "Service Unavailable", "The service is too busy just now; nothing was saved. "
                       "Try again in a moment.", headers={"Retry-After": "5"})

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # The database is down, restarting or too busy: nothing was saved, and trying again later is right.
        log.warning("database unavailable", extra={"path": request.path, "error": str(error.orig)[:200]})
        return problem(503, "Service Unavailable", "The database is not answering; nothing was saved. "
                       "Try again in a moment.", headers={"Retry-After": "5"})

    @app.errorhandler(RecursionError)
    def too_deep(_error):
        return problem(400, "Bad Request", "The JSON body is nested too deeply.")

    @app.before_request
    def refuse_a_body_that_is_not_json():
        # Unrefused, webargs would read a body of another type as no body at all and answer 422 "missing
        # field" (or, with only optional fields, ignore it).
        has_body = request.content_length or request.headers.get("Transfer-Encoding")
        if has_body and not request.is_json and takes_json_body(app):
            return problem(415, "Unsupported Media Type",
                           "The body must be JSON, sent with Content-Type: application/json.")
        return None

    @app.before_request
    def refuse_text_no_database_can_store():
        reason = unstorable_text(request)
        if reason:
            return problem(400, "Bad Request", f"The request contains {reason}, which is not allowed.")
        return None

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):
            return app.extensions["coop_api"].handle_http_exception(error)
        log.exception("unhandled error", extra={"path": request.path})
        return problem(500, "Internal Server Error", "Something went wrong on our side; it has been logged.")


IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')
IF_MATCH_DOC = {"parameters": [{
    "in": "header", "name": "If-Match", "required": True,
    "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,9}"?$', "example": '"3"'},
    "description": "The version you last read (the ETag of GET), e.g. \"3\". A stale one gets 409."}],
    "responses": {"428": {"description": "If-Match is missing."}}}


def if_match_version() -> int:
    """Return the version the request's If-Match names; 428 if there is none, 400 if it is not one."""
    header = request.headers.get("If-Match")
    if header is None:
        raise PreconditionRequired("Send If-Match with the version you last read (the ETag of GET), so that "
                                   "no one else's change is overwritten.")
    match = IF_MATCH.match(header)
    if match is None:
        raise DomainError('If-Match must be one version, such as "3".')
    return int(match.group(1))


def unstorable_text(req) -> str | None:
    """Say what in a request no database can store as text (NUL, lone surrogates), if anything."""
    texts = [req.path, *(key + value for key, value in req.args.items(multi=True))]
    if req.content_length and req.is_json:
        try:
            texts.extend(_strings_in(json.loads(req.get_data())))
        except (ValueError, RecursionError):
            pass  # malformed JSON is the body parser's to refuse, with its own message
    text = "".join(texts)
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text that is not valid Unicode (a lone surrogate)"
    return None


def _strings_in(value):
    """Yield every string in decoded JSON, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def paginate(session: Session, statement, pagination_parameters, at_most: int | None = None) -> list:
    """Run a select for one page (flask-smorest's page/page_size) and set the total item count.

    ``at_most`` caps the matches that are counted and can be paged to: counting every match of a broad
    search in a large table is what made each page slow, and nobody pages through thousands.
    """
    counted = statement.order_by(None)
    if at_most is not None:
        counted = counted.limit(at_most)
    total = session.scalar(select(func.count()).select_from(counted.subquery()))
    pagination_parameters.item_count = total
    page_size = pagination_parameters.page_size
    offset = (pagination_parameters.page - 1) * page_size
    if offset >= total or offset > MAX_OFFSET:
        return []
    # unique(): a page may load its items' collections in the same query (joined), one row per element.
    return list(session.scalars(statement.limit(min(page_size, total - offset)).offset(offset)).unique())


class Liveness(Schema):
    status = fields.String(metadata={"example": "ok"})


class Readiness(Schema):
    status = fields.String(metadata={"example": "ready"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"example": {"database": "ok", "broker": "ok"}})


def run_checks(checks: dict) -> dict[str, str]:
    """Run each readiness check; return "ok", or why not, by name."""
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means not ready
            results[name] = f"unavailable: {type(error).__name__}"
    return results


def health_blueprint(checks: dict) -> Blueprint:
    """Return /healthz (the process is up) and /readyz (every dependency answers)."""
    blp = Blueprint("health", __name__, description="Liveness and readiness")

    @blp.route("/healthz")
    @blp.response(200, Liveness)
    @blp.doc(summary="Tell whether the process is up.")
    def healthz():
        return {"status": "ok"}

    @blp.route("/readyz")
    @blp.response(200, Readiness)
    @blp.alt_response(503, schema=Readiness, description="A dependency does not answer.")
    @blp.doc(summary="Tell whether the database and the broker answer.")
    def readyz():
        results = run_checks(checks)
        ready = all(value == "ok" for value in results.values())
        return {"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503

    return blp
