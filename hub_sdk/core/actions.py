"""Declared custom verbs: ``deploy: ClassVar[Action[Project]] = Action("PATCH", "deploy")``.

An :class:`Action` read from a resource object is a function that sends the request for that
object (:meth:`~hub_sdk.core.resource.Resource._run_action`); read from the class, it is the
declaration itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar, overload

T = TypeVar("T")


class Sender(Protocol):
    """What an action is read from: a resource object, which sends it."""

    def _run_action(self, action: Action[Any], params: Mapping[str, Any], /) -> Any: ...


class Action(Generic[T]):
    """A custom verb: ``deploy: ClassVar[Action[Project]] = Action("PATCH", "deploy")``.

    ``returns``: ``"self"`` (refresh the object from the answer and return it), ``"data"``
    (the envelope's payload), ``"text"`` (the body as text) or a resource class name.
    """

    __slots__ = ("doc", "method", "name", "path", "returns")

    def __init__(self, method: str, path: str, *, returns: str = "self", doc: str = "") -> None:
        self.method = method.upper()
        self.path = path
        self.returns = returns
        self.doc = doc
        self.name = path

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Action[T]: ...

    @overload
    def __get__(self, obj: Sender, owner: type[Any]) -> Callable[..., T]: ...

    def __get__(self, obj: Sender | None, owner: type[Any]) -> Action[T] | Callable[..., T]:
        if obj is None:
            return self
        resource = obj

        def call(**params: Any) -> Any:
            return resource._run_action(self, params)

        call.__name__ = self.name
        call.__doc__ = self.doc or f"{self.method} {owner.__name__}/<id>/{self.path}"
        return call

    def __repr__(self) -> str:
        return f"Action({self.method!r}, {self.path!r})"
