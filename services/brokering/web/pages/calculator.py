"""The disclosure calculator's page: anyone, signed in or not; nothing typed here is kept."""

from __future__ import annotations

from flask import render_template, request

from services.brokering.rules import disclosure_calculator
from services.brokering.web import schemas
from services.brokering.web.pages.site import jobs_blp
from shared.pages import optional_whole_number, validated
from shared.service import collaborators


@jobs_blp.route("/calculator", methods=["GET", "POST"])
def calculator():
    """Work out when a conviction becomes spent; nothing typed here is stored or logged."""
    answer = None
    if request.method == "POST":
        form = request.form
        answer = disclosure_calculator.answer(validated(schemas.CalculatorIn(), {
            "kind": form.get("kind", ""), "convicted_on": form.get("convicted_on") or None,
            "ended_on": form.get("ended_on") or None,
            "custody_months": optional_whole_number(form.get("custody_months"), "custody months"),
            "under_18_when_convicted": form.get("under_18") == "yes",
            "serious_offence": form.get("serious") == "yes"}))
    return render_template("jobs/calculator.html", answer=answer, caveats=disclosure_calculator.CAVEATS,
                           today=collaborators().clock().date())
