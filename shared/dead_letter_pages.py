"""The dead letters a service is holding, as a read-only page for coordinators, at ``/dead-letters``.

Every service keeps the messages it could not handle in its own database (``shared.consumer``), so every
service serves this page for its own (``create_service_app`` registers the blueprint), under the path
where the service is mounted. It shows each letter's id, event type, when it was parked and why, and the
exact command an operator runs to replay it; never the body, which may hold personal data.
"""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for

from shared.consumer import list_dead_letters
from shared.errors import DomainError, Forbidden
from shared.pages import needs_sign_in, safe_next, sign_in_form, signed_in

UK = ZoneInfo("Europe/London")

dead_letter_pages_blp = Blueprint("coop_dead_letters", __name__, template_folder="templates")


def replay_command(service: str, letter_id: int) -> str:
    """The command that applies one dead letter again, through the service's own handler."""
    return f"coop dead-letters replay {service} {letter_id}"


def _coordinators_only(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not signed_in().has_any("coordinator"):
            raise Forbidden("The dead letters are for the co-op's coordinators.")
        return view(*args, **kwargs)
    return needs_sign_in(wrapper)


@dead_letter_pages_blp.errorhandler(DomainError)
def _refused(error: DomainError):
    return render_template("coop_dead_letters.html", error=error), error.status


@dead_letter_pages_blp.get("/dead-letters/sign-in")
def sign_in():
    """The sign-in form, coming back to the dead letters (needs_sign_in sends a visitor here)."""
    return sign_in_form(safe_next(request.args.get("next"), url_for(".dead_letters_page")))


@dead_letter_pages_blp.get("/dead-letters")
@_coordinators_only
def dead_letters_page():
    """The messages this service could not handle and has not replayed yet, oldest first."""
    runtime = current_app.extensions["coop_runtime"]  # the service's (shared.service)
    service = runtime.name
    letters = [{"id": letter.id, "event_type": letter.event_type or "(not readable)",
                "parked_at": letter.parked_at.astimezone(UK).strftime("%a %d %b %Y, %H:%M"),
                "reason": letter.reason, "attempts": letter.attempts,
                "command": replay_command(service, letter.id)}
               for letter in list_dead_letters(runtime.db)]
    return render_template("coop_dead_letters.html", service=service, letters=letters, error=None)
