"""An order's statuses: which it may move to, and which hold stock or were paid. Pure."""

from __future__ import annotations

# status -> the statuses it may move to
TRANSITIONS = {
    "placed": {"paid", "cancelled"},
    "paid": {"confirmed", "refunded"},
    "confirmed": {"fulfilled", "refunded"},
    "fulfilled": {"refunded"},
    "cancelled": set(),
    "refunded": set(),
}
HOLDS_STOCK = {"placed"}
REFUNDABLE = ("paid", "confirmed", "fulfilled")  # money taken, and some may still be given back
WERE_PAID = (*REFUNDABLE, "refunded")  # an unpaid order holds its stock until paid, cancelled or expired
