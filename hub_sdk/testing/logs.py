"""What LocalHub writes to stderr, scrubbed of credentials.

Everything LocalHub logs (its request handler's messages about malformed requests, tracebacks of
its own bugs) goes through :func:`scrub`: the SDK's :func:`~hub_sdk.core.secret.redact`
(``token=...``, ``"project_api_token": "..."``, ``Bearer ...``), plus what only a server sees:
its own opaque tokens (64 hex digits) and JWTs wherever they stand, and presigned-URL
signatures. A message about a request is scrubbed in the light of the request line too: the
handler's "bad request version ('...')" shows only the last word of a line in which that word
followed a ``Bearer`` or a token key.
"""

from __future__ import annotations

import re
import sys
import traceback

from ..core.secret import MASK, redact

__all__ = ["report", "report_exception", "scrub"]

_TOKEN_LIKE = re.compile(
    r"(?<![0-9A-Za-z])[0-9a-fA-F]{64}(?![0-9A-Za-z])"  # LocalHub's opaque tokens
    r"|\beyJ[\w-]*\.[\w-]+\.[\w-]*"  # JWTs (a JSON header starts "eyJ")
)
_SCHEME = re.compile(r"(?i)(\b(?:bearer|basic|token)\s+)[^\s\"',}]+")
_SIGNATURE = re.compile(r"(?i)((?:signature|credential)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+")


def _scrub(text: str) -> str:
    # schemes first: redact() reads "Authorization: Bearer xyz" as the key's value "Bearer"
    text = _TOKEN_LIKE.sub(MASK, redact(_SCHEME.sub(lambda m: m.group(1) + MASK, text)))
    return _SIGNATURE.sub(lambda m: m.group(1) + MASK, text)


def _common(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b``."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def scrub(text: str, context: str = "") -> str:
    """``text`` with every credential it may contain, or ``context`` shows, replaced by ``****``."""
    if context:  # masking keeps whitespace: the words of both versions pair up
        for before, after in zip(context.split(), _scrub(context).split()):
            if before != after:
                start = _common(before, after)
                tail = _common(before[start:][::-1], after[start:][::-1])
                secret = before[start : len(before) - tail]
                if secret:
                    text = text.replace(secret, MASK)
    return _scrub(text)


def report(text: str, context: str = "") -> None:
    """Write ``text``, scrubbed (see :func:`scrub`), to stderr with the ``[localhub]`` prefix."""
    sys.stderr.write(f"[localhub] {scrub(text, context).rstrip()}\n")


def report_exception() -> None:
    """Write the traceback being handled, scrubbed, to stderr."""
    report(traceback.format_exc())
