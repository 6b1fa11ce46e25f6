"""The JSON door for the disclosure calculator: when does a conviction become spent? Anyone may ask."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.brokering.rules import disclosure_calculator
from services.brokering.web import schemas
from shared.service import collaborators

blp = Blueprint("disclosure calculator", __name__, description="When does a conviction become spent?")


@blp.route("/disclosure-calculator")
class Calculator(MethodView):
    @blp.arguments(schemas.CalculatorIn)
    @blp.response(200, schemas.CalculatorAnswer)
    def post(self, body):
        """Work out when a conviction becomes spent. Anyone may ask; nothing is stored or logged."""
        answer = disclosure_calculator.answer(body)
        return {"spent_on": answer.spent_on, "never_spent": answer.never_spent,
                "spent_today": answer.spent_by(collaborators().clock().date()), "reasoning": answer.reasoning,
                "caveats": list(answer.caveats)}
