"""The brokering service's own settings: how long a shared disclosure is kept, and the minimum wage."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import setting


@dataclass(frozen=True)
class BrokeringSettings:
    """What the co-op decides about brokering, each field read from its COOP_* environment variable."""

    # How long a disclosure shared with an employer is kept after the application is decided.
    disclosure_keep_days: int = setting(183, "COOP_DISCLOSURE_KEEP_DAYS")
    # The UK National Minimum Wage from April 2026, in pence an hour: no vacancy may pay less than its band's.
    minimum_wage_21_plus_pence: int = setting(1271, "COOP_MINIMUM_WAGE_21_PLUS_PENCE")
    minimum_wage_18_to_20_pence: int = setting(1085, "COOP_MINIMUM_WAGE_18_TO_20_PENCE")
    minimum_wage_under_18_pence: int = setting(800, "COOP_MINIMUM_WAGE_UNDER_18_PENCE")
    minimum_wage_apprentice_pence: int = setting(800, "COOP_MINIMUM_WAGE_APPRENTICE_PENCE")
