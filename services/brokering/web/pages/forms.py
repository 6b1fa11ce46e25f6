"""What the brokering pages' forms share: a comma-separated list of words."""

from __future__ import annotations


def words(text: str) -> list[str]:
    """Read ``cooking, food hygiene`` as its words (skills, sectors)."""
    return [word.strip() for word in text.split(",") if word.strip()]
