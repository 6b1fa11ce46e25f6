"""The password policy as a rule (NIST SP 800-63B-4, section 3.1.1.2): what a new password must be."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.members.rules.password_policy import MAX_LENGTH, MIN_LENGTH, problem

EMAIL, NAME = "alice.smith@example.org", "Alice Smith"


def test_the_minimum_is_the_fifteen_characters_the_standard_sets_for_a_password_used_on_its_own():
    assert MIN_LENGTH == 15
    assert "15 characters" in problem("trombone lante", EMAIL, NAME)  # 14
    assert problem("trombone lanter", EMAIL, NAME) is None  # 15


def test_at_least_64_characters_are_accepted():
    assert MAX_LENGTH >= 64
    assert problem("trombone lantern quietly " * 8, EMAIL, NAME) is None  # 200


def test_more_than_the_maximum_is_refused_saying_so():
    assert str(MAX_LENGTH) in problem("x" * (MAX_LENGTH + 1), EMAIL, NAME)


def test_every_printable_character_and_the_space_are_accepted_with_no_composition_rule():
    assert problem("~!@#$%^&*()_+{}|:\"<>? `-=[]\\;',./", EMAIL, NAME) is None
    assert problem("all lower case words only", EMAIL, NAME) is None
    assert problem("ünïcödé wörds from a 🦊", EMAIL, NAME) is None


@pytest.mark.parametrize("blank", [" " * 15, " " * 40, "\t" * 15, " \n" * 10])
def test_a_blank_password_is_refused(blank):
    assert problem(blank, EMAIL, NAME) is not None


@pytest.mark.parametrize("common", ["aaaaaaaaaaaaaaa", "password12345678", "qwertyuiopasdfgh", "iloveyou1234567",
                                    "Password123456!", "123456789012345", "abcdefghijklmnop"])
def test_a_common_or_patterned_password_is_refused_with_advice(common):
    reason = problem(common, EMAIL, NAME)
    assert reason and reason.startswith("This password is too easy to guess.")


@pytest.mark.parametrize("personal", ["alice.smith@example.org", "alicesmith12345", "Alice Smith Alice",
                                      "smithalice2026!", "alice.smith@example"])
def test_a_password_made_from_ones_own_name_or_email_is_refused(personal):
    assert problem(personal, EMAIL, NAME) is not None


def test_the_same_password_is_accepted_for_someone_whose_name_it_is_not():
    assert problem("smithalice2026!", "jo@example.org", "Jo Bloggs") is None


def test_a_name_among_other_words_is_not_refused():
    assert problem("smith family holiday cottage", EMAIL, NAME) is None


def test_the_passwords_the_tests_and_the_demo_use_pass():
    from services.members.demo import APPLICANT, DEMO_PASSWORD, MEMBERS, STAFF
    from tests.support.factories import PASSWORD
    from tests.support.gateway import PASSWORD as GATEWAY_PASSWORD

    assert problem(PASSWORD, "person1-abcdef@example.org", "Test Person") is None
    assert problem(GATEWAY_PASSWORD, "coordinator@topology.test", "Topology Coordinator") is None
    assert problem(GATEWAY_PASSWORD, "0a1b2c3d4e@topology.test", "0a1b2c3d4e@topology.test") is None
    for email, name, *_rest in [*STAFF, *MEMBERS, APPLICANT]:
        assert problem(DEMO_PASSWORD, email, name) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=MAX_LENGTH + 5), st.text(max_size=60), st.text(max_size=60))
def test_any_text_gets_an_answer_never_an_error(password, email, name):
    assert problem(password, email, name) is None or isinstance(problem(password, email, name), str)
