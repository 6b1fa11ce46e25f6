"""The National Minimum Wage a vacancy must pay an hour. Pure: no database."""

from __future__ import annotations


def minimum_pay_pence(settings, age_band: str | None, contract_type: str) -> int:
    """Return the National Minimum Wage a vacancy must pay an hour: its age band's, the apprentice rate for
    an apprenticeship, the rate for 21 and over when it names no band (``settings``: BrokeringSettings)."""
    if contract_type == "apprenticeship":
        return settings.minimum_wage_apprentice_pence
    return {"18_to_20": settings.minimum_wage_18_to_20_pence,
            "under_18": settings.minimum_wage_under_18_pence}.get(age_band, settings.minimum_wage_21_plus_pence)
