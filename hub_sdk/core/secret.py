"""Secrets that never show themselves, and redaction of text that might contain them."""

from __future__ import annotations

import re
import threading
import weakref
from typing import Any

from ..errors import ValidationError

MASK = "****"

# Every live secret value, so text bound for logs and errors can be scrubbed of it.
_live: weakref.WeakSet[Secret] = weakref.WeakSet()
_live_lock = threading.Lock()

# Body and header keys that hold credentials in either API.
SECRET_KEYS = frozenset(
    {
        "project_api_token",
        "cluster_api_token",
        "token",
        "system_token",
        "password",
        "authorization",
        "auger_token",
        "access_token",
        "refresh_token",
    }
)


class Secret:
    """A credential: ``repr``, ``str``, ``format`` and pickling all show ``****``.

    Call :meth:`reveal` to get the value when it must go on the wire.
    """

    __slots__ = ("__value", "__weakref__")

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("a secret must be a string")
        self.__value = value
        if value:
            with _live_lock:
                _live.add(self)

    def reveal(self) -> str:
        """The secret value itself."""
        return self.__value

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.__value == self.__value

    def __hash__(self) -> int:
        return hash((Secret, self.__value))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickles carry no credential: an unpickled secret is empty.
        return (Secret, ("",))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self


def _flaw(char: str) -> str | None:
    """Why ``char`` cannot be part of a token sent in a header, or None if it can."""
    if char.isspace():
        return "whitespace"
    if ord(char) > 0xFF:
        return "a character that cannot go in an HTTP header (not latin-1)"
    if not char.isprintable():
        return "a control or non-printable character"
    return None


def check_token(value: str, name: str = "token") -> None:
    """Refuse a credential (or auth scheme) that is not one word of printable latin-1
    characters: a :class:`~hub_sdk.errors.ValidationError` naming ``name`` and the kind of
    character (never the value)."""
    for position, char in enumerate(value):
        flaw = _flaw(char)
        if flaw is not None:
            reason = f"contains {flaw} (U+{ord(char):04X} at position {position})"
            raise ValidationError(
                f"{name} {reason}: it must be one word of printable characters; check what"
                " was pasted",
                field_errors=[(name, reason)],
            )


# Shorter values are not scrubbed as substrings: a one-letter "token" would garble every text.
MIN_SCRUB_LENGTH = 6


def live_secret_values() -> list[str]:
    """The values of all live secrets worth scrubbing (longest first)."""
    with _live_lock:
        values = {s.reveal() for s in _live}
    return sorted((v for v in values if len(v) >= MIN_SCRUB_LENGTH), key=len, reverse=True)


_KEYS_ALT = "|".join(sorted(SECRET_KEYS, key=len, reverse=True))
_KEY_VALUE = re.compile(
    rf"""(?P<key>["']?(?:{_KEYS_ALT})["']?\s*[:=]\s*)(?P<q>["']?)"""
    r"""(?P<scheme>(?:bearer|basic|token|jwt)\s+)?(?P<val>[^"',}\s&]*)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# Query parameters that carry a signature or a credential (presigned S3/GCS links, Azure SAS
# tokens, API keys), in a URL anywhere in a text; and the password of a URL's userinfo.
_URL_PARAMS = (
    r"x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential"
    r"|signature|sig|awsaccesskeyid|access_token|api[_-]?key|apikey|client_secret|secret"
    r"|password|passwd|jwt|auth|token"
)
_URL_QUERY = re.compile(rf"(?i)([?&;](?:{_URL_PARAMS})=)[^&#\s\"'<>)\]]*")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@\"'<>]*:[^/?#\s@\"'<>]*@")


def redact(text: str, extra: tuple[str, ...] = ()) -> str:
    """Replace every known secret value and credential-looking key/value in ``text``, and the
    signatures, credentials and passwords of the URLs in it."""
    if not text:
        return text
    for value in (*extra, *live_secret_values()):
        if value and value in text:
            text = text.replace(value, MASK)
    text = _KEY_VALUE.sub(lambda m: f"{m['key']}{m['q']}{m['scheme'] or ''}{MASK}", text)
    if "://" in text or "=" in text:
        text = _URL_QUERY.sub(lambda m: f"{m.group(1)}{MASK}", text)
        text = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


#: Below this depth :func:`redact_mapping` drops what it finds (it could hide a secret).
REDACT_DEPTH = 100


def redact_mapping(data: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with credential keys masked (nested; anything nested
    deeper than :data:`REDACT_DEPTH` levels is replaced by ``MASK``)."""
    if _depth > REDACT_DEPTH:
        return MASK
    if isinstance(data, dict):
        return {
            k: (
                MASK
                if isinstance(k, str) and k.lower() in SECRET_KEYS
                else redact_mapping(v, _depth + 1)
            )
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [redact_mapping(v, _depth + 1) for v in data]
    if isinstance(data, str):
        return redact(data)
    return data
