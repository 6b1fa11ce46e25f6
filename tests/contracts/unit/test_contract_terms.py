"""The terms of a contract as plain data: what they are worth, and what changed between two rounds."""

import datetime as dt

import pytest

from services.contracts.rules.terms import differences, stored, total_pence

CARDS = {"description": "Hand-made cards", "quantity": 500, "unit": "cards", "unit_price_pence": 250}
TAGS = {"description": "Gift tags", "quantity": 100, "unit": "tags", "unit_price_pence": 40}


def terms(**changes) -> dict:
    return {
        "line_items": [dict(CARDS)],
        "milestones": [{"title": "All cards", "due_on": "2027-01-18"}],
        "payment_terms_days": 30, "start_on": "2027-01-04", "end_on": "2027-03-05",
        "clauses": ["Cards packed in tens."], "member_ids": [7], **changes,
    }


def test_the_total_is_quantity_times_unit_price_summed_over_the_lines():
    assert total_pence(terms(line_items=[CARDS, TAGS])) == 500 * 250 + 100 * 40


def test_terms_without_line_items_are_worth_nothing():
    assert total_pence({}) == 0


def test_identical_terms_have_no_differences():
    assert differences(terms(), terms()) == []


def test_a_changed_quantity_is_reported_by_its_path():
    after = terms(line_items=[{**CARDS, "quantity": 600}])

    assert differences(terms(), after) == [
        {"field": "line_items[0].quantity", "change": "changed", "before": 500, "after": 600}]


def test_a_changed_unit_price_is_reported_by_its_path():
    after = terms(line_items=[{**CARDS, "unit_price_pence": 275}])

    assert differences(terms(), after) == [
        {"field": "line_items[0].unit_price_pence", "change": "changed", "before": 250, "after": 275}]


def test_an_added_line_item_lists_each_of_its_fields_as_added():
    after = terms(line_items=[CARDS, TAGS])

    assert differences(terms(), after) == [
        {"field": f"line_items[1].{name}", "change": "added", "before": None, "after": TAGS[name]}
        for name in ("description", "quantity", "unit", "unit_price_pence")]


def test_a_removed_line_item_lists_each_of_its_fields_as_removed():
    before = terms(line_items=[CARDS, TAGS])

    assert differences(before, terms()) == [
        {"field": f"line_items[1].{name}", "change": "removed", "before": TAGS[name], "after": None}
        for name in ("description", "quantity", "unit", "unit_price_pence")]


def test_an_added_clause_is_reported_by_its_index():
    after = terms(clauses=["Cards packed in tens.", "Returns within 14 days."])

    assert differences(terms(), after) == [
        {"field": "clauses[1]", "change": "added", "before": None, "after": "Returns within 14 days."}]


def test_removing_the_only_clause_reports_just_that_clause_removed():
    assert differences(terms(), terms(clauses=[])) == [
        {"field": "clauses[0]", "change": "removed", "before": "Cards packed in tens.", "after": None}]


def test_adding_a_first_clause_reports_just_that_clause_added():
    assert differences(terms(clauses=[]), terms()) == [
        {"field": "clauses[0]", "change": "added", "before": None, "after": "Cards packed in tens."}]


def test_a_changed_milestone_date_is_reported_by_its_nested_path():
    after = terms(milestones=[{"title": "All cards", "due_on": "2027-01-25"}])

    assert differences(terms(), after) == [
        {"field": "milestones[0].due_on", "change": "changed", "before": "2027-01-18", "after": "2027-01-25"}]


def test_changes_are_listed_in_field_order():
    after = terms(payment_terms_days=14, end_on="2027-03-12", clauses=["Packed in twenties."])

    assert [change["field"] for change in differences(terms(), after)] == [
        "clauses[0]", "end_on", "payment_terms_days"]


def test_indexes_are_in_natural_order_so_ten_comes_after_nine():
    before = terms(line_items=[{**CARDS, "description": f"Design {n}"} for n in range(12)])
    after = terms(line_items=[{**CARDS, "description": f"Design {n}", "quantity": 501} for n in range(12)])

    assert [change["field"] for change in differences(before, after)] == [
        f"line_items[{n}].quantity" for n in range(12)]


@pytest.mark.parametrize("field, value", [("member_ids", [7, 9]), ("start_on", "2027-01-11")])
def test_any_field_of_the_terms_can_be_compared(field, value):
    changes = differences(terms(), terms(**{field: value}))

    assert len(changes) == 1
    assert changes[0]["field"].startswith(field)


def test_terms_are_stored_with_their_dates_as_iso_strings():
    terms = {"start_on": dt.date(2027, 1, 4), "milestones": [{"title": "First", "due_on": dt.date(2027, 2, 1)}],
             "line_items": [{"quantity": 2, "unit_price_pence": 250}], "clauses": []}
    assert stored(terms) == {"start_on": "2027-01-04", "milestones": [{"title": "First", "due_on": "2027-02-01"}],
                             "line_items": [{"quantity": 2, "unit_price_pence": 250}], "clauses": []}
    assert stored(stored(terms)) == stored(terms)
