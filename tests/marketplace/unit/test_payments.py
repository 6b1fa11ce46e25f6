"""The payment-provider interface and the built-in test-mode provider."""

import datetime as dt
import threading
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.marketplace.adapters.card_processor import (
    AmountTooLarge,
    CardDetails,
    IdempotencyConflict,
    InvalidRequest,
    InvalidState,
    PaymentDeclined,
    PaymentError,
    PaymentProvider,
    TestModeLedger,
    TestModeProvider,
    UnknownPayment,
    luhn_valid,
)
from tests.support.cards import expiry_year

TODAY = dt.date.today()
LAST_MONTH = TODAY.replace(day=1) - dt.timedelta(days=1)
GOOD = "4242424242424242"


def card(number=GOOD, exp_month=12, exp_year=None, cvc="123", holder_name="Ada Baker"):
    exp_year = expiry_year() if exp_year is None else exp_year
    return CardDetails(number, exp_month, exp_year, cvc, holder_name)


def key():
    return uuid.uuid4().hex


@pytest.fixture
def ledger():
    return TestModeLedger()


@pytest.fixture
def provider(ledger):
    return TestModeProvider(ledger, today=lambda: TODAY)


@pytest.fixture
def authorisation(provider):
    return provider.authorise(2500, card(), key())


@pytest.fixture
def capture(provider, authorisation):
    return provider.capture(authorisation.id, 2500, key())


def declined_code(provider, test_card, idempotency_key=None):
    with pytest.raises(PaymentDeclined) as declined:
        provider.authorise(1000, test_card, idempotency_key or key())
    return declined.value.code


def test_the_test_mode_provider_satisfies_the_provider_interface(provider):
    assert isinstance(provider, PaymentProvider)


def test_the_success_card_is_authorised_with_its_last_four_digits_and_a_token(provider):
    authorisation = provider.authorise(2500, card(), key())
    assert (authorisation.amount_pence, authorisation.last4, authorisation.currency) == (2500, "4242", "GBP")
    assert authorisation.id.startswith("auth_") and authorisation.card_token.startswith("tok_")


def test_a_card_number_typed_with_spaces_is_accepted(provider):
    assert provider.authorise(100, card("4242 4242 4242 4242"), key()).last4 == "4242"


def test_another_luhn_valid_number_succeeds(provider):
    assert provider.authorise(100, card("5555555555554444"), key()).last4 == "4444"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4242424242424241", "invalid_number"),
        ("4242", "invalid_number"),
        ("4242-abcd-4242-4242", "invalid_number"),
    ],
)
def test_a_test_card_is_declined_with_its_code(provider, number, code):
    assert declined_code(provider, card(number)) == code


def test_a_decline_carries_a_message_for_the_customer(provider):
    with pytest.raises(PaymentDeclined) as declined:
        provider.authorise(1000, card("4000000000000002"), key())
    assert declined.value.message == "Your card was declined."


def test_a_card_past_its_expiry_month_is_declined_as_expired(provider):
    assert declined_code(provider, card(exp_month=LAST_MONTH.month, exp_year=LAST_MONTH.year)) == "expired_card"


def test_a_card_is_good_until_the_end_of_its_expiry_month(provider):
    assert provider.authorise(100, card(exp_month=TODAY.month, exp_year=TODAY.year), key()).last4 == "4242"


def test_an_impossible_expiry_month_is_declined(provider):
    assert declined_code(provider, card(exp_month=13)) == "invalid_expiry_month"


def test_a_malformed_cvc_is_declined(provider):
    assert declined_code(provider, card(cvc="12")) == "invalid_cvc"


def test_the_card_number_does_not_show_in_the_card_details_repr():
    assert GOOD not in repr(card()) and "123" not in repr(card())


def test_the_ledger_keeps_no_card_number(provider, ledger):
    provider.authorise(100, card(), key())
    assert GOOD not in repr(vars(ledger))


@pytest.mark.parametrize("amount", [0, -1, 100_000_000, 12.5, True, "100"])
def test_an_amount_that_is_not_positive_whole_pence_is_refused(provider, amount):
    with pytest.raises(InvalidRequest):
        provider.authorise(amount, card(), key())


def test_an_empty_idempotency_key_is_refused(provider):
    with pytest.raises(InvalidRequest):
        provider.authorise(100, card(), " ")


def test_capture_takes_at_most_the_authorised_amount(provider, authorisation):
    with pytest.raises(AmountTooLarge):
        provider.capture(authorisation.id, 2501, key())


def test_a_partial_capture_is_allowed(provider, authorisation):
    assert provider.capture(authorisation.id, 1000, key()).amount_pence == 1000


def test_an_authorisation_is_captured_only_once(provider, authorisation):
    provider.capture(authorisation.id, 1000, key())
    with pytest.raises(InvalidState):
        provider.capture(authorisation.id, 1000, key())


def test_capturing_an_unknown_authorisation_is_refused(provider):
    with pytest.raises(UnknownPayment):
        provider.capture("auth_nope", 100, key())


def test_a_voided_authorisation_cannot_be_captured(provider, authorisation):
    provider.void(authorisation.id, key())
    with pytest.raises(InvalidState):
        provider.capture(authorisation.id, 100, key())


def test_a_captured_authorisation_cannot_be_voided(provider, authorisation, capture):
    with pytest.raises(InvalidState):
        provider.void(authorisation.id, key())


def test_voiding_an_unknown_authorisation_is_refused(provider):
    with pytest.raises(UnknownPayment):
        provider.void("auth_nope", key())


def test_partial_refunds_are_allowed_up_to_the_captured_amount(provider, capture):
    refunds = [provider.refund(capture.id, amount, key()) for amount in (1000, 1000, 500)]
    assert sum(refund.amount_pence for refund in refunds) == 2500


def test_refunds_never_total_more_than_the_captured_amount(provider, capture):
    provider.refund(capture.id, 2000, key())
    with pytest.raises(AmountTooLarge):
        provider.refund(capture.id, 501, key())


def test_refunding_an_unknown_capture_is_refused(provider):
    with pytest.raises(UnknownPayment):
        provider.refund("cap_nope", 100, key())


def test_misuse_errors_share_one_base_class_and_a_decline_is_not_one_of_them():
    for error in (InvalidRequest, UnknownPayment, InvalidState, AmountTooLarge, IdempotencyConflict):
        assert issubclass(error, PaymentError)
    assert not issubclass(PaymentDeclined, PaymentError)


def test_a_retried_authorisation_returns_the_first_result(provider, ledger):
    same_key = key()
    first = provider.authorise(2500, card(), same_key)
    assert provider.authorise(2500, card(), same_key) == first
    assert len(ledger.authorisations) == 1


def test_a_retried_capture_returns_the_first_capture_instead_of_refusing(provider, authorisation):
    same_key = key()
    first = provider.capture(authorisation.id, 2500, same_key)
    assert provider.capture(authorisation.id, 2500, same_key) == first


def test_a_retried_refund_refunds_once(provider, ledger, capture):
    same_key = key()
    provider.refund(capture.id, 2000, same_key)
    provider.refund(capture.id, 2000, same_key)
    assert ledger.refunded_pence[capture.id] == 2000


def test_a_retried_void_returns_the_first_void(provider, authorisation):
    same_key = key()
    assert provider.void(authorisation.id, same_key) == provider.void(authorisation.id, same_key)


def test_a_retried_declined_authorisation_is_declined_again(provider, ledger):
    same_key = key()
    codes = [declined_code(provider, card("4000000000009995"), same_key) for _ in range(2)]
    assert codes == ["insufficient_funds", "insufficient_funds"]
    assert ledger.authorisations == {}


def test_a_key_reused_with_another_amount_is_a_conflict(provider):
    same_key = key()
    provider.authorise(2500, card(), same_key)
    with pytest.raises(IdempotencyConflict):
        provider.authorise(2600, card(), same_key)


def test_a_key_reused_with_another_card_is_a_conflict(provider):
    same_key = key()
    provider.authorise(2500, card(), same_key)
    with pytest.raises(IdempotencyConflict):
        provider.authorise(2500, card(cvc="999"), same_key)


def test_a_key_reused_for_another_operation_is_a_conflict(provider, authorisation):
    same_key = key()
    provider.capture(authorisation.id, 2500, same_key)
    with pytest.raises(IdempotencyConflict):
        provider.void(authorisation.id, same_key)


def test_providers_sharing_a_ledger_see_the_same_payments(ledger, authorisation):
    other = TestModeProvider(ledger, today=lambda: TODAY)
    assert other.capture(authorisation.id, 2500, key()).authorisation_id == authorisation.id


def test_racing_captures_of_one_authorisation_capture_it_once(provider, authorisation):
    outcomes = []

    def capture_it():
        try:
            outcomes.append(provider.capture(authorisation.id, 2500, key()))
        except InvalidState as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=capture_it) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(not isinstance(outcome, Exception) for outcome in outcomes) == 1


@given(st.lists(st.integers(0, 9), min_size=11, max_size=18))
def test_exactly_one_check_digit_makes_any_number_luhn_valid(digits):
    body = "".join(map(str, digits))
    assert sum(luhn_valid(body + check) for check in "0123456789") == 1


@given(st.lists(st.integers(1, 3000), max_size=8))
def test_any_sequence_of_refunds_never_refunds_more_than_was_captured(amounts):
    provider = TestModeProvider(today=lambda: TODAY)
    authorisation = provider.authorise(5000, card(), key())
    capture = provider.capture(authorisation.id, 5000, key())
    refunded = 0
    for amount in amounts:
        try:
            refunded += provider.refund(capture.id, amount, key()).amount_pence
        except AmountTooLarge:
            assert refunded + amount > 5000
    assert refunded == provider.ledger.refunded_pence[capture.id] <= 5000
