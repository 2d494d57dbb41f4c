"""The base class of every FEDn controller resource."""

from __future__ import annotations

import types
import typing
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..core.filters import FilterRules, check_filters
from ..core.protocol import snippet
from ..core.resource import Resource
from ..errors import ResponseDecodeError
from .protocol import OPERATORS, encode_filters
from .wire import Timestamp

if TYPE_CHECKING:
    from ..core.connection import Connection


class FednResource(Resource, api="fedn"):
    """A FEDn controller object; unknown fields are kept.

    Listings filter on the entity's fields (``sender__name`` for a field of a nested object)
    with the controller's operator suffixes (``committed_at__gte``), and order by its fields.
    """

    committed_at: Timestamp = None
    updated_at: Timestamp = None

    if TYPE_CHECKING:

        @property
        def pk(self) -> str:
            """The object's id (``model_id``, ``session_id``...): always a string on FEDn."""

    @classmethod
    def _build_filter_rules(cls) -> FilterRules:
        """The entity's fields (as the controller names them), nested ones one level deep."""
        cls.model_rebuild()
        names: set[str] = set()
        for name, info in cls.model_fields.items():
            wire = info.alias or name
            names.add(wire)
            for nested in _value_models(info.annotation):
                nested.model_rebuild()
                names.update(
                    f"{wire}__{sub.alias or key}" for key, sub in nested.model_fields.items()
                )
        top = frozenset(info.alias or n for n, info in cls.model_fields.items())
        return FilterRules(
            names=frozenset(names) | cls._path_params(),
            operators=OPERATORS,
            order_by=top,
            objects=True,
        )

    @classmethod
    def count(cls, *, connection: Connection | None = None, **filters: Any) -> int:
        """How many objects match ``filters`` (``GET <collection>/count``)."""
        cls._require("list")
        check_filters(cls, filters)
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


def _value_models(annotation: Any) -> list[type[BaseModel]]:
    """The nested object types of a field's annotation (``Sender | None`` -> ``[Sender]``)."""
    if isinstance(annotation, type):
        return [annotation] if issubclass(annotation, BaseModel) else []
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType or origin is typing.Annotated:
        return [m for arg in typing.get_args(annotation) for m in _value_models(arg)]
    return []
