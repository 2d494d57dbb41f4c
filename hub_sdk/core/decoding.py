"""From what the server sent to resource objects: validated, tied to their connection, and
holding the server's copy of themselves (kept as bytes until it is needed).

The envelope around the objects is the protocol's to read (:mod:`hub_sdk.core.protocol`). A
connection cache keeps the server's copy of an object as a :class:`Frozen`, and every read
thaws a copy of its own from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic

from ..errors import ResponseDecodeError, describe
from ._pydantic import copier, field_errors, private_attributes
from .protocol import ApiResponse, Page, Snapshot, snippet
from .secret import redact

if TYPE_CHECKING:
    from .connection import Connection
    from .resource import Resource

R = TypeVar("R", bound="Resource")


class Frozen:
    """The server's copy of one object, as a connection cache keeps it.

    Holds the object's raw JSON (a :class:`Snapshot` or a decoded dict) and, from the first
    read on, a template validated from it that nobody else sees. Every read gets a deep copy
    of the template: what one caller edits (saved or not) never reaches another.
    """

    __slots__ = ("_make", "cls", "raw")

    def __init__(self, cls: type[Resource], raw: Any) -> None:
        self.cls = cls
        self.raw = raw
        self._make: Callable[[], Any] | None = None

    def thaw(self, conn: Connection) -> Resource:
        """A copy of the object of its own, bound to ``conn``."""
        make = self._make
        if make is None:  # a race builds two equal templates: harmless
            raw = self.raw
            data = raw.load() if isinstance(raw, Snapshot) else raw
            template = from_data(self.cls, data, None, raw)
            make = self._make = copier(template)
            assert make is not None
        obj: Resource = make()
        private_attributes(obj)["_connection"] = conn
        return obj


def from_data(cls: type[R], data: Any, conn: Connection | None, raw: Any = None) -> R:
    """Validate one server object into a ``cls`` bound to ``conn``."""
    if not isinstance(data, Mapping):
        raise ResponseDecodeError(
            f"expected a {cls.__name__} object, got {type(data).__name__}",
            snippet=repr(data)[:200],
        )
    try:
        obj = cls.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = field_errors(exc)
        raise ResponseDecodeError(
            f"the server sent a {cls.__name__} that does not validate: {describe(errors[:5])}",
            snippet=str(errors[:5])[:200],
        ) from None
    obj._bind(conn, raw if raw is not None else data)
    return obj


def bind_page(page: Page[R], conn: Connection) -> Page[R]:
    """``page`` with its objects tied to ``conn``; their server copies stay bytes."""
    body = page.body
    assert body is not None
    for index, obj in enumerate(page.items):
        private = private_attributes(obj)
        private["_connection"] = conn
        private["_raw"] = Snapshot(body, index)
    return page


def from_response(
    cls: type[R], resp: ApiResponse, conn: Connection, *, identified: bool = False
) -> R:
    """The ``cls`` object a response carries; ``identified``: it must have its id (a read)."""
    try:
        obj = from_data(cls, resp.data, conn, Snapshot(resp.raw_body()))
        if identified and (obj.pk is None or obj.pk == ""):
            raise ResponseDecodeError(
                f"the server sent a {cls.__name__} without its {cls.__resource__.id_field}",
                snippet=snippet(resp.content),
                retryable=False,
            )
        return obj
    except ResponseDecodeError as exc:
        exc.method = resp.http.request.method if resp.http is not None else None
        exc.path = redact(resp.http.request.path_url) if resp.http is not None else None
        exc.status, exc.request_id = resp.status, resp.request_id
        raise


def many(cls: type[R], resp: ApiResponse, conn: Connection) -> list[R]:
    """``cls`` objects from a response whose payload is a list (server copies decoded lazily)."""
    items = resp.data
    if not isinstance(items, list):
        raise ResponseDecodeError(
            f"expected a list of {cls.__name__} objects, got {type(items).__name__}",
            snippet=snippet(resp.content),
            status=resp.status,
            request_id=resp.request_id,
        )
    body = resp.raw_body()
    return [from_data(cls, d, conn, Snapshot(body, i)) for i, d in enumerate(items)]
