"""The FEDn controller wire protocol: header auth, header pagination, ``{count, result}`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, Generic, TypeVar

from typing_extensions import NotRequired, TypedDict

from ..core.protocol import KeyOrder, WireProtocol
from ..core.request import Request

T = TypeVar("T")


class FednListing(TypedDict, Generic[T]):
    """A listing's body: ``{"count": N, "result": [item, ...]}``."""

    result: list[T]
    count: NotRequired[int | None]


class FednProtocol(WireProtocol):
    """Routes under ``/api/v1/``; collections end in a slash; paging by ``X-Limit``/``X-Skip``.

    Filters are query parameters (with ``__gt``, ``__lt``, ``__gte``, ``__lte``, ``__ne``
    suffixes; ``sender__name`` stands for ``sender.name``; datetimes and resources are
    encoded); ``order_by="name"`` sorts ascending, ``"-name"`` descending.
    """

    name = "fedn"
    prefix = "/api/v1"
    max_page_size = 5000  # the controller has no cap; pages are bounded by bytes anyway
    request_id_headers = ("x-request-id", "x-correlation-id")
    listing = FednListing

    def collection(self, path: str) -> str:
        return path if path.endswith("/") else path + "/"

    def page_items(self, data: Any) -> list[Any]:
        if isinstance(data, Mapping):
            result = data.get("result")
            if isinstance(result, list):
                return result
        return super().page_items(data)

    def page_total(self, data: Any, meta: Mapping[str, Any]) -> int | None:
        total = data.get("count") if isinstance(data, Mapping) else None
        return total if isinstance(total, int) else None

    def page_request(
        self,
        path: str,
        filters: Mapping[str, Any],
        offset: int,
        size: int,
        order_by: str | None = None,
    ) -> Request:
        """``GET path?filters`` with ``X-Limit``/``X-Skip`` (and ``X-Sort-*``) headers."""
        headers = {"X-Limit": str(size), "X-Skip": str(offset)}
        if order_by:
            headers["X-Sort-Key"] = order_by.lstrip("-+")
            headers["X-Sort-Order"] = "desc" if order_by.startswith("-") else "asc"
        query = encode_filters(filters)
        return self.request("GET", path, params=query, headers=headers)


    def key_order(self, order_by: str | None, filters: Mapping[str, Any]) -> KeyOrder | None:
        """``committed_at`` (the default order, newest first): both statestores filter on it
        with ``__lt``/``__gte`` (the primary key sorts on SQL but filters under another name
        on each store). Other orders page by offsets."""
        field = "committed_at" if order_by is None else order_by.lstrip("+-")
        if field != "committed_at":
            return None
        descending = order_by is None or order_by.startswith("-")
        for op in ("lt", "lte") if descending else ("gte", "gt"):
            if filters.get(f"committed_at__{op}") is None:  # the caller's own filter wins
                return CommittedAtOrder(descending, op)
        return None


class CommittedAtOrder(KeyOrder):
    """Listing by ``committed_at``: the controller renders it to the second (RFC 1123), so
    keys are whole seconds and a bound keeps its whole second."""

    __slots__ = ("op",)

    def __init__(self, descending: bool, op: str) -> None:
        super().__init__("committed_at", descending)
        self.op = op

    def key(self, value: Any) -> Any:
        """``value`` to the second, as the controller renders it (None if not a datetime)."""
        if not isinstance(value, datetime):
            return None
        return value if not value.microsecond else value.replace(microsecond=0)

    def after(self, bound: Any) -> dict[str, Any]:
        """``committed_at`` up to the end of ``bound``'s second (newest first), or from its
        start (oldest first)."""
        second, tick = timedelta(seconds=1), timedelta(microseconds=1)
        edge = {"lt": second, "lte": second - tick, "gte": timedelta(0), "gt": -tick}[self.op]
        return {f"committed_at__{self.op}": bound + edge}


#: The operator suffixes the controller's stores take (``committed_at__gte``).
OPERATORS = frozenset({"gt", "lt", "gte", "lte", "ne", "eq"})


def _query_key(key: str) -> str:
    """``sender__name__ne`` -> ``sender.name__ne`` (nested fields as Python keywords)."""
    if "__" not in key:
        return key
    parts = key.split("__")
    suffix = f"__{parts.pop()}" if parts[-1] in OPERATORS and len(parts) > 1 else ""
    return ".".join(parts) + suffix


def encode_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword filters as the controller's query parameters.

    Roles are matched in upper case, as the controller stores them (``"CLIENT"``).
    """
    query: dict[str, Any] = {}
    for key, value in filters.items():
        if value is None:
            continue
        name = _query_key(key)
        if name.split("__")[0].rsplit(".", 1)[-1] == "role" and isinstance(value, str):
            value = value.upper()
        query[name] = _query_value(value)
    return query


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # The SQL stores keep naive UTC datetimes and compare them as text in this format.
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return getattr(value, "pk", value)
