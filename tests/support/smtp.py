"""A real SMTP server for the tests: aiosmtpd on a loopback port, keeping what it receives.

    @pytest.fixture
    def smtp():
        yield from smtp_server()                 # or smtp_server(users={"relay": "secret"})

    mailer = SmtpMailer(smtp.url, "Co-op <noreply@coop.example>")
    smtp.refuse(550)                             # the next mail is refused for good at RCPT
    smtp.refuse(451, count=2, at="DATA")         # the next two are put off
    smtp.stop(); ...; smtp.start()               # down, then up again on the same port
    SmtpServer(tls="starttls") or SmtpServer(tls="smtps")  # TLS with a certificate of its own for 127.0.0.1;
                                                 # smtp.client_tls is a client context that trusts it

Each mail it takes is kept parsed (``messages``, ``EmailMessage`` with the default policy, lines ending in
``\n``), with its envelope (``envelopes``: who it came from and went to, which may differ from the headers).
A server with ``users`` requires a login over plain SMTP, which aiosmtpd warns about: a test module that
uses one adds ``pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REPLIES = {550: "550 5.1.1 mailbox unavailable (test)", 451: "451 4.3.0 try again later (test)"}


@dataclasses.dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: tuple[str, ...]


@dataclasses.dataclass
class _Refusal:
    reply: str
    at: str
    left: int


def free_port() -> int:
    """Return a loopback port nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """An SMTP server on 127.0.0.1 that keeps each mail, and refuses the next ones when told to."""

    host = "127.0.0.1"

    def __init__(self, users: dict[str, str] | None = None, port: int | None = None, tls: str | None = None):
        if tls not in (None, "starttls", "smtps"):
            raise ValueError("tls is None, 'starttls' or 'smtps'")
        self.users = dict(users or {})
        self.port = port or free_port()
        self.tls = tls
        self.client_tls: ssl.SSLContext | None = None
        self._server_tls: ssl.SSLContext | None = None
        if tls:
            self._server_tls, self.client_tls = certificate_contexts(self.host)
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.logins: list[str] = []
        self._refusals: list[_Refusal] = []
        self._received = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        """The URL a mailer is given for this server (with the first user's login, if it requires one)."""
        login = next(iter(self.users.items()), None)
        credentials = f"{login[0]}:{login[1]}@" if login else ""
        scheme, option = {"smtps": ("smtps", ""), "starttls": ("smtp", "?starttls=1")}.get(self.tls, ("smtp", ""))
        return f"{scheme}://{credentials}{self.host}:{self.port}{option}"

    def start(self) -> SmtpServer:
        """Listen (again on the same port after stop(), so the URL stays the same)."""
        if self._controller is None:
            options = {}
            if self.users:
                options = {"auth_required": True, "auth_require_tls": self.tls == "starttls",
                           "authenticator": self._authenticate}
            if self.tls == "starttls":
                options |= {"tls_context": self._server_tls, "require_starttls": True}
            elif self.tls == "smtps":
                options |= {"ssl_context": self._server_tls}
            self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a mailer then finds nothing on the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def refuse(self, code: int, count: int = 1, at: str = "RCPT") -> None:
        """Answer the next ``count`` mails with ``code`` (550 or 451, or any "NNN text") at RCPT or DATA."""
        if at not in ("RCPT", "DATA"):
            raise ValueError("refuse at 'RCPT' or 'DATA'")
        reply = REPLIES.get(code, f"{code} refused (test)")
        with self._received:
            self._refusals.append(_Refusal(reply, at, count))

    def wait_for(self, count: int, timeout: float = 5.0) -> list[email.message.EmailMessage]:
        """Return the messages once at least ``count`` have arrived (AssertionError after ``timeout``)."""
        with self._received:
            if not self._received.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} mails arrived within {timeout}s, not {count}")
            return list(self.messages)

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """Return the messages whose envelope went to this address."""
        with self._received:
            return [message for message, envelope in zip(self.messages, self.envelopes, strict=True)
                    if address in envelope.rcpt_tos]

    def _take_refusal(self, stage: str) -> str | None:
        with self._received:
            for refusal in self._refusals:
                if refusal.at == stage and refusal.left > 0:
                    refusal.left -= 1
                    return refusal.reply
            return None

    def _keep(self, envelope) -> None:
        # As a mail program shows it: lines end in "\n", not in the wire's "\r\n".
        data = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self._received:
            self.messages.append(message)
            self.envelopes.append(Envelope(envelope.mail_from, tuple(envelope.rcpt_tos)))
            self._received.notify_all()

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(login) == password:
                with self._received:
                    self.logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class _Handler:
    """aiosmtpd's hooks: refuse when told to, else keep the mail."""

    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.server._take_refusal("RCPT")
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.server._take_refusal("DATA")
        if refusal:
            return refusal
        self.server._keep(envelope)
        return "250 Message accepted for delivery"


def smtp_server(users: dict[str, str] | None = None, tls: str | None = None) -> Iterator[SmtpServer]:
    """Run an SmtpServer for as long as the generator is open (``yield from`` it in a fixture)."""
    with SmtpServer(users, tls=tls) as server:
        yield server


def certificate_contexts(host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Return a server context with a new self-signed certificate for ``host`` and a client context trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:  # load_cert_chain reads only files
        (Path(folder) / "cert.pem").write_bytes(certificate_pem)
        (Path(folder) / "key.pem").write_bytes(key_pem)
        server.load_cert_chain(Path(folder) / "cert.pem", Path(folder) / "key.pem")
    client = ssl.create_default_context(cadata=certificate_pem.decode())
    return server, client
