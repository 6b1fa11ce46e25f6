"""The co-op's voting rules: quorum, counting and deciding a resolution. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal

DEFAULT_OPTIONS = ("for", "against", "abstain")
ABSTAIN = "abstain"
AGAINST = "against"
KINDS = ("ordinary", "special")
OUTCOMES = ("passed", "rejected", "no_quorum")
# One member, one vote: the statuses in which a member may vote (or hold a proxy), and count for quorum.
VOTING_STATUSES = ("active",)


def may_vote(status: str) -> bool:
    """Tell whether a member in this status may vote."""
    return status in VOTING_STATUSES


def quorum_needed(active_members: int, fraction: float, minimum: int) -> int:
    """Return how many votes must be cast: a fraction of active members, never below the minimum."""
    # Decimal(str()) keeps 0.1 * 30 at exactly 3; in binary floats it is 3.0000000000000004 -> 4.
    share = math.ceil(Decimal(str(fraction)) * active_members)
    return max(share, minimum)


def tally(options: Sequence[str], choices: Iterable[str]) -> dict[str, int]:
    """Count the choices per option, every option listed (zero if nobody chose it)."""
    counts = dict.fromkeys(options, 0)
    for choice in choices:
        if choice not in counts:
            raise ValueError(f"{choice!r} is not one of the options {list(options)}")
        counts[choice] += 1
    return counts


def has_majority(votes: int, decisive_votes: int, kind: str) -> bool:
    """Tell whether an option's votes carry a resolution of this kind (integer arithmetic, no rounding)."""
    if votes <= 0:
        return False
    if kind == "ordinary":
        return 2 * votes > decisive_votes  # strictly more than half: a tie is lost
    if kind == "special":
        return 4 * votes >= 3 * decisive_votes  # at least three quarters
    raise ValueError(f"unknown kind of resolution {kind!r}")


def decide(options: Sequence[str], counts: dict[str, int], kind: str, quorum: int) -> tuple[str, str | None]:
    """Return the outcome (passed, rejected or no_quorum) and the winning option, if any."""
    votes_cast = sum(counts.get(option, 0) for option in options)
    if votes_cast < quorum:
        return "no_quorum", None
    # Abstentions count towards the quorum only, never towards a majority.
    decisive = [option for option in options if option != ABSTAIN]
    decisive_votes = sum(counts.get(option, 0) for option in decisive)
    winners = [option for option in decisive if has_majority(counts.get(option, 0), decisive_votes, kind)]
    winner = winners[0] if winners else None
    outcome = "passed" if winner is not None and winner != AGAINST else "rejected"
    return outcome, winner
