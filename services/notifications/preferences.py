"""Each person's say in how each kind is told: by email (the default), on the site only, or in the weekly digest.

The notice on the site is always written; a preference decides only the email. ``email_for`` is what
``notices.tell`` asks, per (person, kind): "now" (into the mail outbox), "digest" (held for her weekly
digest, digest.py) or "none". Essential kinds (verifying an address, resetting a password, a repeated
registration) are always emailed and cannot be changed or unsubscribed from; "digest" is only for the
chatty kinds, which can wait a week. Only a choice other than "email" is stored (table ``preferences``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications import messages
from services.notifications.models import Preference
from shared.db import dialect_insert, utcnow
from shared.errors import Unprocessable

SETTINGS = ("email", "site", "digest")
DEFAULT = "email"
ESSENTIAL = ("verify_email", "password_reset", "registration_repeated")
# The kinds that may wait for the weekly digest.
CHATTY = ("proposal_decided", "order_confirmed", "order_fulfilled", "application_moved", "payout_paid")
# The kind name an unsubscribe link carries for the digest itself: every kind she has in the digest.
DIGEST = "digest"

# What each kind is called on the preferences page (the kinds of common17.md; one not here shows its subject).
LABELS = {
    "member_admitted": "Your application is accepted",
    "member_declined": "Your application is declined",
    "verify_email": "Confirming your email address",
    "password_reset": "Resetting your password",
    "registration_repeated": "Someone tried to register with your email address",
    "new_order": "A new order for your shop",
    "order_confirmed": "Your order is confirmed",
    "order_fulfilled": "Your order is on its way",
    "order_refunded": "Your order is refunded",
    "payout_paid": "A payout is paid to you",
    "proposal_opened": "A vote is open",
    "proposal_closing_soon": "A vote you have not cast closes soon",
    "proposal_decided": "A vote is decided",
    "work_allocated": "Contract work is allocated to you",
    "offer_lapsing": "A contract offer lapses soon",
    "application_moved": "A job application moved on",
    "disclosure_read": "Your disclosure was read",
    "check_in_due": "A placement check-in is due",
}


def choices_for(kind: str) -> tuple[str, ...]:
    """The settings she may choose for a kind: none for an essential one, "digest" only for a chatty one."""
    if kind in ESSENTIAL:
        return ()
    return SETTINGS if kind in CHATTY else ("email", "site")


def setting_of(session: Session, account_id: int, kind: str) -> str:
    """Her setting for one kind: "email" unless she chose otherwise (always "email" for an essential kind)."""
    if kind in ESSENTIAL:
        return DEFAULT
    chosen = session.scalar(select(Preference.setting).where(Preference.account_id == account_id,
                                                             Preference.kind == kind))
    return chosen or DEFAULT


def email_for(session: Session, account_id: int, kind: str) -> str:
    """What becomes of the email of one kind to her: "now", "digest" (held for the weekly one) or "none"."""
    setting = setting_of(session, account_id, kind)
    if setting == "digest" and kind in CHATTY:
        return "digest"
    return "none" if setting == "site" else "now"


def own(session: Session, account_id: int) -> list[dict]:
    """Every kind there is, with its label, her setting, and what she may choose (nothing, if essential)."""
    chosen = dict(session.execute(select(Preference.kind, Preference.setting)
                                  .where(Preference.account_id == account_id)).all())
    return [{"kind": kind, "label": LABELS.get(kind, spec.subject),
             "setting": DEFAULT if kind in ESSENTIAL else chosen.get(kind, DEFAULT),
             "choices": list(choices_for(kind)), "essential": kind in ESSENTIAL}
            for kind, spec in sorted(messages.KINDS.items(), key=lambda item: _order(item[0]))]


def _order(kind: str) -> tuple[int, str]:
    known = list(LABELS)
    return (known.index(kind), kind) if kind in known else (len(known), kind)


def change(session: Session, account_id: int, settings: dict[str, str]) -> list[dict]:
    """Set some of her kinds; every one is checked first, so a refusal (422) changes nothing."""
    wrong = [problem for kind, setting in sorted(settings.items()) if (problem := _refusal(kind, setting))]
    if wrong:
        raise Unprocessable("Nothing was changed: " + "; ".join(wrong) + ".")
    for kind, setting in settings.items():
        _set(session, account_id, kind, setting)
    session.flush()
    return own(session, account_id)


def _refusal(kind: str, setting: str) -> str | None:
    if kind not in messages.KINDS:
        return f"there is no kind {kind[:60]!r}"
    if kind in ESSENTIAL:
        return f"{kind} is always emailed and cannot be changed"
    if setting not in choices_for(kind):
        return f"{kind} may be {' or '.join(choices_for(kind))}, not {setting!r}"
    return None


def unsubscribe(session: Session, account_id: int, kind: str) -> None:
    """One-click unsubscribe: that kind on the site only (the digest's link: every kind she had in it)."""
    if kind == DIGEST:
        held = list(session.scalars(select(Preference.kind).where(Preference.account_id == account_id,
                                                                  Preference.setting == "digest")))
        for each in held:
            _set(session, account_id, each, "site")
    elif kind not in ESSENTIAL:
        _set(session, account_id, kind, "site")
    session.flush()


def _set(session: Session, account_id: int, kind: str, setting: str) -> None:
    # An upsert: two changes at once to a kind she never set before both succeed, the last one standing.
    statement = dialect_insert(session)(Preference).values(
        account_id=account_id, kind=kind, setting=setting, changed_at=utcnow())
    session.execute(statement.on_conflict_do_update(
        index_elements=[Preference.account_id, Preference.kind],
        set_={"setting": statement.excluded.setting, "changed_at": statement.excluded.changed_at}))
