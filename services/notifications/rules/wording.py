"""How a notice says money and moments: pounds from pence, and UK time (Europe/London)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from shared.money import pounds

UK = ZoneInfo("Europe/London")

__all__ = ["UK", "pounds", "uk_day", "uk_moment"]


def uk_moment(moment: dt.datetime) -> str:
    """An aware moment in UK time: 'Friday 4 December 2026, 17:00'."""
    local = moment.astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


def uk_day(day: dt.date) -> str:
    """A calendar day: 'Friday 4 December 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"
