"""What each kind of notice says: its subject, and its notice, text and HTML bodies from Jinja templates.

A template is given only the data it needs, named in ``KINDS``: never a whole event or a whole row, so
that nothing confidential (a conviction, a disclosure, a restriction, a suspension's reason, a vote)
can reach an email or a notice by accident. tests/notifications/unit/test_notifications_messages.py renders every
kind with data full of such facts and checks that none appears.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of notice: its subject and the only fields its templates are given."""

    subject: str
    fields: tuple[str, ...]


KINDS = {
    "member_admitted": Kind("Welcome: you are a member", ("display_name", "member_name", "notices_url")),
    "member_declined": Kind("Your application to join the co-op", ("display_name", "decline_reason", "notices_url")),
    "verify_email": Kind("Confirm your email address", ("display_name", "verify_url", "expires_at")),
    "password_reset": Kind("Resetting your password", ("display_name", "reset_url", "expires_at", "requested_at")),
    "registration_repeated": Kind("Someone tried to register with your email address",
                                  ("display_name", "forgot_password_url", "attempted_at")),
    "new_order": Kind("A new order for you", ("display_name", "order_id", "lines", "gross", "commission", "net",
                                              "notices_url")),
    "order_confirmed": Kind("Your order is confirmed", ("display_name", "order_id", "lines", "total", "receipt_url")),
    "order_fulfilled": Kind("Your order is on its way", ("display_name", "order_id", "lines", "total",
                                                         "receipt_url")),
    "order_refunded": Kind("Your order has been refunded", ("display_name", "order_id", "lines", "total",
                                                            "receipt_url")),
    "payout_paid": Kind("Your payout is paid", ("display_name", "amount", "period_start", "period_end",
                                                "statement_url")),
    "proposal_opened": Kind("A new proposal to vote on", ("display_name", "title", "closes_at", "proposal_url")),
    "proposal_closing_soon": Kind("A vote closes soon", ("display_name", "title", "closes_at", "proposal_url")),
    "proposal_decided": Kind("A proposal has been decided", ("display_name", "title", "outcome", "tally",
                                                             "votes_cast", "quorum", "proposal_url")),
    "work_allocated": Kind("Work offered to you on a contract", ("display_name", "reference", "description",
                                                                 "quantity", "value", "respond_by",
                                                                 "work_url", "notices_url")),
    "offer_lapsing": Kind("An offer of work lapses soon", ("display_name", "reference", "title", "buyer_name",
                                                           "lapses_at", "desk_url", "notices_url")),
    "application_moved": Kind("An application has moved on", ("display_name", "vacancy_title", "stage",
                                                               "notices_url")),
    "disclosure_read": Kind("Your disclosure was read", ("display_name", "reader_name", "reader_role", "read_at",
                                                         "notices_url")),
    "check_in_due": Kind("A placement check-in is due", ("display_name", "placement_id", "employer_name",
                                                         "due_on", "placement_url")),
}

# Always emailed, even to an address not yet verified (they are how she verifies it, or gets back in).
ESSENTIAL = frozenset({"verify_email", "password_reset", "registration_repeated"})

_text = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False,
                    keep_trailing_newline=True)
_html = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                    autoescape=select_autoescape(default=True))


@dataclasses.dataclass(frozen=True)
class Message:
    subject: str
    notice: str
    text: str
    html: str


def render(kind: str, data: dict) -> Message:
    """Render one kind of notice from the fields it names (and nothing else of ``data``)."""
    spec = KINDS[kind]
    given = {name: data[name] for name in spec.fields}
    return Message(
        subject=spec.subject,
        notice=_text.get_template(f"{kind}_notice.txt").render(given).strip(),
        text=_text.get_template(f"{kind}.txt").render(given),
        html=_html.get_template(f"{kind}.html").render(subject=spec.subject, **given),
    )
