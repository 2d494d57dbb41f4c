"""The base class of every Auger Hub resource."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, overload

from ..core.resource import Resource

_Id = TypeVar("_Id", covariant=True)


class _HasId(Protocol[_Id]):
    """An object with an ``id``."""

    @property
    def id(self) -> _Id: ...


class _Pk:
    """How type checkers see ``pk``: the type of the resource's ``id`` (Any without one)."""

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> _Pk: ...

    @overload
    def __get__(self, obj: _HasId[_Id], owner: type[Any]) -> _Id: ...

    @overload
    def __get__(self, obj: object, owner: type[Any]) -> Any: ...

    def __get__(self, obj: object, owner: type[Any]) -> Any:
        raise NotImplementedError  # pragma: no cover - typing only


class AugerResource(Resource, api="auger"):
    """An Auger Hub object: ``object``/``deleted`` on every stored object, unknown fields kept.

    The class keyword ``inputs=`` declares request-only arguments (such as a pipeline's
    ``trial_id``) with their types, so that they are validated before sending like the
    declared fields; ``filters=`` the filters its listing takes (the contract's, and the
    keys its parents' child collections list it by).
    """

    object: str | None = None
    deleted: bool | None = None

    if TYPE_CHECKING:
        pk: ClassVar[_Pk]  # the ``id``, typed as each resource declares it
