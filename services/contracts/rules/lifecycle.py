"""Which states a contract moves through, and which moves are legal from where.

draft -> proposed -> countered (any number of rounds) -> agreed -> (members' approval, when needed)
-> signed -> active -> completed; or rejected, withdrawn, expired.
"""

from __future__ import annotations

from shared.errors import Conflict

# Who makes and answers offers (a coordinator enters both sides' moves).
PARTIES = ("coop", "buyer")
STATES = ("draft", "proposed", "countered", "agreed", "signed", "active", "completed",
          "rejected", "withdrawn", "expired")
OPEN_OFFER = ("proposed", "countered")
FINAL = ("completed", "rejected", "withdrawn", "expired")
# States in which allocations are live work (before signing there is nothing to allocate).
UNDER_WAY = ("signed", "active")

# action -> (the states it may start from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "propose": (("draft",), "proposed"),
    "counter": (OPEN_OFFER, "countered"),
    "agree": (OPEN_OFFER, "agreed"),
    "sign": (("agreed",), "signed"),
    "start": (("signed",), "active"),
    "complete": (("active",), "completed"),
    "reject": (OPEN_OFFER, "rejected"),
    "refuse_by_vote": (("agreed",), "rejected"),
    "withdraw": (("draft", "proposed", "countered", "agreed"), "withdrawn"),
    "expire": (OPEN_OFFER, "expired"),
}

# The event each move publishes (draft rounds publish nothing: nobody outside has seen them).
EVENTS = {
    "propose": "contract.proposed",
    "counter": "contract.countered",
    "agree": "contract.agreed",
    "sign": "contract.signed",
    "start": "contract.started",
    "complete": "contract.completed",
    "reject": "contract.rejected",
    "refuse_by_vote": "contract.rejected",
    "withdraw": "contract.withdrawn",
    "expire": "contract.expired",
}


def next_state(state: str, action: str) -> str:
    """Return the state ``action`` leads to from ``state``, or raise Conflict saying why it cannot."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = " or ".join(sources)
        raise Conflict(f"A contract that is {state} cannot be {_past(action)}; only one that is {allowed} can.")
    return target


def actions_from(state: str) -> list[str]:
    """Return the moves a coordinator may make from ``state`` (for pages and the API's links)."""
    return [action for action, (sources, _) in TRANSITIONS.items()
            if state in sources and action not in ("expire", "refuse_by_vote")]


def _past(action: str) -> str:
    return {"propose": "proposed", "counter": "countered", "agree": "agreed", "sign": "signed",
            "start": "started", "complete": "completed", "reject": "rejected", "withdraw": "withdrawn",
            "expire": "expired", "refuse_by_vote": "refused"}[action]
