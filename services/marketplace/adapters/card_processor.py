"""Take card payments through a provider interface; the built-in provider behaves like a test mode.

The marketplace reaches a card processor only through ``PaymentProvider``. ``TestModeProvider`` acts
like a processor's test mode (deterministic test cards, authorise, capture, refund, void, idempotency
keys), so the service and its tests need no processor; a real one is plugged in by writing another class
with the same four methods. Amounts are integer pence in GBP. Pure: no Flask, no database, no broker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

CURRENCY = "GBP"
# The largest single charge a processor takes (Stripe's limit, £999,999.99): bigger is surely a bug.
MAX_AMOUNT_PENCE = 99_999_999

# Test card numbers that fail in a set way, as in Stripe's test mode; any other valid number succeeds.
DECLINING_CARDS = {
    "4000000000000002": ("card_declined", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": ("expired_card", "Your card has expired."),
}

T = TypeVar("T")


class PaymentDeclined(Exception):
    """The card was refused: an answer to show the customer, not a fault of ours."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PaymentError(Exception):
    """The provider refused a request because the caller misused it (a bug or a race, not the card)."""


class InvalidRequest(PaymentError, ValueError):
    """An amount or idempotency key that no request may carry."""


class UnknownPayment(PaymentError, LookupError):
    """No authorisation or capture has this id."""


class InvalidState(PaymentError):
    """The authorisation is no longer open: already captured or voided."""


class AmountTooLarge(PaymentError):
    """A capture over the authorised amount, or refunds over the captured amount."""


class IdempotencyConflict(PaymentError):
    """An idempotency key was used again with different arguments."""


@dataclass(frozen=True)
class CardDetails:
    """Card data as the customer typed it; passed to the provider and never stored by the marketplace."""

    number: str
    exp_month: int
    exp_year: int  # four digits
    cvc: str
    holder_name: str

    @property
    def digits(self) -> str:
        return re.sub(r"[ -]", "", self.number)

    def __repr__(self) -> str:
        # Keep the full number and the CVC out of logs and tracebacks.
        return f"CardDetails(last4={self.digits[-4:]!r}, expiry={self.exp_month:02d}/{self.exp_year})"


@dataclass(frozen=True)
class Authorisation:
    id: str
    amount_pence: int
    card_token: str  # the provider's handle on the card: what we may keep instead of the number
    last4: str
    currency: str = CURRENCY


@dataclass(frozen=True)
class Capture:
    id: str
    authorisation_id: str
    amount_pence: int
    currency: str = CURRENCY


@dataclass(frozen=True)
class Refund:
    id: str
    capture_id: str
    amount_pence: int
    currency: str = CURRENCY


@dataclass(frozen=True)
class Void:
    id: str
    authorisation_id: str


@runtime_checkable
class PaymentProvider(Protocol):
    def authorise(self, amount_pence: int, card: CardDetails, idempotency_key: str) -> Authorisation:
        """Hold an amount on a card, or raise PaymentDeclined."""

    def capture(self, authorisation_id: str, amount_pence: int, idempotency_key: str) -> Capture:
        """Take up to the authorised amount, once; the rest of the hold is released."""

    def refund(self, capture_id: str, amount_pence: int, idempotency_key: str) -> Refund:
        """Give back part or all of a capture; refunds never total more than was captured."""

    def void(self, authorisation_id: str, idempotency_key: str) -> Void:
        """Release an authorisation that was not captured."""

    def lookup(self, idempotency_key: str) -> Authorisation | Capture | Refund | Void | None:
        """Return what a request made with this key did, or None if none was made (or it was declined)."""

    def statement(self) -> ProviderStatement:
        """Return every capture and refund the provider holds, for reconciliation with our books."""


@dataclass(frozen=True)
class ProviderStatement:
    """What the provider says it took and gave back: a processor's settlement report."""

    captures: list[Capture]
    refunds: list[Refund]


class TestModeLedger:
    """Hold a test-mode provider's state in memory, shared by every thread of one process.

    Each process has its own copy, so this suits tests and the embedded run mode only; a provider used
    by several processes would need a persistent store (a real processor keeps this state itself).
    """

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.authorisations: dict[str, Authorisation] = {}
        self.status: dict[str, str] = {}  # authorisation id -> authorised | captured | voided
        self.captures: dict[str, Capture] = {}
        self.refunded_pence: dict[str, int] = {}  # capture id -> refunded so far
        self.refunds: dict[str, Refund] = {}
        # key -> (fingerprint of the request, its result or the decline it raised)
        self.idempotency: dict[str, tuple[tuple, object]] = {}
        # Cards are compared by a keyed hash, so the ledger holds no card number, not even hashed plainly.
        self.secret = secrets.token_bytes(32)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class TestModeProvider:
    """Behave like a card processor's test mode: deterministic test cards, idempotent by key."""

    __test__ = False  # not a pytest test class, whatever its name says

    def __init__(self, ledger: TestModeLedger | None = None, today: Callable[[], dt.date] = _utc_today):
        self.ledger = ledger if ledger is not None else TestModeLedger()
        self.today = today

    def close(self) -> None:
        """Close what the ledger holds open (a database's connections), if it holds any."""
        close = getattr(self.ledger, "close", None)
        if close is not None:
            close()

    def authorise(self, amount_pence: int, card: CardDetails, idempotency_key: str) -> Authorisation:
        """Hold an amount on a test card, or raise PaymentDeclined as that card number dictates."""
        _check_amount(amount_pence)
        request = ("authorise", amount_pence, self._fingerprint(card))
        return self._once(idempotency_key, request, lambda: self._authorise(amount_pence, card))

    def capture(self, authorisation_id: str, amount_pence: int, idempotency_key: str) -> Capture:
        """Take up to the authorised amount, once; the rest of the hold is released."""
        _check_amount(amount_pence)
        request = ("capture", authorisation_id, amount_pence)
        return self._once(idempotency_key, request, lambda: self._capture(authorisation_id, amount_pence))

    def refund(self, capture_id: str, amount_pence: int, idempotency_key: str) -> Refund:
        """Give back part or all of a capture; refunds never total more than was captured."""
        _check_amount(amount_pence)
        request = ("refund", capture_id, amount_pence)
        return self._once(idempotency_key, request, lambda: self._refund(capture_id, amount_pence))

    def void(self, authorisation_id: str, idempotency_key: str) -> Void:
        """Release an authorisation that was not captured."""
        request = ("void", authorisation_id)
        return self._once(idempotency_key, request, lambda: self._void(authorisation_id))

    def lookup(self, idempotency_key: str) -> Authorisation | Capture | Refund | Void | None:
        """Return what a request made with this key did, or None if none was made (or it was declined)."""
        with self.ledger.lock:
            found = self.ledger.idempotency.get(idempotency_key)
        if found is None or isinstance(found[1], PaymentDeclined):
            return None
        return found[1]

    def statement(self) -> ProviderStatement:
        """Return every capture and refund the provider holds, for reconciliation with our books."""
        with self.ledger.lock:
            return ProviderStatement(list(self.ledger.captures.values()), list(self.ledger.refunds.values()))

    def _once(self, key: str, request: tuple, perform: Callable[[], T]) -> T:
        if not isinstance(key, str) or not key.strip():
            raise InvalidRequest("an idempotency key is required")
        # One lock around look-up, work and record: two retries racing with one key charge once.
        with self.ledger.lock:
            if key in self.ledger.idempotency:
                seen, outcome = self.ledger.idempotency[key]
                if seen != request:
                    raise IdempotencyConflict(f"idempotency key {key!r} was used with different arguments")
                if isinstance(outcome, PaymentDeclined):
                    raise PaymentDeclined(outcome.code, outcome.message)
                return outcome
            try:
                outcome = perform()
            except PaymentDeclined as declined:
                # A decline is a result, replayed like one; misuse errors are not kept, as in Stripe.
                self.ledger.idempotency[key] = (request, declined)
                raise
            self.ledger.idempotency[key] = (request, outcome)
            return outcome

    def _authorise(self, amount_pence: int, card: CardDetails) -> Authorisation:
        reason = decline_reason(card, self.today())
        if reason is not None:
            raise PaymentDeclined(*reason)
        authorisation = Authorisation(_new_id("auth"), amount_pence, _new_id("tok"), card.digits[-4:])
        self.ledger.authorisations[authorisation.id] = authorisation
        self.ledger.status[authorisation.id] = "authorised"
        return authorisation

    def _capture(self, authorisation_id: str, amount_pence: int) -> Capture:
        authorised = self._open_authorisation(authorisation_id).amount_pence
        if amount_pence > authorised:
            raise AmountTooLarge(f"cannot capture {amount_pence}p of {authorised}p authorised")
        capture = Capture(_new_id("cap"), authorisation_id, amount_pence)
        self.ledger.status[authorisation_id] = "captured"
        self.ledger.captures[capture.id] = capture
        self.ledger.refunded_pence[capture.id] = 0
        return capture

    def _refund(self, capture_id: str, amount_pence: int) -> Refund:
        capture = self.ledger.captures.get(capture_id)
        if capture is None:
            raise UnknownPayment(f"no capture {capture_id!r}")
        remaining = capture.amount_pence - self.ledger.refunded_pence[capture_id]
        if amount_pence > remaining:
            raise AmountTooLarge(f"cannot refund {amount_pence}p: {remaining}p of the capture is left to refund")
        self.ledger.refunded_pence[capture_id] += amount_pence
        refund = Refund(_new_id("re"), capture_id, amount_pence)
        self.ledger.refunds[refund.id] = refund
        return refund

    def _void(self, authorisation_id: str) -> Void:
        self._open_authorisation(authorisation_id)
        self.ledger.status[authorisation_id] = "voided"
        return Void(_new_id("void"), authorisation_id)

    def _open_authorisation(self, authorisation_id: str) -> Authorisation:
        authorisation = self.ledger.authorisations.get(authorisation_id)
        if authorisation is None:
            raise UnknownPayment(f"no authorisation {authorisation_id!r}")
        status = self.ledger.status[authorisation_id]
        if status != "authorised":
            raise InvalidState(f"authorisation {authorisation_id!r} is already {status}")
        return authorisation

    def _fingerprint(self, card: CardDetails) -> str:
        fields = (card.digits, card.exp_month, card.exp_year, card.cvc, card.holder_name)
        return hmac.new(self.ledger.secret, repr(fields).encode(), hashlib.sha256).hexdigest()


def decline_reason(card: CardDetails, today: dt.date) -> tuple[str, str] | None:
    """Return the (code, message) a test-mode processor would decline this card with, or None."""
    number = card.digits
    if not re.fullmatch(r"[0-9]{12,19}", number) or not luhn_valid(number):
        return "invalid_number", "Your card number is incorrect."
    if not 1 <= card.exp_month <= 12:
        return "invalid_expiry_month", "Your card's expiration month is invalid."
    # A card is good until the last day of its expiry month.
    if (card.exp_year, card.exp_month) < (today.year, today.month):
        return "expired_card", "Your card has expired."
    if not re.fullmatch(r"[0-9]{3,4}", card.cvc):
        return "invalid_cvc", "Your card's security code is invalid."
    return DECLINING_CARDS.get(number)


def luhn_valid(number: str) -> bool:
    """Tell whether a string of digits passes the Luhn check that every card number satisfies."""
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(number)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _check_amount(amount_pence: int) -> None:
    # bool is an int in Python; True pence is a bug, not a penny.
    if type(amount_pence) is not int or not 0 < amount_pence <= MAX_AMOUNT_PENCE:
        raise InvalidRequest(f"amount must be whole pence between 1 and {MAX_AMOUNT_PENCE}, not {amount_pence!r}")


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"
