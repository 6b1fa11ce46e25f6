"""Errors that business rules raise without knowing about HTTP; each maps to one status code."""


class DomainError(Exception):
    """A request that the rules refuse; ``status`` is the HTTP status it is answered with."""

    status = 400
    title = "Bad Request"

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (a transition not allowed now, a duplicate)."""

    status = 409
    title = "Conflict"


class Unprocessable(DomainError):
    status = 422
    title = "Unprocessable Entity"


class TooManyRequests(DomainError):
    status = 429
    title = "Too Many Requests"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class PreconditionRequired(DomainError):
    """A change to something that can race was sent without saying which version it was made on."""

    status = 428
    title = "Precondition Required"
