"""Sending email: one message built the same way for every mailer, handed to an SMTP server or written as a file.

``mailer_from_url`` picks the mailer from a setting: an ``smtp://`` or ``smtps://`` URL hands mail to that
server with the standard library's ``smtplib`` (STARTTLS and login as the URL says); no URL writes each mail
as ``<message_id>.eml`` in a folder, so a run needs no mail server. Both take the same ``Email`` and the
same ``message_id``: the caller's id for this mail, so a retry writes the same file, or sends a message
with the same Message-ID header, and a receiver can tell it is the one already seen.

A mailer raises ``MailRefused`` when the mail could not be handed over. ``permanent`` says whether to give
up on that mail (the server refused it for good, a 5xx reply to its sender, recipient or content) or to try
again later (a 4xx reply, a server down or slow, and a refused login: that is the setting's fault, not the
mail's, and the mail will go once the setting is put right).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import smtplib
import ssl
import tempfile
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger(__name__)

# What a message id may hold: it names the .eml file and sits in the Message-ID header.
MESSAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

# The builder sets these; an extra header may not replace them. Cc, Bcc and Resent-* would add recipients
# (smtplib sends to every address in them), and a mail goes to its one addressee and nobody else.
RESERVED_HEADERS = re.compile(r"(from|to|cc|bcc|subject|date|message-id|mime-version|sender|content-.*|resent-.*)",
                              re.IGNORECASE)

# 5xx replies that refuse us (no login, wrong login), not the mail: worth trying again once the setting is fixed.
LOGIN_REFUSALS = frozenset({530, 534, 535, 538})

DEFAULT_PORTS = {"smtps": 465, "starttls": 587, "smtp": 25}
TRUE_WORDS, FALSE_WORDS = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})


@dataclasses.dataclass(frozen=True)
class Email:
    """One mail to one person: the plain-text part, the HTML part if any, and extra headers."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


class MailRefused(Exception):
    """The mail could not be handed over; ``permanent`` when the server refused it for good (5xx), else try later.

    A refused login is not permanent, though a 5xx: the setting is at fault, not the mail.
    """

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


# Headers are folded only past RFC 5322's 998-character limit: at the default 78 a long header without
# spaces (List-Unsubscribe's <https://…/token>) would be written as an RFC 2047 encoded word, which mail
# programs do not read as a link.
HEADER_POLICY = email_policy.default.clone(max_line_length=998)


def build_message(email: Email, sender: str, message_id: str, now: dt.datetime | None = None) -> EmailMessage:
    """Return the message to send: UTF-8 text (and HTML) parts, Message-ID from the sender's domain, Date in UTC."""
    check_message_id(message_id)
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    _one_address(email.to, "recipient")
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime((now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC))
    message["Message-ID"] = f"<{message_id}@{sender_domain(sender)}>"
    for name, value in email.headers.items():
        if RESERVED_HEADERS.fullmatch(name):
            raise ValueError(f"the header {name} is set by build_message, not as an extra header")
        message[name] = value
    # Quoted-printable keeps every line 7-bit, so no relay has to know 8BITMIME to carry the UTF-8 text.
    message.set_content(email.text, charset="utf-8", cte="quoted-printable")
    if email.html is not None:
        message.add_alternative(email.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _built(email: Email, sender: str, message_id: str) -> EmailMessage:
    """Build the message, or refuse the mail for good: no attempt would make a bad address or header good."""
    try:
        return build_message(email, sender, message_id)
    except ValueError as error:
        raise MailRefused(f"the mail cannot be built: {error}", permanent=True) from error


def check_message_id(message_id: str) -> None:
    """Refuse a message id that could not be a file name and a Message-ID's left part."""
    if not isinstance(message_id, str) or not MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"a message id is letters, digits, '.', '_' and '-' (at most 200), not {message_id!r}")


def sender_domain(sender: str) -> str:
    """Return the domain of the sender's address (Message-IDs are made unique within it)."""
    return _one_address(sender, "sender").rpartition("@")[2].lower()


def _one_address(value: str, role: str) -> str:
    """Return the address in ``value`` ("Name <address>" or the address), refusing none or several."""
    found = getaddresses([value])
    address = found[0][1] if len(found) == 1 else ""
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise ValueError(f"the {role} {value!r} is not one email address")
    return address


@dataclasses.dataclass(frozen=True)
class SmtpServerAddress:
    """Where and how to hand mail over, read from an ``smtp://`` or ``smtps://`` URL."""

    host: str
    port: int
    security: str  # "smtps" (TLS from the start), "starttls", or "smtp" (none)
    user: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpServerAddress:
    """Read an SMTP URL; ValueError saying what is wrong with it (its password left out)."""
    def wrong(problem: str) -> ValueError:
        return ValueError(f"the SMTP URL {redact(url)} {problem}")

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        # Not urllib's words: they may quote a piece of the password that it took for the port.
        raise wrong("cannot be read: a port that is not a number from 1 to 65535, or a password with "
                    "':', '/', '?', '#' or '@' not percent-encoded") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise wrong("must start smtp:// or smtps://")
    if not parts.hostname:
        raise wrong("names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise wrong("has a path or a fragment; percent-encode '/', '?' and '#' in the password")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise wrong(f"has unknown options {unknown}; the one option is starttls=1")
    starttls = query.get("starttls", ["0"])[-1].lower()
    if starttls not in TRUE_WORDS | FALSE_WORDS:
        raise wrong(f"has starttls={starttls!r}; use starttls=1 or starttls=0")
    security = parts.scheme
    if starttls in TRUE_WORDS:
        if parts.scheme == "smtps":
            raise wrong("asks for STARTTLS on smtps://, which is TLS from the start already")
        security = "starttls"
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if bool(user) != bool(password):
        raise wrong("gives a user without a password or a password without a user")
    return SmtpServerAddress(parts.hostname, port or DEFAULT_PORTS[security], security, user, password)


def redact(url: str) -> str:
    """Return the URL with its password hidden, and whatever could be one: a port that is no number, an option."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator:
        scheme, rest = "", url.strip()
    login = ""
    if "@" in rest:  # the last one: a host has none, and a password may have one not encoded
        userinfo, _at, rest = rest.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        login = f"{user}:***@" if colon else "***@"
    rest, question, query = rest.partition("?")
    if not login:
        rest = re.sub(r":(?!\d*(?:[/#]|$))[^/#]*", ":***", rest, count=1)
    options = "&".join(pair if pair.partition("=")[0] == "starttls" else f"{pair.partition('=')[0]}=***"
                       for pair in query.split("&")) if query else ""
    return scheme + separator + login + rest + question + options


class SmtpMailer:
    """Hands mail to an SMTP server (smtplib): ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://...``."""

    def __init__(self, url: str, sender: str, timeout: float = 10.0, tls: ssl.SSLContext | None = None):
        self.server = parse_smtp_url(url)
        sender_domain(sender)
        self.sender = sender
        self.timeout = timeout
        # The server's certificate is checked against the system's authorities unless told otherwise (tests).
        self.tls = tls

    def __repr__(self) -> str:
        return f"SmtpMailer({self.server.security}://{self.server.host}:{self.server.port}, user={self.server.user!r})"

    def send(self, email: Email, message_id: str) -> None:
        """Hand one mail to the server; MailRefused if it was not taken (``permanent`` if refused for good)."""
        message = _built(email, self.sender, message_id)
        try:
            with self._connect() as client:
                if self.server.security == "starttls":
                    client.starttls(context=self.tls or ssl.create_default_context())
                if self.server.user:
                    client.login(self.server.user, self.server.password)
                client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise MailRefused(f"the server refused the recipient: {_replies(error.recipients.values())}",
                              permanent=bool(codes) and all(_refused_for_good(code) for code in codes)) from error
        except smtplib.SMTPConnectError as error:
            raise MailRefused(f"the server would not talk: {_reply(error.smtp_code, error.smtp_error)}",
                              permanent=False) from error
        except smtplib.SMTPResponseException as error:
            raise MailRefused(f"the server refused the mail: {_reply(error.smtp_code, error.smtp_error)}",
                              permanent=_refused_for_good(error.smtp_code)) from error
        except (smtplib.SMTPException, OSError) as error:
            # Down, slow, cut off, no STARTTLS, a TLS failure: nothing says this mail is at fault.
            raise MailRefused(f"could not reach the server {self.server.host}:{self.server.port}: "
                              f"{type(error).__name__}: {error}", permanent=False) from error
        log.info("mail handed over", extra={"message_id": message_id, "smtp_host": self.server.host})

    def _connect(self) -> smtplib.SMTP:
        if self.server.security == "smtps":
            return smtplib.SMTP_SSL(self.server.host, self.server.port, timeout=self.timeout,
                                    context=self.tls or ssl.create_default_context())
        return smtplib.SMTP(self.server.host, self.server.port, timeout=self.timeout)


def _refused_for_good(code: int) -> bool:
    return 500 <= code < 600 and code not in LOGIN_REFUSALS


def _reply(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _replies(replies) -> str:
    return "; ".join(_reply(code, text) for code, text in replies)


class FileMailbox:
    """Writes each mail as <folder>/<message_id>.eml (the embedded default: no mail server needed)."""

    def __init__(self, folder: Path, sender: str):
        sender_domain(sender)
        self.folder = Path(folder)
        self.sender = sender

    def __repr__(self) -> str:
        return f"FileMailbox({str(self.folder)!r})"

    def path_for(self, message_id: str) -> Path:
        """Return where the mail with this id is (or will be) written."""
        check_message_id(message_id)
        return self.folder / f"{message_id}.eml"

    def send(self, email: Email, message_id: str) -> None:
        """Write the mail whole or not at all (a temporary file renamed); the same id writes the same file."""
        data = _built(email, self.sender, message_id).as_bytes()
        target = self.path_for(message_id)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{message_id}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise MailRefused(f"could not write {target}: {error}", permanent=False) from error
        log.info("mail written", extra={"message_id": message_id, "path": str(target)})


def mailer_from_url(url: str | None, folder: Path, sender: str) -> SmtpMailer | FileMailbox:
    """Return an SmtpMailer for an smtp:// or smtps:// URL, a FileMailbox when there is no URL.

    Any other URL is a ValueError naming its problem, without its password.
    """
    if url is None or not url.strip():
        return FileMailbox(folder, sender)
    return SmtpMailer(url.strip(), sender)
