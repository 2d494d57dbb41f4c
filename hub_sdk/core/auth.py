"""Where a credential goes on the wire: a JSON body key, or an ``Authorization`` header."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ValidationError
from .secret import Secret, check_token

if TYPE_CHECKING:
    from .request import Request


class Auth:
    """No credential. Subclasses add one to the outgoing headers or JSON body."""

    kind: str = "none"

    def apply(self, request: Request) -> Request:
        """``request`` carrying this credential."""
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kind={self.kind!r})"


class BodyTokenAuth(Auth):
    """The token is one more key of the JSON body (the Auger Hub API).

    A token that is not one word of printable latin-1 characters is a ValidationError
    naming ``key`` (not showing the token).
    """

    def __init__(self, key: str, token: str | Secret) -> None:
        self.key = key
        self.kind = key
        self.token = Secret(token) if not isinstance(token, Secret) else token
        check_token(self.token.reveal(), key)

    def apply(self, request: Request) -> Request:
        """``request`` with the token in its JSON body or form (a body is made if it has none)."""
        return request.with_body_field(self.key, self.token.reveal()) if self.token else request


class HeaderTokenAuth(Auth):
    """``Authorization: <scheme> <token>`` (the FEDn controller API).

    A token or scheme with whitespace, control or non-latin-1 characters inside is a
    ValidationError naming ``token`` or ``auth_scheme`` (not showing the token).
    """

    kind = "header"

    def __init__(self, token: str | Secret, scheme: str = "Bearer") -> None:
        raw = token.reveal() if isinstance(token, Secret) else token
        # Like the published client: a token that already carries a scheme keeps only its value.
        if " " in raw.strip():
            raw = raw.strip().split(" ", 1)[1]
        check_token(raw.strip(), "token")
        if not isinstance(scheme, str) or not scheme:
            raise ValidationError(
                "auth_scheme must be a non-empty string",
                field_errors=[("auth_scheme", "must be a non-empty string")],
            )
        check_token(scheme, "auth_scheme")
        self.token = Secret(raw.strip())
        self.scheme = scheme

    def apply(self, request: Request) -> Request:
        """``request`` with the ``Authorization`` header."""
        if not self.token:
            return request
        return request.with_header("Authorization", f"{self.scheme} {self.token.reveal()}")
