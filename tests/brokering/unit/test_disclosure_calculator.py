"""The disclosure calculator: when a conviction becomes spent under the periods in force since October 2023."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.brokering.rules.disclosure_calculator import (
    CAVEATS,
    EARLIEST,
    SENTENCES,
    Sentence,
    add_months,
    spent_date,
)
from services.brokering.web.schemas import CalculatorIn

CONVICTED = dt.date(2024, 3, 1)
ENDED = dt.date(2025, 6, 30)


def custody(months, **more):
    return Sentence("custody", CONVICTED, ended_on=ENDED, custody_months=months, **more)


@pytest.mark.parametrize(("months", "spent_on"), [
    (6, dt.date(2026, 6, 30)),    # 12 months or less: 1 year after the sentence ends
    (12, dt.date(2026, 6, 30)),
    (13, dt.date(2029, 6, 30)),   # over 1 and up to 4 years: 4 years
    (48, dt.date(2029, 6, 30)),
    (49, dt.date(2032, 6, 30)),   # over 4 years: 7 years
])
def test_custody_is_spent_a_period_after_the_sentence_ends_that_depends_on_its_length(months, spent_on):
    assert spent_date(custody(months)).spent_on == spent_on


@pytest.mark.parametrize(("months", "spent_on"), [
    (12, dt.date(2025, 12, 30)),  # 6 months
    (48, dt.date(2027, 6, 30)),   # 2 years
    (60, dt.date(2028, 12, 30)),  # 3 and a half years
])
def test_the_periods_are_halved_for_someone_under_18_when_convicted(months, spent_on):
    assert spent_date(custody(months, under_18_when_convicted=True)).spent_on == spent_on


def test_custody_over_four_years_for_a_serious_offence_is_never_spent():
    answer = spent_date(custody(60, serious_offence=True))
    assert answer.never_spent and answer.spent_on is None
    assert not answer.spent_by(dt.date(2099, 1, 1))


def test_a_serious_offence_with_custody_of_four_years_or_less_is_still_spent_in_time():
    assert spent_date(custody(48, serious_offence=True)).spent_on == dt.date(2029, 6, 30)


@pytest.mark.parametrize("kind", ["community_order", "conditional_discharge"])
def test_a_community_order_or_conditional_discharge_is_spent_on_its_last_day(kind):
    assert spent_date(Sentence(kind, CONVICTED, ended_on=ENDED)).spent_on == ENDED


def test_a_fine_is_spent_a_year_after_the_conviction():
    assert spent_date(Sentence("fine", CONVICTED)).spent_on == dt.date(2025, 3, 1)


def test_a_fine_is_spent_after_six_months_for_someone_under_18():
    assert spent_date(Sentence("fine", CONVICTED, under_18_when_convicted=True)).spent_on == dt.date(2024, 9, 1)


@pytest.mark.parametrize("kind", ["absolute_discharge", "simple_caution"])
def test_an_absolute_discharge_or_simple_caution_is_spent_at_once(kind):
    assert spent_date(Sentence(kind, CONVICTED)).spent_on == CONVICTED


def test_a_conditional_caution_is_spent_after_three_months():
    assert spent_date(Sentence("conditional_caution", CONVICTED)).spent_on == dt.date(2024, 6, 1)


def test_every_answer_says_how_it_was_worked_out_and_carries_the_caveats():
    answer = spent_date(custody(24))
    assert "4 years" in answer.reasoning
    assert answer.caveats == CAVEATS and any("legal adviser" in caveat for caveat in answer.caveats)


@pytest.mark.parametrize("sentence", [
    dict(kind="custody", convicted_on=CONVICTED, ended_on=ENDED),  # no length
    dict(kind="custody", convicted_on=CONVICTED, custody_months=6),  # no end date
    dict(kind="community_order", convicted_on=CONVICTED),
    dict(kind="fine", convicted_on=CONVICTED, ended_on=dt.date(2020, 1, 1)),  # ends before conviction
    dict(kind="hanging", convicted_on=CONVICTED),
])
def test_an_incomplete_or_impossible_sentence_is_refused(sentence):
    with pytest.raises(ValueError):
        Sentence(**sentence)


def test_adding_months_to_the_31st_lands_on_the_last_day_of_a_shorter_month():
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


@given(months=st.integers(min_value=1, max_value=600), under_18=st.booleans(),
       ended=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)))
def test_custody_is_never_spent_before_the_sentence_ends_and_longer_never_spends_sooner(months, under_18, ended):
    def spent(length):
        return spent_date(Sentence("custody", dt.date(1999, 1, 1), ended_on=ended, custody_months=length,
                                   under_18_when_convicted=under_18)).spent_on
    assert spent(months) > ended
    assert spent(months + 1) >= spent(months)


ANY_DAY = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
ANY_QUESTION = st.fixed_dictionaries({
    "kind": st.sampled_from(SENTENCES), "convicted_on": ANY_DAY, "ended_on": st.none() | ANY_DAY,
    "custody_months": st.none() | st.integers(min_value=1, max_value=1200),
    "under_18_when_convicted": st.booleans(), "serious_offence": st.booleans()})


@settings(max_examples=300)
@given(question=ANY_QUESTION)
def test_any_dates_up_to_9999_are_answered_or_refused_as_invalid_never_an_error(question):
    try:
        sentence = Sentence(**question)
    except ValueError:
        return  # the only refusal: a question the calculator cannot answer
    assert spent_date(sentence).reasoning


@settings(max_examples=300)
@given(question=ANY_QUESTION)
def test_what_the_api_schema_accepts_the_calculator_answers(question):
    body = {**question, "convicted_on": question["convicted_on"].isoformat(),
            "ended_on": question["ended_on"] and question["ended_on"].isoformat()}
    try:
        loaded = CalculatorIn().load(body)
    except ValidationError:
        return
    assert EARLIEST <= loaded["convicted_on"] <= dt.datetime.now(dt.UTC).date()
    assert spent_date(Sentence(**loaded)).reasoning


@pytest.mark.parametrize("day", ["9999-12-31", "1899-12-31", "0001-01-01"])
def test_a_date_outside_the_calendar_it_knows_is_refused(day):
    with pytest.raises(ValidationError):
        CalculatorIn().load({"kind": "fine", "convicted_on": day})


def test_a_conviction_dated_in_the_future_is_refused():
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    with pytest.raises(ValidationError, match="future"):
        CalculatorIn().load({"kind": "fine", "convicted_on": tomorrow})
