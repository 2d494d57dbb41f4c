"""The default connection of each API: a process-wide default, scoped by ``with conn:``.

The rule for threads (and asyncio tasks):

* ``with conn:`` makes ``conn`` the default in the current context only (a ``contextvars``
  variable). Code run in a copy of that context sees it: asyncio tasks created inside the
  block, and a thread that runs ``contextvars.copy_context().run(fn)``.
* A thread started inside the block does not inherit it (Python gives new threads an empty
  context). Rather than silently use the process-wide default there, which may be another
  server, resolving the default raises :class:`~hub_sdk.errors.HubError` while a block on
  another connection is active anywhere: pass ``connection=`` or copy the context.
* With no such block active, every thread uses the process-wide default
  (:func:`hub_sdk.auger.connect` / :func:`hub_sdk.fedn.connect` set it).
* The SDK's own threads (page prefetching) work with the connection of the call that
  started them.
"""

from __future__ import annotations

import contextvars
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..errors import HubError

if TYPE_CHECKING:
    from .connection import Connection

_lock = threading.Lock()
_vars: dict[str, contextvars.ContextVar[Connection | None]] = {}
_globals: dict[str, Connection] = {}
# The connections of the `with conn:` blocks active anywhere, per API (by count).
_scoped: dict[str, Counter[int]] = {}


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
    with _lock:
        _scoped.setdefault(api, Counter())[id(conn)] += 1
    return _var(api).set(conn)


def pop(api: str, token: contextvars.Token[Connection | None], conn: Connection) -> None:
    """Undo :func:`push` of ``conn``."""
    _var(api).reset(token)
    with _lock:
        scoped = _scoped.get(api)
        if scoped is not None:
            scoped[id(conn)] -= 1
            if scoped[id(conn)] <= 0:
                del scoped[id(conn)]


def get_default(api: str) -> Connection | None:
    """The scoped connection of ``api`` if any, else the process-wide default, else None."""
    return _var(api).get() or _globals.get(api)


def resolve(api: str, connection: Any = None) -> Connection:
    """An explicit connection, or the default of ``api`` (see the module docstring for
    threads); raises HubError if there is none, or if which one is meant is ambiguous."""
    if connection is not None:
        return connection  # type: ignore[no-any-return]
    conn = _var(api).get()
    if conn is not None:
        return conn
    conn = _globals.get(api)
    scoped = _scoped.get(api)
    if scoped and any(key != id(conn) for key in scoped):
        raise HubError(
            f"no {api} connection in this thread: a `with conn:` block elsewhere scopes another"
            " connection, and threads do not inherit it (the process-wide default would be"
            f" used silently). Pass connection=conn, or run the thread's work in a copy of the"
            " block's context: executor.submit(contextvars.copy_context().run, fn, ...)"
        )
    if conn is None:
        raise HubError(
            f"no {api} connection: call hub_sdk.{api}.connect(...) first, "
            "use `with conn:`, or pass connection=conn"
        )
    return conn
