"""The base class of every FEDn controller resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.protocol import snippet
from ..core.resource import Resource
from ..errors import ResponseDecodeError
from .protocol import encode_filters
from .wire import Timestamp

if TYPE_CHECKING:
    from ..core.connection import Connection


class FednResource(Resource, api="fedn"):
    """A FEDn controller object; unknown fields are kept."""

    committed_at: Timestamp = None
    updated_at: Timestamp = None

    @classmethod
    def count(cls, *, connection: Connection | None = None, **filters: Any) -> int:
        """How many objects match ``filters`` (``GET <collection>/count``)."""
        cls._require("list")
        conn = cls._conn(connection)
        query = encode_filters(filters)
        resp = conn.request("GET", f"{cls._collection_path({})}/count", params=query)
        if not isinstance(resp.data, int) or isinstance(resp.data, bool):
            raise ResponseDecodeError(
                f"expected a count, got {type(resp.data).__name__}",
                snippet=snippet(resp.content),
                method="GET",
                path=f"{cls._collection_path({})}/count",
                status=resp.status,
                request_id=resp.request_id,
            )
        return resp.data
