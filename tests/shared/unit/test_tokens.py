"""Access tokens: signed by the members service, verified by any service from a key or a JWKS URL."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from shared.auth import InvalidToken, Principal, TokenIssuer, TokenVerifier, jwks, load_or_create_private_key


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    return load_or_create_private_key(tmp_path_factory.mktemp("keys") / "private.pem")


@pytest.fixture
def issuer(key):
    return TokenIssuer(key, issuer="coop-members", audience="coop", minutes=5)


@pytest.fixture
def jwks_url(key):
    """Serve the JWKS on a loopback port, as the members service does."""
    body = json.dumps(jwks(key.public_key())).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def test_a_token_names_the_account_its_roles_and_its_member(issuer, key):
    token, _ = issuer.issue(Principal(4, ("member",), member_id=9))
    verifier = TokenVerifier("coop-members", "coop", public_key=key.public_key())
    assert verifier.verify(token) == Principal(4, ("member",), member_id=9)


def test_another_service_verifies_tokens_with_the_published_jwks(issuer, jwks_url):
    token, _ = issuer.issue(Principal(4, ("coordinator",)))
    assert TokenVerifier("coop-members", "coop", jwks_url=jwks_url).verify(token).roles == ("coordinator",)


def test_a_token_for_another_audience_is_refused(issuer, key):
    token, _ = issuer.issue(Principal(4, ("member",)))
    with pytest.raises(InvalidToken):
        TokenVerifier("coop-members", "someone-else", public_key=key.public_key()).verify(token)


def test_a_tampered_token_is_refused(issuer, key):
    token, _ = issuer.issue(Principal(4, ("member",)))
    header, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        TokenVerifier("coop-members", "coop", public_key=key.public_key()).verify(f"{header}.{payload}x.{signature}")


def test_the_signing_key_is_created_once_and_readable_only_by_its_owner(tmp_path):
    path = tmp_path / "key.pem"
    first = load_or_create_private_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_private_key(path).private_numbers() == first.private_numbers()
