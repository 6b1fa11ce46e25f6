"""The test-mode provider with its ledger in the database: what one process did, another one sees."""

import datetime as dt
import threading
import uuid

import pytest

from services.marketplace.adapters.card_processor import (
    AmountTooLarge,
    Authorisation,
    CardDetails,
    IdempotencyConflict,
    InvalidState,
    PaymentDeclined,
    TestModeProvider,
)
from services.marketplace.adapters.ledger_store import SqlLedger, decode, encode
from services.marketplace.app import build_runtime
from tests.support.cards import expiry_year

TODAY = dt.date.today()
GOOD = "4242424242424242"


def card(number=GOOD):
    return CardDetails(number, 12, expiry_year(), "123", "Ada Baker")


def key():
    return uuid.uuid4().hex


@pytest.fixture
def db(settings):
    runtime = build_runtime(settings)
    runtime.prepare_schema()
    yield runtime.db
    runtime.stop()


def provider(db):
    """A provider with a ledger of its own on the shared database, as in another worker process."""
    return TestModeProvider(SqlLedger(db), today=lambda: TODAY)


def test_a_payment_taken_by_one_provider_is_refunded_by_another(db):
    first, second = provider(db), provider(db)
    authorisation = first.authorise(2500, card(), key())
    capture = first.capture(authorisation.id, 2500, key())
    refund = second.refund(capture.id, 1000, key())
    assert refund.capture_id == capture.id and refund.amount_pence == 1000
    assert first.ledger.refunded_pence[capture.id] == 1000
    with pytest.raises(InvalidState):
        second.capture(authorisation.id, 2500, key())


def test_a_retried_authorisation_charges_once_across_providers(db):
    first, second = provider(db), provider(db)
    retry = key()
    authorisation = first.authorise(2500, card(), retry)
    assert second.authorise(2500, card(), retry) == authorisation
    assert len(second.ledger.authorisations) == 1


def test_a_retried_decline_is_declined_again_by_another_provider(db):
    first, second = provider(db), provider(db)
    retry = key()
    with pytest.raises(PaymentDeclined):
        first.authorise(2500, card("4000000000000002"), retry)
    with pytest.raises(PaymentDeclined) as declined:
        second.authorise(2500, card("4000000000000002"), retry)
    assert declined.value.code == "card_declined"
    assert len(second.ledger.authorisations) == 0


def test_a_key_reused_with_another_amount_is_a_conflict_across_providers(db):
    first, second = provider(db), provider(db)
    reused = key()
    first.authorise(2500, card(), reused)
    with pytest.raises(IdempotencyConflict):
        second.authorise(2600, card(), reused)


def test_refunds_over_the_capture_are_refused_across_providers(db):
    first, second = provider(db), provider(db)
    capture = first.capture(first.authorise(2500, card(), key()).id, 2500, key())
    first.refund(capture.id, 2000, key())
    with pytest.raises(AmountTooLarge):
        second.refund(capture.id, 501, key())
    second.refund(capture.id, 500, key())
    assert first.ledger.refunded_pence[capture.id] == 2500


def test_concurrent_captures_by_separate_providers_capture_once(db):
    authorisation = provider(db).authorise(2500, card(), key())
    providers = [provider(db) for _ in range(8)]
    start = threading.Barrier(len(providers))
    captured, refused, failures = [], [], []

    def capture(each):
        start.wait()
        try:
            captured.append(each.capture(authorisation.id, 2500, key()))
        except InvalidState:
            refused.append(each)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=capture, args=(each,)) for each in providers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(captured) == 1 and len(refused) == 7
    assert len(providers[0].ledger.captures) == 1


def test_the_secret_is_the_same_for_every_provider(db):
    assert SqlLedger(db).secret == SqlLedger(db).secret


def test_the_ledger_keeps_no_card_number(db):
    ledger = SqlLedger(db)
    TestModeProvider(ledger, today=lambda: TODAY).authorise(2500, card(), key())
    everything = repr({name: dict(getattr(ledger, name)) for name in
                       ("idempotency", "authorisations", "status", "captures", "refunded_pence")})
    assert GOOD not in everything


def test_a_rolled_back_request_keeps_the_charge(db):
    """Like a real processor's, the ledger's writes do not depend on the caller's transaction."""
    pay = provider(db)
    with pytest.raises(RuntimeError), db.transaction():
        authorisation = pay.authorise(2500, card(), key())
        raise RuntimeError("the request failed after the charge")
    assert provider(db).ledger.status[authorisation.id] == "authorised"


def test_values_come_back_as_they_went_in():
    authorisation = Authorisation("auth_1", 2500, "tok_1", "4242")
    for value in [("authorise", 2500, "f"), (("capture", "auth_1", 5), authorisation), 7, "captured", None]:
        assert decode(encode(value)) == value
    declined = decode(encode(PaymentDeclined("card_declined", "No.")))
    assert (declined.code, declined.message) == ("card_declined", "No.")
