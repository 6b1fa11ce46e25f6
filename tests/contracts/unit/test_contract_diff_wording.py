"""How the desk says what changed between two rounds: fields in words, money in pounds, dates as dates,
member businesses by name (not ``unit_price_pence 240 → 220`` or ``member_ids[0] = 1``)."""

import pytest

from services.contracts.web.pages.contracts import reading_order, worded

NAMES = {1: "Paper Birds Cards", 2: "Wagtails Dog Grooming"}


@pytest.mark.parametrize(("field", "before", "after", "sentence"), [
    ("line_items[0].unit_price_pence", 240, 220, "Line 1: Unit price £2.40 → £2.20"),
    ("line_items[1].quantity", 500, 600, "Line 2: Quantity 500 → 600"),
    ("line_items[0].description", "Cards", "Boxed cards", "Line 1: Description Cards → Boxed cards"),
    ("member_ids[0]", 1, 2, "Member business 1 Paper Birds Cards → Wagtails Dog Grooming"),
    ("member_ids[1]", None, 2, "Member business 2 Wagtails Dog Grooming (added)"),
    ("milestones[0].due_on", "2027-01-18", "2027-02-01", "Milestone 1: Due 18 Jan 2027 → 1 Feb 2027"),
    ("payment_terms_days", 30, 45, "Payment terms 30 days → 45 days"),
    ("start_on", "2027-01-04", "2027-01-11", "Start 4 Jan 2027 → 11 Jan 2027"),
    ("clauses[1]", "Packed in tens.", None, "Clause 2 Packed in tens. (removed)"),
])
def test_a_change_reads_in_words(field, before, after, sentence):
    assert worded(field, before, after, NAMES)["sentence"] == sentence


def test_money_is_in_pounds_on_both_sides_of_the_table():
    said = worded("line_items[0].unit_price_pence", 240, 220, NAMES)
    assert (said["name"], said["before_text"], said["after_text"]) == ("Line 1: Unit price", "£2.40", "£2.20")


def test_a_member_the_service_does_not_know_is_said_by_number_not_left_blank():
    assert worded("member_ids[0]", 7, None, NAMES)["sentence"] == "Member business 1 member 7 (removed)"


def test_the_fields_come_in_the_order_a_contract_reads():
    fields = ["end_on", "clauses[0]", "line_items[1].unit_price_pence", "member_ids[0]", "payment_terms_days",
              "line_items[0].unit_price_pence", "line_items[0].description", "milestones[0].due_on", "start_on",
              "line_items[10].quantity", "line_items[0].quantity"]
    assert sorted(fields, key=reading_order) == [
        "line_items[0].description", "line_items[0].quantity", "line_items[0].unit_price_pence",
        "line_items[1].unit_price_pence", "line_items[10].quantity", "milestones[0].due_on", "start_on", "end_on",
        "payment_terms_days", "clauses[0]", "member_ids[0]"]
