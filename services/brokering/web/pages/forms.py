"""What the brokering pages' forms share: a comma-separated list of words, and the vacancy form (as typed,
to show again with a problem, and as the API's schema takes it)."""

from __future__ import annotations

from services.brokering.web import schemas
from shared.pages import optional_whole_number, pence_from, validated

VACANCY_TEXT = ("title", "sector", "description", "skills", "location", "hours_per_week", "pay", "contract_type",
                "age_band", "dbs_check", "closing_on")


def words(text: str) -> list[str]:
    """Read ``cooking, food hygiene`` as its words (skills, sectors)."""
    return [word.strip() for word in text.split(",") if word.strip()]


def vacancy_typed(form) -> dict:
    """The vacancy form as typed, to show it again with what was typed kept."""
    return {**{name: form.get(name, "") for name in VACANCY_TEXT}, "involves": form.getlist("involves"),
            "exempt": form.get("exempt") == "yes"}


def vacancy_shown(vacancy) -> dict:
    """A vacancy as its form shows it, to change it."""
    return {"title": vacancy.title, "sector": vacancy.sector, "description": vacancy.description,
            "skills": ", ".join(vacancy.skills), "location": vacancy.location,
            "hours_per_week": str(vacancy.hours_per_week), "pay": f"{vacancy.pay_pence_per_hour / 100:.2f}",
            "contract_type": vacancy.contract_type, "age_band": vacancy.age_band or "",
            "dbs_check": vacancy.dbs_check, "closing_on": vacancy.closing_on.isoformat(),
            "involves": list(vacancy.involves), "exempt": vacancy.exempt}


def vacancy_fields(typed: dict) -> dict:
    """The vacancy form read with the API's own schema (pay typed in pounds, kept in pence)."""
    return validated(schemas.VacancyIn(), {
        "title": typed["title"], "sector": typed["sector"], "description": typed["description"],
        "skills": words(typed["skills"]), "location": typed["location"].strip().upper(),
        "hours_per_week": optional_whole_number(typed["hours_per_week"], "hours per week"),
        "pay_pence_per_hour": pence_from(typed["pay"], "hourly pay"), "contract_type": typed["contract_type"],
        "age_band": typed["age_band"] or None, "involves": typed["involves"], "exempt": typed["exempt"],
        "dbs_check": typed["dbs_check"] or "none", "closing_on": typed["closing_on"] or None})
