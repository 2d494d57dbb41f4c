"""The FEDn controller wire protocol: header auth, header pagination, ``{count, result}`` lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.protocol import ApiResponse, Page, WireProtocol

if TYPE_CHECKING:
    from ..core.connection import Connection


class FednProtocol(WireProtocol):
    """Routes under ``/api/v1/``; collections end in a slash; paging by ``X-Limit``/``X-Skip``.

    Filters are query parameters (with ``__gt``, ``__lt``, ``__gte``, ``__lte``, ``__ne``
    suffixes); ``order_by="name"`` sorts ascending, ``"-name"`` descending.
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
    ) -> tuple[Page[Any], ApiResponse]:
        headers = {"X-Limit": str(limit), "X-Skip": str(offset)}
        if order_by:
            descending = order_by.startswith("-")
            headers["X-Sort-Key"] = order_by.lstrip("-+")
            headers["X-Sort-Order"] = "desc" if descending else "asc"
        query = {k: _query_value(v) for k, v in params.items() if v is not None}
        resp = conn.request("GET", path, params=query, headers=headers)
        items = self.page_items(resp.data)
        total = resp.data.get("count") if isinstance(resp.data, Mapping) else None
        return Page(items, total if isinstance(total, int) else None), resp


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
