"""JWT access tokens: signed (RS256) by the members service, verified locally by every service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import secrets
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app, g, request
from flask_smorest import Blueprint, abort

from shared.errors import Unauthorized

ROLES = ("member", "agency", "coordinator", "customer", "employer", "admin")
ALGORITHM = "RS256"


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: an account, its roles, and the member it acts for, if any."""

    account_id: int
    roles: tuple[str, ...]
    member_id: int | None = None
    # The sign-in (refresh-token family) the token was issued for: sign-out and revocation end it.
    session_id: str | None = None

    def has_any(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class InvalidToken(Exception):
    """The token is missing, expired, malformed or signed with a key we do not trust."""


def load_or_create_private_key(path: Path) -> rsa.RSAPrivateKey:
    """Read the signing key from a PEM file, generating it (mode 0600) on first use."""
    if path.exists():
        found = path.stat()
        return _read_private_key(path.resolve(), found.st_mtime_ns, found.st_size)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Written whole under another name, then linked into place: a process starting at the same moment
    # (another gunicorn worker) either wins or finds the finished file, never half of one.
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        os.link(draft, path)
    except FileExistsError:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    finally:
        draft.unlink(missing_ok=True)
    return key


@functools.lru_cache(maxsize=8)
def _read_private_key(path: Path, _mtime_ns: int, _size: int) -> rsa.RSAPrivateKey:
    # Loading checks the key's arithmetic, which takes tens of milliseconds: done once per file version.
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def public_pem(private_key: rsa.RSAPrivateKey) -> bytes:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(public_key) -> str:
    """Return a stable key id: a hash of the public key."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def jwks(public_key) -> dict:
    """Return the JSON Web Key Set that publishes the public key."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    jwk.update({"kid": key_id(public_key), "use": "sig", "alg": ALGORITHM})
    return {"keys": [jwk]}


class TokenIssuer:
    """Signs access tokens."""

    def __init__(self, private_key, issuer: str, audience: str, minutes: int):
        self.private_key = private_key
        self.kid = key_id(private_key.public_key())
        self.issuer = issuer
        self.audience = audience
        self.lifetime = dt.timedelta(minutes=minutes)

    def issue(self, principal: Principal, now: dt.datetime | None = None) -> tuple[str, int]:
        """Return a signed token for the principal and its lifetime in seconds."""
        now = now or dt.datetime.now(dt.UTC)
        claims = {
            "sub": str(principal.account_id),
            "roles": list(principal.roles),
            "member_id": principal.member_id,
            **({"sid": principal.session_id} if principal.session_id else {}),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.lifetime,
        }
        token = jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})
        return token, int(self.lifetime.total_seconds())


class TokenVerifier:
    """Checks a token's signature, expiry, issuer and audience; keys from a PEM key or a JWKS URL."""

    def __init__(self, issuer: str, audience: str, public_key=None, jwks_url: str | None = None):
        if public_key is None and jwks_url is None:
            raise ValueError("a TokenVerifier needs a public key or a JWKS URL")
        self.issuer = issuer
        self.audience = audience
        self.public_key = public_key
        self.jwks_client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None

    def verify(self, token: str, allow_expired: bool = False) -> Principal:
        """Return the principal the token speaks for, or raise InvalidToken.

        ``allow_expired`` still checks the signature, issuer and audience; it is only for telling which
        sign-in an expired token belonged to (the pages' CSRF token and sign-out), never for access.
        """
        try:
            key = self.public_key or self.jwks_client.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": not allow_expired},
            )
            roles = tuple(role for role in claims.get("roles", []) if role in ROLES)
            member_id = claims.get("member_id")
            session_id = claims.get("sid")
            return Principal(account_id=int(claims["sub"]), roles=roles,
                             member_id=int(member_id) if member_id is not None else None,
                             session_id=str(session_id) if session_id else None)
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise InvalidToken(str(error)) from error


def verifier_from_settings(settings) -> TokenVerifier:
    """Build the verifier a service uses: a public key file, a JWKS URL, or the local key pair."""
    common = {"issuer": settings.jwt_issuer, "audience": settings.jwt_audience}
    if settings.jwt_public_key_file:
        key = serialization.load_pem_public_key(Path(settings.jwt_public_key_file).read_bytes())
        return TokenVerifier(public_key=key, **common)
    if settings.jwks_url:
        return TokenVerifier(jwks_url=settings.jwks_url, **common)
    return TokenVerifier(public_key=load_or_create_private_key(settings.private_key_path).public_key(), **common)


SECURITY_DOC = {"security": [{"bearerAuth": []}]}


def current_principal() -> Principal:
    """Return the caller of the request being served (set by ``requires``)."""
    return g.principal


def authenticate() -> Principal:
    """Read and verify the bearer token of the current request, or answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.",
                           headers={"WWW-Authenticate": 'Bearer realm="coop"'})
    try:
        return current_app.extensions["coop_verifier"].verify(token.strip())
    except InvalidToken:
        raise Unauthorized("The access token is invalid or has expired; sign in again.",
                           headers={"WWW-Authenticate": 'Bearer realm="coop", error="invalid_token"'}) from None


def requires(*roles: str):
    """Let a view be called only with a valid token, and (if roles are given) one of those roles."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = authenticate()
            if roles and not principal.has_any(*roles):
                abort(403, message=f"This needs one of the roles: {', '.join(roles)}. If your roles changed "
                                   "recently (for example, you were just admitted), sign in again.")
            g.principal = principal
            return view(*args, **kwargs)

        who = ", ".join(roles) if roles else "any signed-in account"
        documented = Blueprint.doc(
            security=[{"bearerAuth": []}],
            responses={
                "401": {"description": "No valid access token."},
                **({"403": {"description": f"Allowed for: {who}."}} if roles else {}),
            },
        )(wrapper)
        documented.__doc__ = (view.__doc__ or "").rstrip() + f"\n\nAllowed for: {who}."
        return documented

    return decorator
