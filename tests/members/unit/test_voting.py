"""The co-op's voting rules, as plain functions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.members.rules.voting import DEFAULT_OPTIONS, decide, quorum_needed, tally

OPTIONS = list(DEFAULT_OPTIONS)


def counts(for_=0, against=0, abstain=0):
    return {"for": for_, "against": against, "abstain": abstain}


def test_quorum_is_the_fraction_of_active_members_rounded_up():
    assert quorum_needed(active_members=41, fraction=0.1, minimum=3) == 5


def test_quorum_is_never_below_the_minimum():
    assert quorum_needed(active_members=12, fraction=0.1, minimum=3) == 3


def test_quorum_of_an_exact_fraction_is_not_rounded_up_by_float_error():
    # 0.1 * 30 is 3.0000000000000004 in binary floating point.
    assert quorum_needed(active_members=30, fraction=0.1, minimum=0) == 3


def test_tally_lists_every_option_even_unchosen():
    assert tally(OPTIONS, ["for", "for", "abstain"]) == counts(for_=2, abstain=1)


def test_tally_refuses_a_choice_that_is_not_an_option():
    with pytest.raises(ValueError):
        tally(OPTIONS, ["maybe"])


def test_ordinary_resolution_passes_with_more_than_half():
    assert decide(OPTIONS, counts(for_=6, against=5), "ordinary", quorum=3) == ("passed", "for")


def test_ordinary_resolution_is_rejected_when_against_wins():
    assert decide(OPTIONS, counts(for_=2, against=5), "ordinary", quorum=3) == ("rejected", "against")


def test_a_tie_is_lost():
    assert decide(OPTIONS, counts(for_=5, against=5), "ordinary", quorum=3) == ("rejected", None)


def test_special_resolution_fails_just_below_three_quarters():
    assert decide(OPTIONS, counts(for_=749, against=251), "special", quorum=3) == ("rejected", None)


def test_special_resolution_passes_at_exactly_three_quarters():
    assert decide(OPTIONS, counts(for_=750, against=250), "special", quorum=3) == ("passed", "for")


def test_abstentions_count_towards_the_quorum():
    assert decide(OPTIONS, counts(for_=1, abstain=2), "ordinary", quorum=3) == ("passed", "for")


def test_abstentions_do_not_count_towards_the_majority():
    # 4 of 10 votes cast, but 4 of the 7 that took a side: a majority.
    assert decide(OPTIONS, counts(for_=4, against=3, abstain=3), "ordinary", quorum=3) == ("passed", "for")


def test_below_quorum_there_is_no_decision():
    assert decide(OPTIONS, counts(for_=2), "ordinary", quorum=3) == ("no_quorum", None)


def test_only_abstentions_reject_the_proposal():
    assert decide(OPTIONS, counts(abstain=5), "special", quorum=3) == ("rejected", None)


def test_a_plurality_of_several_options_is_not_a_majority():
    options = ["red", "green", "blue", "abstain"]
    result = {"red": 4, "green": 3, "blue": 3, "abstain": 0}
    assert decide(options, result, "ordinary", quorum=3) == ("rejected", None)


def test_a_majority_option_other_than_against_passes():
    options = ["red", "green", "abstain"]
    assert decide(options, {"red": 1, "green": 3, "abstain": 0}, "ordinary", 3) == ("passed", "green")


choices = st.lists(st.sampled_from(OPTIONS), max_size=200)


@given(choices)
def test_counts_always_sum_to_the_votes_cast(votes):
    assert sum(tally(OPTIONS, votes).values()) == len(votes)


@given(choices)
def test_an_option_with_more_than_half_of_the_sides_taken_wins_an_ordinary_resolution(votes):
    result = tally(OPTIONS, votes)
    sides = result["for"] + result["against"]
    outcome, winner = decide(OPTIONS, result, "ordinary", quorum=0)
    if 2 * result["for"] > sides:
        assert (outcome, winner) == ("passed", "for")
    elif 2 * result["against"] > sides:
        assert (outcome, winner) == ("rejected", "against")
    else:
        assert (outcome, winner) == ("rejected", None)


@given(choices, st.integers(min_value=0, max_value=250))
def test_below_quorum_is_always_no_quorum_and_at_quorum_never(votes, quorum):
    outcome, _ = decide(OPTIONS, tally(OPTIONS, votes), "special", quorum)
    assert (outcome == "no_quorum") == (len(votes) < quorum)


@given(st.integers(0, 10_000), st.integers(0, 100), st.integers(0, 50))
def test_quorum_is_at_least_the_minimum_and_the_fraction(active, percent, minimum):
    needed = quorum_needed(active, percent / 100, minimum)
    assert needed >= minimum
    assert needed * 100 >= active * percent
    assert needed == minimum or (needed - 1) * 100 < active * percent
