"""Connecting to an Auger Hub: which token goes in the body, and the optimizers service."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from ..core import config, context
from ..core.auth import Auth, BodyTokenAuth
from ..core.config import ConnectionOptions, Setting
from ..core.connection import Connection
from ..core.secret import Secret
from ..errors import ValidationError
from .protocol import AugerProtocol

# The recorded client's priority order when several tokens are given.
TOKEN_PRIORITY = ("project_api_token", "cluster_api_token", "token", "system_token")
# The connect() settings holding them, in the same order.
TOKEN_SETTINGS = ("project_token", "cluster_token", "token", "system_token")


class AugerConnection(Connection):
    """A connection to an Auger Hub (and, if given, its optimizers service)."""

    def __init__(self, base_url: str, *, optimizers_url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("protocol", AugerProtocol())
        super().__init__(base_url, **kwargs)
        self.optimizers_url = optimizers_url.rstrip("/") if optimizers_url else None


def _auth(
    project_token: str | Secret | None,
    cluster_token: str | Secret | None,
    token: str | Secret | None,
    system_token: str | Secret | None,
) -> Auth:
    given = dict(zip(TOKEN_PRIORITY, (project_token, cluster_token, token, system_token)))
    for key in TOKEN_PRIORITY:
        value = given[key]
        if value:
            return BodyTokenAuth(key, value)
    return Auth()


#: connect()'s settings: each read from the environment when not given, then from the profile.
SETTINGS: tuple[Setting, ...] = (
    Setting("url", ("HUB_URL",), "Auger Hub URL"),
    Setting("project_token", ("HUB_PROJECT_TOKEN",), "project API token", secret=True),
    Setting("cluster_token", ("HUB_CLUSTER_TOKEN",), "cluster API token", secret=True),
    Setting("token", ("HUB_TOKEN",), "user token", secret=True),
    Setting("system_token", ("HUB_SYSTEM_TOKEN",), "system token", secret=True),
    Setting("optimizers_url", ("HUB_OPTIMIZERS_URL",), "optimizers service URL", cli=False),
)
ENV = config.register("auger", SETTINGS)


def connect(
    url: str | None = None,
    *,
    project_token: str | Secret | None = None,
    cluster_token: str | Secret | None = None,
    token: str | Secret | None = None,
    system_token: str | Secret | None = None,
    optimizers_url: str | None = None,
    default: bool = True,
    profile: str | None = None,
    **options: Unpack[ConnectionOptions],
) -> AugerConnection:
    """Connect to an Auger Hub and (unless ``default=False``) make it the default connection.

    Give one token: ``project_token`` (project and cluster context), ``cluster_token``,
    ``token`` (a user token, see :func:`login`) or ``system_token``; if several are given the
    first in that order is used, as the recorded client does. Anything not given is read
    from the environment (``HUB_URL``, ``HUB_PROJECT_TOKEN``, ``HUB_CLUSTER_TOKEN``,
    ``HUB_TOKEN``, ``HUB_SYSTEM_TOKEN``, ``HUB_OPTIMIZERS_URL``), then from the profile file
    (``profile=`` or ``$HUB_SDK_PROFILE``; see :mod:`hub_sdk.core.config`). Whitespace around
    a token is dropped; with no token at all, an ``UnauthenticatedWarning`` is issued (once).
    ``options``: ``timeout``, ``max_retries``, ``verify``, ``cache_size``, ``cache_ttl``,
    ``deadline``, ``max_response_bytes`` (:class:`~hub_sdk.core.config.ConnectionOptions`).
    """
    config.check_options("connect", options, ConnectionOptions)
    given = {
        "url": url,
        "project_token": project_token,
        "cluster_token": cluster_token,
        "token": token,
        "system_token": system_token,
        "optimizers_url": optimizers_url,
    }
    if project_token or cluster_token or token or system_token:
        # An explicit token wins: don't mix in another kind from the environment.
        env = config.env_map(setting for setting in SETTINGS if not setting.secret)
    else:
        env = ENV
    s = config.resolve("auger", given, env, profile)
    if not isinstance(s.get("url"), str) or not s["url"]:
        raise ValidationError(
            "no Auger Hub URL: " + config.describe_sources("auger", "url", ENV["url"]),
            field_errors=[("url", "is required")],
        )
    tokens = [config.clean_token(s.get(key), key) for key in TOKEN_SETTINGS]
    if not any(tokens):
        config.warn_unauthenticated("auger", "project_token=, HUB_PROJECT_TOKEN, ...")
    conn = AugerConnection(
        s["url"],
        optimizers_url=s.get("optimizers_url"),
        auth=_auth(*tokens),
        **options,
    )
    if default:
        context.set_default("auger", conn)
    return conn


def login(
    email: str,
    password: str | Secret,
    *,
    url: str | None = None,
    optimizers_url: str | None = None,
    default: bool = True,
    **options: Unpack[ConnectionOptions],
) -> AugerConnection:
    """Exchange e-mail and password for a user token (``POST /tokens``); return a connection
    that uses it (the default one unless ``default=False``).

    ``url`` defaults to the current default connection's hub; ``options`` as for
    :func:`connect`.
    """
    config.check_options("login", options, ConnectionOptions)
    if url is None:
        current = context.get_default("auger")
        url = current.base_url if current is not None else None
    problems = [
        (name, "is required")
        for name, value in (("url", url), ("email", email), ("password", password))
        if not value
    ]
    if problems:
        raise ValidationError(
            "cannot log in: " + "; ".join(f"{f} {m}" for f, m in problems),
            field_errors=problems,
        )
    assert url is not None
    conn = AugerConnection(url, optimizers_url=optimizers_url, **options)
    secret = password.reveal() if isinstance(password, Secret) else password
    try:
        resp = conn.request("POST", "tokens", body={"email": email, "password": secret}, auth=False)
    except BaseException:
        conn.close()
        raise
    token = resp.data.get("token") if isinstance(resp.data, dict) else None
    if not isinstance(token, str) or not token:
        conn.close()
        from ..errors import ResponseDecodeError

        raise ResponseDecodeError("the hub answered POST /tokens without a token")
    conn.auth = BodyTokenAuth("token", token)
    if default:
        context.set_default("auger", conn)
    return conn
