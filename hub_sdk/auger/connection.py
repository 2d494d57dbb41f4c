"""Connecting to an Auger Hub: which token goes in the body, and the optimizers service."""

from __future__ import annotations

from typing import Any

from ..core import context
from ..core.auth import Auth, BodyTokenAuth
from ..core.connection import DEFAULT_TIMEOUT, Connection, Timeout
from ..core.secret import Secret
from ..errors import ValidationError
from .protocol import AugerProtocol

# The recorded client's priority order when several tokens are given.
TOKEN_PRIORITY = ("project_api_token", "cluster_api_token", "token", "system_token")


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


def connect(
    url: str,
    *,
    project_token: str | Secret | None = None,
    cluster_token: str | Secret | None = None,
    token: str | Secret | None = None,
    system_token: str | Secret | None = None,
    optimizers_url: str | None = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    max_retries: int = 3,
    verify: bool | str = True,
    cache_size: int = 1024,
    cache_ttl: float = 300.0,
    default: bool = True,
) -> AugerConnection:
    """Connect to an Auger Hub and (unless ``default=False``) make it the default connection.

    Give one token: ``project_token`` (project and cluster context), ``cluster_token``,
    ``token`` (a user token, see :func:`login`) or ``system_token``; if several are given the
    first in that order is used, as the recorded client does.
    """
    if not isinstance(url, str) or not url:
        raise ValidationError("url is required", field_errors=[("url", "is required")])
    conn = AugerConnection(
        url,
        optimizers_url=optimizers_url,
        auth=_auth(project_token, cluster_token, token, system_token),
        timeout=timeout,
        max_retries=max_retries,
        verify=verify,
        cache_size=cache_size,
        cache_ttl=cache_ttl,
    )
    if default:
        context.set_default("auger", conn)
    return conn
