"""Connecting to a FEDn controller: ``Authorization: <scheme> <token>``, like the seed client."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core import config, context
from ..core.auth import Auth, HeaderTokenAuth
from ..core.config import Setting, TuningOptions
from ..core.connection import Connection
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


#: connect()'s settings: each read from the environment when not given, then from the profile.
SETTINGS: tuple[Setting, ...] = (
    Setting("url", ("FEDN_URL", "FEDN_HOST"), "FEDn controller URL or host:port"),
    Setting("token", ("FEDN_AUTH_TOKEN",), "token", secret=True),
    Setting("auth_scheme", ("FEDN_AUTH_SCHEME",), "Authorization scheme, default Bearer"),
)
ENV = config.env_map(SETTINGS)


def connect(
    url_or_host: str | None = None,
    token: str | Secret | None = None,
    auth_scheme: str | None = None,
    verify: bool | str = True,
    *,
    port: int | None = None,
    secure: bool = False,
    default: bool = True,
    profile: str | None = None,
    **options: Unpack[TuningOptions],
) -> FednConnection:
    """Connect to a FEDn controller and (unless ``default=False``) make it the default.

    Anything not given is read from the environment (``FEDN_URL`` or ``FEDN_HOST``,
    ``FEDN_AUTH_TOKEN``, ``FEDN_AUTH_SCHEME``, like the published client), then from the
    profile file (``profile=`` or ``$HUB_SDK_PROFILE``; see :mod:`hub_sdk.core.config`). The
    scheme defaults to ``Bearer``; a token that already carries a scheme keeps only its value.
    ``options``: ``timeout``, ``max_retries``, ``cache_size``, ``cache_ttl``
    (:class:`~hub_sdk.core.config.TuningOptions`).
    """
    config.check_options("connect", options, TuningOptions)
    given = {"url": url_or_host, "token": token, "auth_scheme": auth_scheme}
    s = config.resolve("fedn", given, ENV, profile)
    if not s.get("url"):
        raise ValidationError(
            "no FEDn controller URL: " + config.describe_sources("fedn", "url", ENV["url"]),
            field_errors=[("url_or_host", "is required")],
        )
    tok = s.get("token")
    auth: Auth = HeaderTokenAuth(tok, s.get("auth_scheme") or "Bearer") if tok else Auth()
    conn = FednConnection(
        normalise_url(str(s["url"]), port, secure),
        auth=auth,
        verify=verify,
        **options,
    )
    if default:
        context.set_default("fedn", conn)
    return conn
