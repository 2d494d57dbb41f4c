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
        self.statestore: str | None = None


#: A filter key no FEDn document has: MongoDB stores match nothing for it, SQL stores ignore it.
_PROBE = "hub_sdk_statestore_probe"


def statestore(conn: Connection) -> str | None:
    """The controller's statestore: ``"mongodb"``, ``"sql"``, or None if it cannot tell yet.

    Asked once per connection (two cheap counts), from how the stores treat a filter on a
    field no model has: MongoDB matches nothing, the SQL stores ignore the filter. Tells only
    once the controller holds a model, which any session needs.
    """
    known = getattr(conn, "statestore", None)
    if known is not None:
        return str(known)
    probe = conn.request("GET", "models/count", params={_PROBE: "1"}).data
    if isinstance(probe, int) and probe > 0:
        kind = "sql"
    else:
        total = conn.request("GET", "models/count").data
        kind = "mongodb" if isinstance(total, int) and total > 0 else ""
    if not kind:
        return None
    if isinstance(conn, FednConnection):
        conn.statestore = kind
    return kind


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
ENV = config.register("fedn", SETTINGS)


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
    scheme defaults to ``Bearer``; a token that already carries a scheme keeps only its value,
    and whitespace around it is dropped. With no token, an ``UnauthenticatedWarning`` is issued
    once per process (a controller without auth needs none: filter it with ``warnings``).
    ``options``: ``timeout``, ``max_retries``, ``cache_size``, ``cache_ttl``, ``deadline``,
    ``max_response_bytes`` (:class:`~hub_sdk.core.config.TuningOptions`).
    """
    config.check_options("connect", options, TuningOptions)
    given = {"url": url_or_host, "token": token, "auth_scheme": auth_scheme}
    s = config.resolve("fedn", given, ENV, profile)
    if not s.get("url"):
        raise ValidationError(
            "no FEDn controller URL: " + config.describe_sources("fedn", "url", ENV["url"]),
            field_errors=[("url_or_host", "is required")],
        )
    tok = config.clean_token(s.get("token"))
    if not tok:
        config.warn_unauthenticated("fedn", "token=, FEDN_AUTH_TOKEN")
    scheme = s.get("auth_scheme")
    scheme = scheme.strip() if isinstance(scheme, str) else scheme
    # (HeaderTokenAuth refuses a token or scheme that cannot go in a header, naming it.)
    auth: Auth = HeaderTokenAuth(tok, scheme or "Bearer") if tok else Auth()
    conn = FednConnection(
        normalise_url(str(s["url"]), port, secure),
        auth=auth,
        verify=verify,
        **options,
    )
    if default:
        context.set_default("fedn", conn)
    return conn
