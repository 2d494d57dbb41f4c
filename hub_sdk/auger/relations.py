"""``Embedded``: a child collection the API embeds in its owner instead of listing it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..core.relations import Children

if TYPE_CHECKING:
    from ..core.connection import Connection
    from ..core.resource import Resource

R = TypeVar("R", bound="Resource")


class EmbeddedManager(Generic[R]):
    """The embedded children of one object: callable for the list, with create/get/first/count."""

    __slots__ = ("_cls", "_conn", "_items", "_key", "_owner_id")

    def __init__(
        self, cls: type[R], key: str, owner_id: Any, conn: Connection | None, items: list[R]
    ) -> None:
        self._cls = cls
        self._key = key
        self._owner_id = owner_id
        self._conn = conn
        self._items = items

    def __call__(self, **filters: Any) -> list[R]:
        """The children as of the owner's last load, narrowed by attribute ``filters``."""
        out = []
        for item in self._items:
            if all(getattr(item, k, None) == v for k, v in filters.items()):
                if item._raw is None:
                    item._bind(self._conn, item.model_dump(mode="json", by_alias=True))
                out.append(item)
        return out

    def create(self, **fields: Any) -> R:
        """Create a child of the owner (reload the owner to see it in the list)."""
        return self._cls.create(connection=self._conn, **{self._key: self._owner_id, **fields})

    def get(self, id: Any) -> R:
        """One child by id (from the embedded list)."""
        for item in self():
            if str(item.pk) == str(id):
                return item
        from ..errors import NotFoundError

        raise NotFoundError(f"{self._cls.__name__} {id!r} is not attached to this object")

    def first(self, **filters: Any) -> R | None:
        """The first child, or None."""
        items = self(**filters)
        return items[0] if items else None

    def count(self, **filters: Any) -> int:
        """How many children match ``filters``."""
        return len(self(**filters))

    def __iter__(self) -> Iterator[R]:
        return iter(self())

    def __repr__(self) -> str:
        return (
            f"<{len(self._items)} embedded {self._cls.__name__} of {self._key}={self._owner_id!r}>"
        )


class Embedded(Children[R]):
    """``pipelines = Embedded["EndpointPipeline"]("EndpointPipeline", key="endpoint_id",
    field="endpoint_pipelines")``: children read from the owner's embedded ``field``."""

    __slots__ = ("field",)

    def __init__(self, target: str | type[R], *, key: str, field: str) -> None:
        super().__init__(target, key=key)
        self.field = field

    @overload  # type: ignore[override]
    def __get__(self, obj: None, owner: type[Any]) -> Embedded[R]: ...

    @overload
    def __get__(self, obj: Resource, owner: type[Any]) -> EmbeddedManager[R]: ...

    def __get__(self, obj: Resource | None, owner: type[Any]) -> Embedded[R] | EmbeddedManager[R]:
        if obj is None:
            return self
        cls = self.resolve(type(obj))
        items = list(getattr(obj, self.field, None) or [])
        return EmbeddedManager(cls, self.key, obj.pk, obj.connection, items)
