"""Where a credential goes on the wire: a JSON body key, or an ``Authorization`` header."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from .secret import Secret


class Auth:
    """No credential. Subclasses add one to the outgoing headers or JSON body."""

    kind: str = "none"

    def apply(self, headers: MutableMapping[str, str], body: dict[str, Any] | None) -> None:
        """Add the credential to ``headers`` and/or ``body`` (which may be None)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r})"


class BodyTokenAuth(Auth):
    """The token is one more key of the JSON body (the Auger Hub API)."""

    def __init__(self, key: str, token: str | Secret) -> None:
        self.key = key
        self.kind = key
        self.token = Secret(token) if not isinstance(token, Secret) else token

    @property
    def in_body(self) -> bool:
        """Whether requests need a JSON body to carry the credential."""
        return bool(self.token)

    def apply(self, headers: MutableMapping[str, str], body: dict[str, Any] | None) -> None:
        if body is not None and self.token:
            body[self.key] = self.token.reveal()


class HeaderTokenAuth(Auth):
    """``Authorization: <scheme> <token>`` (the FEDn controller API)."""

    kind = "header"

    def __init__(self, token: str | Secret, scheme: str = "Bearer") -> None:
        raw = token.reveal() if isinstance(token, Secret) else token
        # Like the published client: a token that already carries a scheme keeps only its value.
        if " " in raw.strip():
            raw = raw.strip().split(" ", 1)[1]
        self.token = Secret(raw)
        self.scheme = scheme

    def apply(self, headers: MutableMapping[str, str], body: dict[str, Any] | None) -> None:
        if self.token:
            headers["Authorization"] = f"{self.scheme} {self.token.reveal()}"
