"""The default connection of each API: a process-wide default, scoped by ``with conn:``."""

from __future__ import annotations

import contextvars
import threading
from typing import TYPE_CHECKING, Any

from ..errors import HubError

if TYPE_CHECKING:
    from .connection import Connection

_lock = threading.Lock()
_vars: dict[str, contextvars.ContextVar[Connection | None]] = {}
_globals: dict[str, Connection] = {}


def _var(api: str) -> contextvars.ContextVar[Connection | None]:
    var = _vars.get(api)
    if var is None:
        with _lock:
            var = _vars.setdefault(api, contextvars.ContextVar(f"hub_sdk_{api}", default=None))
    return var


def set_default(api: str, conn: Connection) -> None:
    """Make ``conn`` the default connection of ``api`` in every thread."""
    with _lock:
        _globals[api] = conn


def clear_default(api: str) -> None:
    """Forget the process-wide default connection of ``api``."""
    with _lock:
        _globals.pop(api, None)


def push(api: str, conn: Connection) -> contextvars.Token[Connection | None]:
    """Scope ``conn`` as the default of ``api`` in the current context."""
    return _var(api).set(conn)


def pop(api: str, token: contextvars.Token[Connection | None]) -> None:
    """Undo :func:`push`."""
    _var(api).reset(token)


def get_default(api: str) -> Connection | None:
    """The scoped connection of ``api`` if any, else the process-wide default, else None."""
    return _var(api).get() or _globals.get(api)


def resolve(api: str, connection: Any = None) -> Connection:
    """An explicit connection, or the default of ``api``; raises HubError if there is none."""
    if connection is not None:
        return connection  # type: ignore[no-any-return]
    conn = get_default(api)
    if conn is None:
        raise HubError(
            f"no {api} connection: call hub_sdk.{api}.connect(...) first, "
            "use `with conn:`, or pass connection=conn"
        )
    return conn
