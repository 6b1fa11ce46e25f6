"""Application stages: each move checked, by the right person; disclosure only after a conditional offer."""

import pytest

from services.brokering.rules.stages import FINAL, MOVES, OPEN, check_move, employer_may_see_disclosure
from shared.errors import Conflict, Forbidden

PATH = [("put_forward", "interview", "employer"), ("interview", "conditional_offer", "employer"),
        ("conditional_offer", "disclosure", "job_seeker"), ("disclosure", "offer_confirmed", "employer"),
        ("offer_confirmed", "accepted", "job_seeker")]


@pytest.mark.parametrize(("stage", "target", "actor"), PATH)
def test_the_usual_path_is_allowed_for_the_person_whose_move_it_is(stage, target, actor):
    check_move(stage, target, actor)


@pytest.mark.parametrize(("stage", "target", "actor"), PATH)
def test_a_coordinator_can_make_any_move_on_someones_behalf(stage, target, actor):
    check_move(stage, target, "coordinator")


def test_an_offer_can_be_confirmed_without_a_disclosure_stage():
    check_move("conditional_offer", "offer_confirmed", "employer")


@pytest.mark.parametrize(("target", "actor"), [("conditional_offer", "job_seeker"), ("accepted", "employer"),
                                               ("disclosure", "employer"), ("withdrawn", "employer"),
                                               ("rejected", "job_seeker")])
def test_nobody_makes_the_other_sides_move(target, actor):
    with pytest.raises(Forbidden):
        check_move(MOVES[target][0][0], target, actor)


@pytest.mark.parametrize("stage", OPEN)
def test_an_open_application_can_be_rejected_or_withdrawn(stage):
    check_move(stage, "rejected", "employer")
    check_move(stage, "withdrawn", "job_seeker")


@pytest.mark.parametrize("stage", FINAL)
def test_a_finished_application_moves_no_further(stage):
    for target, (_sources, actors) in MOVES.items():
        with pytest.raises(Conflict):
            check_move(stage, target, actors[0])


def test_skipping_the_conditional_offer_to_disclosure_is_refused():
    with pytest.raises(Conflict, match="conditional offer"):
        check_move("interview", "disclosure", "job_seeker")


@pytest.mark.parametrize(("stage", "consent", "visible"), [
    ("put_forward", True, False), ("interview", True, False), ("conditional_offer", True, True),
    ("disclosure", True, True), ("offer_confirmed", True, True), ("conditional_offer", False, False),
    ("rejected", True, False), ("withdrawn", True, False),
])
def test_an_employer_sees_a_disclosure_only_after_a_conditional_offer_and_with_consent(stage, consent, visible):
    assert employer_may_see_disclosure(stage, consent) is visible
