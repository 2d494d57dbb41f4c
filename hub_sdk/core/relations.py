"""Relation descriptors: ``Parent`` / ``OptionalParent`` (cached lazy lookups) and ``Children``
(a child manager).

They are plain descriptors declared on a resource class; nothing is built per object until
the attribute is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ..errors import MissingParentError, ValidationError

if TYPE_CHECKING:
    from .connection import Connection
    from .pagination import Consistency, LazyList
    from .resource import Resource

R = TypeVar("R", bound="Resource")


class _Relation(Generic[R]):
    """What both relation kinds share: a target class named lazily, and a foreign key."""

    __slots__ = ("_cls", "key", "name", "target")

    def __init__(self, target: str | type[R], *, key: str) -> None:
        self.target = target
        self.key = key
        self.name = key
        self._cls: type[R] | None = None

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    def resolve(self, owner: type[Resource]) -> type[R]:
        """The target resource class (looked up by name on first use)."""
        if self._cls is None:
            if isinstance(self.target, type):
                self._cls = self.target
            else:
                from .registry import resource_class

                self._cls = resource_class(owner.__resource__.api, self.target)  # type: ignore[assignment]
        assert self._cls is not None
        return self._cls

    def __repr__(self) -> str:
        target = self.target if isinstance(self.target, str) else self.target.__name__
        return f"{type(self).__name__}({target!r}, key={self.key!r})"


class Parent(_Relation[R]):
    """A lazy lookup of the object a foreign key points to, served from the connection cache.

    ``experiment: ClassVar[Parent[Experiment]] = Parent("Experiment", key="experiment_id")``:
    reading ``session.experiment`` fetches the experiment once per connection (until the cache
    entry expires or a write through the connection invalidates it). An empty key raises
    :class:`~hub_sdk.errors.MissingParentError`; relations the contract allows to be empty
    are :class:`OptionalParent`.
    """

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Parent[R]: ...

    @overload
    def __get__(self, obj: Resource, owner: type[Any]) -> R: ...

    def __get__(self, obj: Resource | None, owner: type[Any]) -> Parent[R] | R:
        if obj is None:
            return self
        found = _lookup(self, obj)
        if found is None:
            raise MissingParentError(
                f"{type(obj).__name__} {obj.pk!r} has no {self.name}: its {self.key} is empty",
            )
        return found


class OptionalParent(_Relation[R]):
    """A :class:`Parent` the contract allows to be empty: reads as None when its key is.

    ``parent: ClassVar[OptionalParent[Model]] = OptionalParent("Model", key="parent_model")``.
    """

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> OptionalParent[R]: ...

    @overload
    def __get__(self, obj: Resource, owner: type[Any]) -> R | None: ...

    def __get__(self, obj: Resource | None, owner: type[Any]) -> OptionalParent[R] | R | None:
        if obj is None:
            return self
        return _lookup(self, obj)


def _lookup(relation: _Relation[R], obj: Resource) -> R | None:
    """The object ``relation``'s key on ``obj`` points to (cached), or None for an empty key."""
    fk = getattr(obj, relation.key, None)
    if fk is None or fk == "":
        return None
    cls = relation.resolve(type(obj))
    return cls.get(fk, connection=obj.connection, cached=True)


class ChildManager(Generic[R]):
    """The children of one object: callable for a lazy listing, with create/get/first/count."""

    __slots__ = ("_cls", "_key", "_owner_conn", "_owner_id", "_path_values")

    def __init__(
        self,
        cls: type[R],
        key: str,
        owner_id: Any,
        conn: Connection | None,
        path_values: dict[str, Any] | None = None,
    ) -> None:
        self._cls = cls
        self._key = key
        self._owner_id = owner_id
        self._owner_conn = conn
        self._path_values = path_values or {}

    def _owner(self) -> Any:
        """The owner's key; an empty one (an unsaved object, ``id=""``) raises
        :class:`~hub_sdk.errors.MissingParentError` rather than list every child."""
        owner = self._owner_id
        if owner is None or (isinstance(owner, str) and not owner.strip()):
            raise MissingParentError(
                f"cannot reach {self._cls.__name__} children of an object without an id"
                f" ({self._key}={owner!r})"
            )
        return owner

    def _scope(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        owner = self._owner()
        given = kwargs.get(self._key, owner)
        if given != owner and str(given) != str(owner):
            raise ValidationError.from_fields(
                f"invalid arguments for {self._cls.__name__} children",
                [(self._key, f"is {owner!r} for this collection: it cannot be {given!r}")],
            )
        return {**kwargs, self._key: owner}

    def __call__(
        self,
        *,
        page_size: int | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        prefetch: bool = True,
        progress: bool = False,
        consistency: Consistency = "strict",
        **filters: Any,
    ) -> LazyList[R]:
        """A lazy listing of the children, narrowed by ``filters``."""
        return self._cls.list(
            connection=self._owner_conn,
            page_size=page_size,
            limit=limit,
            order_by=order_by,
            prefetch=prefetch,
            progress=progress,
            consistency=consistency,
            **self._scope(filters),
        )

    def create(self, **fields: Any) -> R:
        """Create a child of this object."""
        return self._cls.create(connection=self._owner_conn, **self._scope(fields))

    def get(self, id: Any) -> R:
        """One child by id."""
        return self._cls.get(id, connection=self._owner_conn, **self._path_values)

    def first(self, **filters: Any) -> R | None:
        """The first child, or None."""
        return self(limit=1, **filters).first()

    def count(self, **filters: Any) -> int:
        """How many children match ``filters``."""
        return len(self(page_size=1, **filters))

    def __iter__(self) -> Iterator[R]:
        return iter(self())

    def __repr__(self) -> str:
        return f"<{self._cls.__name__} children of {self._key}={self._owner_id!r}>"


class Children(_Relation[R]):
    """A child collection: ``trials: ClassVar[Children[Trial]] = Children("Trial", key=...)``.

    ``obj.trials(**filters)`` lists them lazily; ``obj.trials.create(...)``, ``.get(id)``,
    ``.first()`` and ``.count()`` act on them. ``key`` is the child's foreign key; ``via`` the
    attribute of the owner whose value it takes (default: the owner's id).
    """

    __slots__ = ("via",)

    def __init__(self, target: str | type[R], *, key: str, via: str | None = None) -> None:
        super().__init__(target, key=key)
        self.via = via

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Children[R]: ...

    @overload
    def __get__(self, obj: Resource, owner: type[Any]) -> ChildManager[R]: ...

    def __get__(self, obj: Resource | None, owner: type[Any]) -> Children[R] | ChildManager[R]:
        if obj is None:
            return self
        cls = self.resolve(type(obj))
        owner_id = getattr(obj, self.via) if self.via else obj.pk
        return ChildManager(cls, self.key, owner_id, obj.connection, {self.key: owner_id})
