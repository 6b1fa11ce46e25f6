"""The one ``jobs`` blueprint every brokering page hangs on (under /jobs): the templates, the stylesheet,
the sign-in routes, the refusal page, and the home that sends each person to her own page.

Each page group's module (job_seekers, employers, applications, coordinators, calculator) adds its
routes to it; ``web/pages/__init__.py`` names them all.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from shared.errors import DomainError
from shared.money import pounds
from shared.pages import add_session_routes, csrf_token, needs_sign_in, signed_in

jobs_blp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")
add_session_routes(jobs_blp, "jobs.home")


@jobs_blp.context_processor
def page_globals():
    return {"principal": signed_in, "csrf_token": csrf_token, "pounds": pounds}


@jobs_blp.errorhandler(DomainError)
def refused(error: DomainError):
    return render_template("jobs/error.html", error=error), error.status


@jobs_blp.get("/")
@needs_sign_in
def home():
    """Send each person to their own page: coordinator, employer or job seeker."""
    who = signed_in()
    if who.has_any("coordinator"):
        return redirect(url_for(".coordinator_page"))
    if who.has_any("employer"):
        return redirect(url_for(".employer_page"))
    return redirect(url_for(".seeker_page"))
