"""OAuth2 client credentials: other agencies' systems get short-lived signed JWTs with scopes.

Tokens are signed with an Ed25519 key generated into ``<home>/keys`` (0600, never in the
repository) and carry ``iss``, ``aud``, ``sub`` (the client), ``agency``, ``scope``, ``iat``,
``exp`` and a ``jti``. Verification pins the algorithm, audience and issuer.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crimeplan.cases.accounts import ApiClient
from crimeplan.errors import Unauthenticated

KEY_FILE = "jwt-signing-key.pem"
ALGORITHM = "EdDSA"
AUDIENCE = "crimeplan-api"


def load_or_create_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The signing key of this workspace, created with 0600 permissions on first use."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_dir, 0o700)
    path = keys_dir / KEY_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def issue(client: ApiClient, scopes: frozenset[str], key: Ed25519PrivateKey, issuer: str,
          lifetime: dt.timedelta, now: dt.datetime) -> IssuedToken:
    """A signed access token for ``client`` with the given scopes."""
    scope = " ".join(sorted(scopes))
    claims = {"iss": issuer, "aud": AUDIENCE, "sub": client.id, "agency": client.agency_id,
              "scope": scope, "iat": int(now.timestamp()),
              "exp": int((now + lifetime).timestamp()), "jti": secrets.token_urlsafe(12)}
    token = jwt.encode(claims, key, algorithm=ALGORITHM)
    return IssuedToken(token, int(lifetime.total_seconds()), scope)


def decode(token: str, key: Ed25519PrivateKey, issuer: str) -> dict[str, Any]:
    """The claims of a valid token; an unauthenticated error for anything else."""
    try:
        return dict(jwt.decode(token, key.public_key(), algorithms=[ALGORITHM],
                               audience=AUDIENCE, issuer=issuer,
                               options={"require": ["exp", "iat", "sub", "aud", "iss"]}))
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"invalid access token: {exc}") from exc
