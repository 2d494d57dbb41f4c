"""HS256 JSON Web Tokens with the standard library: the one signer and verifier of LocalHub.

The Auger app signs its user tokens (``POST /api/v1/tokens``) with it, the FEDn app verifies its
role-claimed bearer tokens with it (:func:`make_token` makes one, as FEDn's admins do).
Verification behaves like PyJWT's ``decode`` with ``algorithms=["HS256"]``: the signature, the
``alg`` header and the ``exp``/``nbf``/``iat`` claim types are checked, and ``str(TokenError)``
is the message the real FEDn controller sends.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

__all__ = ["TokenError", "make_token", "sign", "verify"]


class TokenError(Exception):
    """A rejected token; ``str(exc)`` is ``"Invalid token"`` or ``"Token expired"``."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _signature(secret: str | bytes, signed: str) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, signed.encode(), hashlib.sha256).digest()


def sign(claims: Mapping[str, Any], secret: str | bytes, *, typ: str | None = "JWT") -> str:
    """A HS256 JWT carrying ``claims`` (header ``{"alg": "HS256", "typ": typ}``; no typ if None)."""
    header: dict[str, str] = {"alg": "HS256"} if typ is None else {"alg": "HS256", "typ": typ}
    signed = f"{_b64(_compact(header))}.{_b64(_compact(claims))}"
    return f"{signed}.{_b64(_signature(secret, signed))}"


def verify(token: str, secret: str | bytes) -> dict[str, Any]:
    """The claims of a valid, unexpired HS256 JWT signed with ``secret`` (else TokenError)."""
    try:
        head_b64, body_b64, sig_b64 = token.split(".")
        header = json.loads(_unb64(head_b64))
        payload = json.loads(_unb64(body_b64))
        sig = _unb64(sig_b64)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise TokenError("Invalid token") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("Invalid token")
    if header.get("alg") != "HS256":
        raise TokenError("Invalid token")
    if not hmac.compare_digest(sig, _signature(secret, f"{head_b64}.{body_b64}")):
        raise TokenError("Invalid token")
    now = time.time()
    for claim in ("exp", "nbf", "iat"):
        if claim in payload and not isinstance(payload[claim], (int, float)):
            raise TokenError("Invalid token")
    if "exp" in payload and payload["exp"] <= now:
        raise TokenError("Token expired")
    if "nbf" in payload and payload["nbf"] > now:
        raise TokenError("Invalid token")
    return payload


def make_token(
    secret: str, role: str = "admin", expires_in: float | None = 3600, **claims: Any
) -> str:
    """A HS256 JWT with a ``role`` claim (and ``exp`` unless ``expires_in`` is None)."""
    payload: dict[str, Any] = {"role": role, **claims}
    if expires_in is not None and "exp" not in payload:
        payload["exp"] = int(time.time() + expires_in)
    return sign(payload, secret)
