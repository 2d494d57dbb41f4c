"""Every reach into pydantic internals, in one place.

* :func:`install_fast_post_init` replaces pydantic's private-attribute initialiser (which it
  recognises by its name) by one that sets the defaults in one step.
* :func:`private_attributes` / :func:`set_private` write private attributes straight into
  ``__pydantic_private__``.
* :func:`take_state` makes one model take over another's public state (``__dict__`` and all).
* :func:`pickle_state` is a model's ``__getstate__`` with some private attributes replaced.
* :func:`copier` compiles a model into a function that makes independent deep copies of it
  (what ``model_copy(deep=True)`` gives, at a fraction of its cost).

``tests/core/test_internals.py`` pins each against the installed pydantic: an upgrade that
changes what they rely on fails there, loudly.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import enum
import uuid
from collections.abc import Callable
from copy import deepcopy
from typing import Any

import pydantic
from pydantic import BaseModel

#: The name of pydantic's own ``model_post_init`` for models with private attributes.
PYDANTIC_POST_INIT = "init_private_attributes"
_IMMUTABLE = (type(None), bool, int, float, str, bytes, frozenset, tuple)
_private_defaults: dict[type[Any], dict[str, Any]] = {}


def _fast_post_init(self: BaseModel, context: Any, /) -> None:
    """Set the private attributes' defaults (what pydantic's post-init does, in one step)."""
    if getattr(self, "__pydantic_private__", None) is None:
        object.__setattr__(self, "__pydantic_private__", dict(_private_defaults[type(self)]))


def install_fast_post_init(cls: type[BaseModel]) -> bool:
    """Replace pydantic's private-attribute post-init on ``cls`` by a one-step one.

    pydantic wraps the inherited ``model_post_init`` once more at every subclass level, so a
    resource three classes below ``Resource`` ran three nested Python initialisers per object
    (about 25 µs a trial, half the cost of validating it). Only done when no class in the
    chain defines its own ``model_post_init`` and every default is immutable; returns whether
    it was.
    """
    inner: Any = cls.__dict__.get("model_post_init")
    while hasattr(inner, "__wrapped__"):
        inner = inner.__wrapped__
    if inner is None or getattr(inner, "__name__", "") not in (
        PYDANTIC_POST_INIT,
        _fast_post_init.__name__,
    ):
        return False
    defaults: dict[str, Any] = {}
    for name, attr in cls.__private_attributes__.items():
        if attr.default_factory is not None or not isinstance(attr.default, _IMMUTABLE):
            return False
        defaults[name] = attr.default
    _private_defaults[cls] = defaults
    cls.model_post_init = _fast_post_init  # type: ignore[method-assign]
    return True


def private_attributes(obj: BaseModel) -> dict[str, Any]:
    """The dict pydantic keeps ``obj``'s private attributes in; writing to it sets them
    without ``__setattr__``'s machinery (hot paths do, once per listed object)."""
    private = obj.__pydantic_private__
    assert private is not None
    return private


def set_private(obj: BaseModel, **values: Any) -> None:
    """Set private attributes of ``obj``."""
    private_attributes(obj).update(values)


def take_state(obj: BaseModel, source: BaseModel) -> None:
    """Make ``obj`` hold the fields, extra fields and fields-set of ``source`` (same class)."""
    object.__setattr__(obj, "__dict__", source.__dict__)
    object.__setattr__(obj, "__pydantic_extra__", source.__pydantic_extra__)
    object.__setattr__(obj, "__pydantic_fields_set__", source.__pydantic_fields_set__)


def pickle_state(obj: BaseModel, **private: Any) -> dict[Any, Any]:
    """``obj.__getstate__()`` with the private attributes ``private`` replaced."""
    state = BaseModel.__getstate__(obj)
    state["__pydantic_private__"] = {**(state.get("__pydantic_private__") or {}), **private}
    return state


# Values shared between copies: they cannot be changed in place.
_SHARED = frozenset(
    {
        type(None),
        bool,
        int,
        float,
        str,
        bytes,
        _dt.datetime,
        _dt.date,
        _dt.time,
        _dt.timedelta,
        decimal.Decimal,
        uuid.UUID,
    }
)


def copier(value: Any) -> Callable[[], Any] | None:
    """A function returning a fresh deep copy of ``value`` at each call (None: ``value`` is
    immutable, share it).

    The walk over ``value`` is done once, here: a copy only rebuilds the containers (dicts,
    lists, models), each in one C-level step plus its mutable members. ``value`` must not
    change afterwards.
    """
    kind = type(value)
    if kind in _SHARED or isinstance(value, enum.Enum):
        return None
    if kind is dict:
        members = [(k, f) for k, v in value.items() if (f := copier(v)) is not None]
        if not members:
            return value.copy  # type: ignore[no-any-return]

        def copy_dict() -> dict[Any, Any]:
            out = value.copy()
            for key, make in members:
                out[key] = make()
            return out  # type: ignore[no-any-return]

        return copy_dict
    if kind is list:
        items = [(i, f) for i, v in enumerate(value) if (f := copier(v)) is not None]
        if not items:
            return value.copy  # type: ignore[no-any-return]

        def copy_list() -> list[Any]:
            out = value.copy()
            for index, make in items:
                out[index] = make()
            return out  # type: ignore[no-any-return]

        return copy_list
    if (kind is tuple or kind is frozenset) and all(copier(v) is None for v in value):
        return None
    if isinstance(value, BaseModel):
        return _model_copier(value)
    return lambda: deepcopy(value)


def _model_copier(model: BaseModel) -> Callable[[], BaseModel]:
    cls = type(model)
    state: dict[str, Any] = model.__dict__
    extra = model.__pydantic_extra__
    fields_set = model.__pydantic_fields_set__
    private = model.__pydantic_private__
    copy_state = copier(state) or state.copy
    copy_extra = (copier(extra) or extra.copy) if extra is not None else None
    new = object.__new__
    setattr_ = object.__setattr__

    def copy_model() -> BaseModel:
        obj = new(cls)
        setattr_(obj, "__dict__", copy_state())
        setattr_(obj, "__pydantic_extra__", copy_extra() if copy_extra is not None else None)
        setattr_(obj, "__pydantic_fields_set__", set(fields_set))
        setattr_(obj, "__pydantic_private__", dict(private) if private is not None else None)
        return obj

    return copy_model


def field_errors(exc: pydantic.ValidationError) -> list[tuple[str, str]]:
    """``(field path, message)`` pairs of a pydantic validation error."""
    return [(".".join(str(p) for p in err["loc"]) or "(body)", err["msg"]) for err in exc.errors()]
