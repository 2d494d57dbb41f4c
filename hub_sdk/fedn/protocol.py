"""The FEDn controller wire protocol: header auth, header pagination, ``{count, result}`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

from ..core.protocol import ApiResponse, Page, WireProtocol

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..core.connection import Connection


class FednProtocol(WireProtocol):
    """Routes under ``/api/v1/``; collections end in a slash; paging by ``X-Limit``/``X-Skip``.

    Filters are query parameters (with ``__gt``, ``__lt``, ``__gte``, ``__lte``, ``__ne``
    suffixes; ``sender__name`` stands for ``sender.name``; datetimes and resources are
    encoded); ``order_by="name"`` sorts ascending, ``"-name"`` descending.
    """

    name = "fedn"
    prefix = "/api/v1"
    request_id_headers = ("x-request-id", "x-correlation-id")

    def collection(self, path: str) -> str:
        return path if path.endswith("/") else path + "/"

    def page_items(self, data: Any) -> list[Any]:
        if isinstance(data, Mapping):
            result = data.get("result")
            if isinstance(result, list):
                return result
        return super().page_items(data)

    def fetch_page(
        self,
        conn: Connection,
        path: str,
        params: Mapping[str, Any],
        offset: int,
        limit: int,
        order_by: str | None = None,
        item: type[BaseModel] | None = None,
    ) -> tuple[Page[Any], ApiResponse]:
        headers = {"X-Limit": str(limit), "X-Skip": str(offset)}
        if order_by:
            descending = order_by.startswith("-")
            headers["X-Sort-Key"] = order_by.lstrip("-+")
            headers["X-Sort-Order"] = "desc" if descending else "asc"
        query = {_query_key(k): _query_value(v) for k, v in params.items() if v is not None}
        if item is not None:
            resp = conn.request(
                "GET",
                path,
                params=query,
                headers=headers,
                decoder=partial(self.decode_page, item=item),
            )
            return Page(resp.data, resp.meta["total"]), resp
        resp = conn.request("GET", path, params=query, headers=headers)
        items = self.page_items(resp.data)
        total = resp.data.get("count") if isinstance(resp.data, Mapping) else None
        return Page(items, total if isinstance(total, int) else None), resp

    def page_model(self, item: type[BaseModel]) -> type[BaseModel]:
        import pydantic  # on first use: keeps ``import hub_sdk`` light

        return pydantic.create_model(
            f"{item.__name__}FednPage",
            result=(list[item], ...),  # type: ignore[valid-type]
            count=(int | None, None),
        )

    def page_parts(self, page: Any) -> tuple[list[Any], int | None]:
        return page.result, page.count


_OPERATORS = frozenset({"gt", "lt", "gte", "lte", "ne", "eq"})


def _query_key(key: str) -> str:
    """``sender__name__ne`` -> ``sender.name__ne`` (nested fields as Python keywords)."""
    if "__" not in key:
        return key
    parts = key.split("__")
    suffix = f"__{parts.pop()}" if parts[-1] in _OPERATORS and len(parts) > 1 else ""
    return ".".join(parts) + suffix


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        # The SQL stores keep naive UTC datetimes and compare them as text in this format.
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return getattr(value, "pk", value)
