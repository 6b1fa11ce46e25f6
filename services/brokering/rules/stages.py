"""The stages of an application, who may move it where, and when a disclosure may be seen.

put forward -> interview -> conditional offer -> disclosure -> offer confirmed -> accepted; or rejected
(with a reason) or withdrawn, from any stage before the end. Pure: no database.
"""

from __future__ import annotations

from shared.errors import Conflict, Forbidden

STAGES = ("put_forward", "interview", "conditional_offer", "disclosure", "offer_confirmed", "accepted",
          "rejected", "withdrawn")
FINAL = ("accepted", "rejected", "withdrawn")
OPEN = tuple(stage for stage in STAGES if stage not in FINAL)
# From these stages on, an employer may see a disclosure the job seeker has consented to share.
AFTER_CONDITIONAL_OFFER = ("conditional_offer", "disclosure", "offer_confirmed", "accepted")

# stage -> (the stages it may be reached from, who may move it there)
MOVES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "interview": (("put_forward",), ("employer", "coordinator")),
    "conditional_offer": (("put_forward", "interview"), ("employer", "coordinator")),
    # Reached when the job seeker shares a disclosure; a seeker with nothing to share goes straight on.
    "disclosure": (("conditional_offer",), ("job_seeker", "coordinator")),
    "offer_confirmed": (("conditional_offer", "disclosure"), ("employer", "coordinator")),
    "accepted": (("offer_confirmed",), ("job_seeker", "coordinator")),
    "rejected": (OPEN, ("employer", "coordinator")),
    "withdrawn": (OPEN, ("job_seeker", "coordinator")),
}
# The moves each side's pages offer (the disclosure stage is reached by consenting, not as a move).
EMPLOYER_MOVES = ("interview", "conditional_offer", "offer_confirmed", "rejected")
SEEKER_MOVES = ("accepted", "withdrawn")


def check_move(stage: str, target: str, actor: str) -> None:
    """Raise unless ``actor`` (employer, job_seeker or coordinator) may move an application to ``target``."""
    if target not in MOVES:
        raise Conflict(f"An application cannot be moved to {target!r}.")
    sources, actors = MOVES[target]
    if actor not in actors:
        raise Forbidden(f"Only the {' or the '.join(_who(a) for a in actors)} can move an application to "
                        f"{_label(target)}.")
    if stage not in sources:
        raise Conflict(f"An application at {_label(stage)} cannot move to {_label(target)}; it can from "
                       f"{', '.join(_label(s) for s in sources)}.")


def employer_may_see_disclosure(stage: str, consent_active: bool) -> bool:
    """Tell whether an employer may see the shared disclosure: after a conditional offer, with consent."""
    return consent_active and stage in AFTER_CONDITIONAL_OFFER


def _label(stage: str) -> str:
    return stage.replace("_", " ")


def _who(actor: str) -> str:
    return {"job_seeker": "job seeker"}.get(actor, actor)
