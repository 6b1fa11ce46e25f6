"""The correlation id that follows one piece of work from the HTTP request through every event."""

from __future__ import annotations

import contextlib
import contextvars
import uuid

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def current_correlation_id() -> str | None:
    """Return the correlation id of the work being done, if any."""
    return _correlation_id.get()


def new_id() -> str:
    return uuid.uuid4().hex


@contextlib.contextmanager
def correlation(correlation_id: str | None):
    """Run a block of work under the given correlation id."""
    token = _correlation_id.set(correlation_id)
    try:
        yield correlation_id
    finally:
        _correlation_id.reset(token)


def set_correlation_id(correlation_id: str | None):
    """Set the correlation id for the rest of this context; returns a token for reset."""
    return _correlation_id.set(correlation_id)


def reset_correlation_id(token) -> None:
    _correlation_id.reset(token)
