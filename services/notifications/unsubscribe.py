"""One-click unsubscribe (RFC 8058): a signed link in every non-essential email, its headers and its footer.

The link is ``<site>/notifications/unsubscribe/<token>``: a JWT (HS256) carrying her account and the kind,
with its own audience and purpose so that no access token is one and no unsubscribe token is an access
token, and no expiry: a link in a mail read a year later still works. Its key is a random one the service
makes once and keeps in its own database (``signing_keys``): the worker that signs and the web processes
that check share the database, not a file (in docker compose they have no data folder in common, and the
service holds only the members service's public key). Deleting the row changes the key: every link
already sent stops working.

The headers and the footer are added when the sender hands a row to the mailer (``email_of``), from the
row's kind and account, not stored on the row: an essential kind is told apart in one place, and a row
written before this existed, or one tried again, carries the same link as any other.
"""

from __future__ import annotations

import secrets

import jwt
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications import preferences
from services.notifications.models import SigningKey
from shared import mail
from shared.db import dialect_insert
from shared.errors import NotFound

ALGORITHM = "HS256"
AUDIENCE = "coop-unsubscribe"
ISSUER = "coop-notifications"
PURPOSE = "unsubscribe"


def signing_key(session: Session, make: bool = True) -> bytes | None:
    """The key unsubscribe tokens are signed with: made at first use (unless ``make`` is false: then None),
    the same for every process after."""
    found = session.scalar(select(SigningKey.key).where(SigningKey.purpose == PURPOSE))
    if found is None and not make:
        return None
    if found is None:
        # Two processes making it at once: the first one's stands, and both read it back.
        session.execute(dialect_insert(session)(SigningKey).values(purpose=PURPOSE, key=secrets.token_hex(32))
                        .on_conflict_do_nothing(index_elements=[SigningKey.purpose]))
        found = session.scalar(select(SigningKey.key).where(SigningKey.purpose == PURPOSE))
    return bytes.fromhex(found)


def token_for(session: Session, account_id: int, kind: str) -> str:
    """The token of her link to stop one kind of email (``preferences.DIGEST`` for the digest)."""
    claims = {"sub": str(account_id), "kind": kind, "purpose": PURPOSE, "aud": AUDIENCE,
              "iss": ISSUER}
    return jwt.encode(claims, signing_key(session), algorithm=ALGORITHM)


def read(session: Session, token: str) -> tuple[int, str]:
    """The (account, kind) a token speaks for; NotFound for a forged, altered or other-purpose token."""
    key = signing_key(session, make=False)  # none yet: no link was ever sent, so none is good
    try:
        if key is None:
            raise ValueError("no key yet")
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=AUDIENCE,
                            issuer=ISSUER, options={"require": ["sub", "aud", "iss"]})
        account_id, kind = int(claims["sub"]), claims.get("kind")
    except (jwt.PyJWTError, ValueError, TypeError):
        raise NotFound("There is no such unsubscribe link.") from None
    if claims.get("purpose") != PURPOSE or not isinstance(kind, str) or kind in preferences.ESSENTIAL:
        raise NotFound("There is no such unsubscribe link.")
    return account_id, kind


def url_for(site_url: str, token: str) -> str:
    """The link as people reach it: the service under /notifications at the gateway."""
    return f"{site_url.rstrip('/')}/notifications/unsubscribe/{token}"


def preferences_url(site_url: str) -> str:
    return f"{site_url.rstrip('/')}/notifications/inbox/preferences"


def email_of(session: Session, row, runtime) -> mail.Email:
    """The mail to hand over for an outbox row: with the unsubscribe headers and footer unless it is essential."""
    email = mail.Email(to=row.to_address, subject=row.subject, text=row.text, html=row.html)
    if row.kind in preferences.ESSENTIAL:
        return email
    site_url = runtime.collaborators.settings.site_url
    link = url_for(site_url, token_for(session, row.account_id, row.kind))
    choose = preferences_url(site_url)
    text = (f"{row.text.rstrip()}\n\n-- \nTo stop emails like this one: {link}\n"
            f"To choose what the co-op emails you: {choose}\n")
    html = row.html
    if html is not None:
        footer = (f'<p class="unsubscribe"><a href="{escape(link)}">Stop emails like this one</a> · '
                  f'<a href="{escape(choose)}">Choose what the co-op emails you</a></p>\n')
        before, found, after = html.rpartition("</body>")
        html = before + footer + found + after if found else html + footer
    return mail.Email(to=row.to_address, subject=row.subject, text=text, html=html,
                      headers={"List-Unsubscribe": f"<{link}>",
                               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
