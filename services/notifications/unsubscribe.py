"""One-click unsubscribe (RFC 8058): a signed link in every non-essential email, its headers and its footer.

The link is ``<site>/notifications/unsubscribe/<token>``: a JWT (HS256) carrying her account and the kind,
with its own audience and purpose so that no access token is one and no unsubscribe token is an access
token, and no expiry: a link in a mail read a year later still works. Its key is derived from the shared
settings' JWT signing key (the key file under the data folder), under a label of its own.

The headers and the footer are added when the sender hands a row to the mailer (``email_of``), from the
row's kind and account, not stored on the row: an essential kind is told apart in one place, and a row
written before this existed, or one tried again, carries the same link as any other.
"""

from __future__ import annotations

import hashlib

import jwt
from cryptography.hazmat.primitives import serialization
from markupsafe import escape

from services.notifications import preferences
from shared import mail
from shared.auth import load_or_create_private_key
from shared.errors import NotFound
from shared.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "coop-unsubscribe"
PURPOSE = "unsubscribe"
_LABEL = b"coop notifications: unsubscribe links\x00"


def signing_key(settings: Settings) -> bytes:
    """The key unsubscribe tokens are signed with: a hash of the JWT signing key under this purpose's label."""
    private = load_or_create_private_key(settings.private_key_path)
    der = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return hashlib.sha256(_LABEL + der).digest()


def token_for(settings: Settings, account_id: int, kind: str) -> str:
    """The token of her link to stop one kind of email (``preferences.DIGEST`` for the digest)."""
    claims = {"sub": str(account_id), "kind": kind, "purpose": PURPOSE, "aud": AUDIENCE,
              "iss": settings.jwt_issuer}
    return jwt.encode(claims, signing_key(settings), algorithm=ALGORITHM)


def read(settings: Settings, token: str) -> tuple[int, str]:
    """The (account, kind) a token speaks for; NotFound for a forged, altered or other-purpose token."""
    try:
        claims = jwt.decode(token, signing_key(settings), algorithms=[ALGORITHM], audience=AUDIENCE,
                            issuer=settings.jwt_issuer, options={"require": ["sub", "aud", "iss"]})
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


def email_of(row, runtime) -> mail.Email:
    """The mail to hand over for an outbox row: with the unsubscribe headers and footer unless it is essential."""
    email = mail.Email(to=row.to_address, subject=row.subject, text=row.text, html=row.html)
    if row.kind in preferences.ESSENTIAL:
        return email
    site_url = runtime.collaborators.settings.site_url
    link = url_for(site_url, token_for(runtime.settings, row.account_id, row.kind))
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
