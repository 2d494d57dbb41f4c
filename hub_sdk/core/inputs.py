"""Strict at the edge: the fields ``create``, ``update`` and ``save`` send are checked first.

An unknown name is refused naming the nearest field, and ``extra=``, the way to send a field
the server knows but the SDK does not; a wrong type or a missing required field is refused
too. Every problem of a call is named in one :class:`~hub_sdk.errors.ValidationError`, and
nothing is sent. (What a listing takes: :mod:`hub_sdk.core.filters`.)
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Optional

import pydantic
import pydantic_core
from pydantic import BaseModel, ConfigDict

from ..errors import ValidationError, suggest
from ._pydantic import field_errors
from .relations import OptionalParent, Parent

if TYPE_CHECKING:
    from .resource import Resource

_input_models: dict[type[Any], type[BaseModel]] = {}
_known_inputs: dict[type[Any], frozenset[str]] = {}


def known(cls: type[Resource]) -> frozenset[str]:
    """The argument names ``create``/``update`` take: fields, aliases, inputs, path."""
    names = _known_inputs.get(cls)
    if names is None:
        cls.model_rebuild()
        found = {n for n, info in cls.model_fields.items()}
        found |= {info.alias for info in cls.model_fields.values() if info.alias}
        names = frozenset(found | set(cls.__resource__.inputs) | cls._path_params())
        _known_inputs[cls] = names
    return names


def unassignable(cls: type[Resource], name: str) -> str | None:
    """Why ``obj.<name> = ...`` is refused for a name that is neither a field nor an extra
    field the server sent (None: a property with a setter, which may be assigned)."""
    attr = inspect.getattr_static(cls, name, None)
    if isinstance(attr, property) and attr.fset is not None:
        return None
    aliases = {info.alias: field for field, info in cls.model_fields.items() if info.alias}
    if name in aliases:
        return f"is the wire name of {cls.__name__}.{aliases[name]}: assign {aliases[name]}"
    key = getattr(attr, "key", None)
    if isinstance(attr, (Parent, OptionalParent)) and isinstance(key, str):
        return f"is a relation, not a field: assign {key}"
    if attr is not None:
        return f"is an attribute of {cls.__name__} (a method or relation), not a field"
    return unknown_field(cls, name, f"save(extra={{{name!r}: ...}})")


def unknown_field(cls: type[Resource], name: str, escape: str | None) -> str:
    """Why ``name`` is refused: not a field (the nearest one), and the escape hatch."""
    reason = f"is not a field of {cls.__name__}{suggest(name, known(cls))}"
    if escape is None:
        return reason
    return f"{reason}; to send a field the server knows but the SDK does not, use {escape}"


def extra_fields(
    cls: type[Resource], extra: Mapping[str, Any] | None, action: str
) -> dict[str, Any]:
    """``extra=``: fields the SDK does not declare, sent as given (checked: not declared)."""
    if extra is None:
        return {}
    what = f"invalid arguments for {cls.__name__}.{action}"
    if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
        raise ValidationError.from_fields(
            what, [("extra", "must be a mapping of field names to values")]
        )
    names = known(cls)
    declared = [
        (f"extra.{k}", f"is a declared field: pass it as {k}=... (validated)")
        for k in extra
        if k in names
    ]
    if declared:
        raise ValidationError.from_fields(what, declared)
    return dict(extra)


def check_unsaved(cls: type[Resource], body: Mapping[str, Any]) -> None:
    """Refuse to create an object built locally (``save()``) with unknown or missing fields."""
    names = known(cls)
    problems = [
        (n, unknown_field(cls, n, f"save(extra={{{n!r}: ...}})")) for n in body if n not in names
    ]
    required = cls.__resource__.create_required
    problems += [(n, "is required") for n in required if body.get(n) is None]
    if problems:
        raise ValidationError.from_fields(f"invalid {cls.__name__} to create", problems)


def _input_model(cls: type[Resource]) -> type[BaseModel]:
    model = _input_models.get(cls)
    if model is None:
        cls.model_rebuild()
        # Declared fields, plus the request-only arguments declared with ``inputs=``.
        types = {name: info.annotation for name, info in cls.model_fields.items()}
        # An alias (the wire name) is checked like its field, not passed on unchecked.
        types.update(
            {info.alias: info.annotation for info in cls.model_fields.values() if info.alias}
        )
        types.update(cls.__resource__.inputs)
        fields: dict[str, Any] = {
            name: (Optional[tp], None)  # noqa: UP045 - runtime type object
            for name, tp in types.items()
        }
        model = pydantic.create_model(
            f"{cls.__name__}Input",
            # NaN/Infinity stay floats so the JSON encoder refuses them (not silent nulls)
            __config__=ConfigDict(
                extra="allow", arbitrary_types_allowed=True, ser_json_inf_nan="constants"
            ),
            **fields,
        )
        _input_models[cls] = model
    return model


def validate_input(
    cls: type[Resource],
    fields: Mapping[str, Any],
    *,
    required: Iterable[str] = (),
    action: str = "create",
) -> dict[str, Any]:
    """``fields`` checked against ``cls``'s declared types, as JSON-ready values.

    Raises :class:`~hub_sdk.errors.ValidationError` naming every bad or missing field.
    """
    names = known(cls)
    escape = "extra={%r: ...}" if action in ("create", "update") else None
    problems: list[tuple[str, str]] = [
        (name, unknown_field(cls, name, escape and escape % name))
        for name in fields
        if name not in names
    ]
    problems += [(name, "is required") for name in required if fields.get(name) is None]
    what = f"invalid arguments for {cls.__name__}.{action}"
    try:
        model = _input_model(cls).model_validate(dict(fields))
    except pydantic.ValidationError as exc:
        problems.extend(field_errors(exc))
        model = None
    if problems:
        raise ValidationError.from_fields(what, problems)
    assert model is not None
    try:
        dumped = model.model_dump(mode="json", exclude_unset=True)
    except (pydantic_core.PydanticSerializationError, ValueError, TypeError):
        bad = []
        for name in fields:
            try:
                model.model_dump(mode="json", include={name})
            except (pydantic_core.PydanticSerializationError, ValueError, TypeError) as exc:
                bad.append((name, f"is not JSON-serialisable ({exc})"))
        bad = bad or [("(body)", "is not JSON-serialisable")]
        raise ValidationError.from_fields(what, bad) from None
    return {k: dumped.get(k, v) for k, v in fields.items()}
