"""Connecting to a FEDn controller: ``Authorization: <scheme> <token>``, like the seed client."""

from __future__ import annotations

from typing import Any

from ..core import config, context
from ..core.auth import Auth, HeaderTokenAuth
from ..core.connection import DEFAULT_TIMEOUT, Connection, Timeout
from ..core.secret import Secret
from ..errors import ValidationError
from .protocol import FednProtocol


class FednConnection(Connection):
    """A connection to a FEDn controller."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        kwargs.setdefault("protocol", FednProtocol())
        super().__init__(base_url, **kwargs)


def normalise_url(url_or_host: str, port: int | None = None, secure: bool = False) -> str:
    """``host``, ``host:port`` or a URL (trailing slashes dropped) -> a base URL."""
    value = url_or_host.strip().rstrip("/")
    if not value:
        raise ValidationError(
            "url_or_host is required", field_errors=[("url_or_host", "is required")]
        )
    if "://" not in value:
        value = f"{'https' if secure else 'http'}://{value}"
    if port is not None:
        value = f"{value}:{port}"
    return value


ENV: dict[str, str | tuple[str, ...]] = {
    "url": ("FEDN_URL", "FEDN_HOST"),
    "token": "FEDN_AUTH_TOKEN",
    "auth_scheme": "FEDN_AUTH_SCHEME",
}


def connect(
    url_or_host: str | None = None,
    token: str | Secret | None = None,
    auth_scheme: str | None = None,
    verify: bool | str = True,
    *,
    port: int | None = None,
    secure: bool = False,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_retries: int = 3,
    cache_size: int = 1024,
    cache_ttl: float = 300.0,
    default: bool = True,
    profile: str | None = None,
) -> FednConnection:
    """Connect to a FEDn controller and (unless ``default=False``) make it the default.

    Anything not given is read from the environment (``FEDN_URL`` or ``FEDN_HOST``,
    ``FEDN_AUTH_TOKEN``, ``FEDN_AUTH_SCHEME``, like the published client), then from the
    profile file (``profile=`` or ``$HUB_SDK_PROFILE``; see :mod:`hub_sdk.core.config`). The
    scheme defaults to ``Bearer``; a token that already carries a scheme keeps only its value.
    """
    given = {"url": url_or_host, "token": token, "auth_scheme": auth_scheme}
    s = config.resolve("fedn", given, ENV, profile)
    if not s.get("url"):
        raise ValidationError(
            "no FEDn controller URL: "
            + config.describe_sources("fedn", "url", ("FEDN_URL", "FEDN_HOST")),
            field_errors=[("url_or_host", "is required")],
        )
    tok = s.get("token")
    auth: Auth = HeaderTokenAuth(tok, s.get("auth_scheme") or "Bearer") if tok else Auth()
    conn = FednConnection(
        normalise_url(str(s["url"]), port, secure),
        auth=auth,
        timeout=timeout,
        max_retries=max_retries,
        verify=verify,
        cache_size=cache_size,
        cache_ttl=cache_ttl,
    )
    if default:
        context.set_default("fedn", conn)
    return conn
