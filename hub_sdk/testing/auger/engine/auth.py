"""Who is calling: tokens, user JWTs and passwords of the Auger Hub.

The token is one more request parameter (:data:`TOKEN_KEYS`). Project, cluster, user and system
tokens are opaque and persisted in the store's settings (hashed); ``POST /api/v1/tokens`` hands
out HS256 user JWTs signed by :mod:`hub_sdk.testing.hs256`. A project token sees only its
project; the other kinds see everything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...hs256 import TokenError, sign, verify
from ...store import Store
from .envelope import unauthenticated

__all__ = ["TOKEN_KEYS", "Principal", "TokenRegistry", "check_password", "hash_password"]

TOKEN_KEYS = ("project_api_token", "cluster_api_token", "token", "system_token")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token type and, for project tokens, the project it is scoped to."""

    kind: str
    project_id: int | None = None
    email: str | None = None


class TokenRegistry:
    """Opaque tokens (persisted in the store's settings) plus HS256 user JWTs from ``/tokens``."""

    def __init__(self, store: Store) -> None:
        """Load (or create) the JWT secret from ``store``."""
        self.store = store
        secret = store.get_setting("jwt_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            store.set_setting("jwt_secret", secret)
        self._secret = secret.encode()
        self._cache: dict[str, tuple[str, Principal]] = {}

    @property
    def signing_secret(self) -> bytes:
        """The secret used for JWTs and presigned URLs."""
        return self._secret

    def issue(self, kind: str, project_id: int | None = None, name: str | None = None) -> str:
        """Create and persist an opaque token of ``kind`` (optionally named, to reuse it)."""
        if name is not None:
            existing = self.store.get_setting(f"named_token:{name}")
            if existing is not None:
                return existing
        token = secrets.token_hex(32)
        record = {"kind": kind, "project_id": project_id, "token": token}
        self.store.set_setting(
            f"token:{hashlib.sha256(token.encode()).hexdigest()}", json.dumps(record)
        )
        if name is not None:
            self.store.set_setting(f"named_token:{name}", token)
        return token

    def jwt(self, email: str, ttl: int = 7 * 24 * 3600) -> str:
        """Return a user JWT (HS256, payload ``{email, exp}``) like ``POST /api/v1/tokens``."""
        return sign({"email": email, "exp": int(time.time()) + ttl}, self._secret, typ=None)

    def resolve(self, token: str) -> Principal | None:
        """Return the principal of a token, or None when it is unknown, forged or expired."""
        if not token or len(token) > 4096:
            return None
        if token.count(".") == 2:
            return self._resolve_jwt(token)
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(digest)
        if cached is None:
            raw = self.store.get_setting(f"token:{digest}")
            if raw is None:
                return None
            rec = json.loads(raw)
            cached = (str(rec["token"]), Principal(str(rec["kind"]), rec.get("project_id")))
            self._cache[digest] = cached
        stored, principal = cached
        return principal if hmac.compare_digest(stored.encode(), token.encode()) else None

    def _resolve_jwt(self, token: str) -> Principal | None:
        try:
            claims = verify(token, self._secret)
        except TokenError:
            return None
        if "exp" not in claims:  # the Hub's user tokens always expire
            return None
        return Principal("user", None, str(claims.get("email")))

    def authenticate(self, params: Mapping[str, Any]) -> Principal:
        """The principal of the first token parameter present (else 401)."""
        for key in TOKEN_KEYS:
            value = params.get(key)
            if value:
                principal = self.resolve(str(value))
                if principal is None:
                    raise unauthenticated()
                if key == "token" and principal.kind == "user" and principal.email:
                    users, _ = self.store.query("user", {"email": principal.email}, limit=1)
                    if not users:
                        raise unauthenticated()
                return principal
        raise unauthenticated()


def hash_password(password: str, salt: str | None = None) -> str:
    """``salt$hex`` PBKDF2-SHA256 hash of a password."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()
    return f"{salt}${digest}"


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches a :func:`hash_password` hash."""
    salt, _, _digest = stored.partition("$")
    return bool(salt) and hmac.compare_digest(hash_password(password, salt), stored)
