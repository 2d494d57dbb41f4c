"""Listing filters are declared per resource; anything else is refused before a request.

A filter the server does not know is silently ignored by it, and a listing narrowed by a typo
(or by ``None``, an empty string, an empty list) comes back whole: a loop that deletes what it
lists would delete everything. :func:`check_filters` refuses such filters, naming each and the
nearest valid one; a filter value is one non-empty value.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..errors import ValidationError, suggest

if TYPE_CHECKING:
    from .resource import Resource


@dataclass(frozen=True)
class FilterRules:
    """What a resource's listing accepts.

    ``names``: the filters (``sender__name`` for a nested field); ``operators``: the suffixes
    any of them takes (``committed_at__gte``); ``order_by``: the keys a listing can be ordered
    by, or None when the API cannot order it; ``objects``: whether a resource object stands
    for its id as a value (``model_id=model``).
    """

    names: frozenset[str] = frozenset()
    operators: frozenset[str] = frozenset()
    order_by: frozenset[str] | None = None
    objects: bool = False

    def accepts(self, name: str) -> bool:
        """Whether ``name`` (with an operator suffix or not) is a filter."""
        if name in self.names:
            return True
        base, _, operator = name.rpartition("__")
        return bool(base) and operator in self.operators and base in self.names


_rules: dict[type[Any], FilterRules] = {}


def filter_rules(cls: type[Resource]) -> FilterRules:
    """What ``cls``'s listing takes, as its ``_build_filter_rules`` says (once per class)."""
    rules = _rules.get(cls)
    if rules is None:
        rules = _rules[cls] = cls._build_filter_rules()
    return rules


def check_filters(
    cls: type[Resource], filters: Mapping[str, Any], order_by: str | None = None
) -> None:
    """Raise :class:`~hub_sdk.errors.ValidationError` for every filter ``cls`` does not
    declare, every value that is not one non-empty value (``None``, ``""``, ``[]``, a dict,
    an object without an id), and an ``order_by`` key it cannot be ordered by."""
    rules = cls.filter_rules()
    problems: list[tuple[str, str]] = []
    for name, value in filters.items():
        problem = _value(name, value, rules) if rules.accepts(name) else _unknown(cls, name, rules)
        if problem:
            problems.append((name, problem))
    if order_by is not None:
        problem = _order_by(cls, order_by, rules)
        if problem:
            problems.append(("order_by", problem))
    if problems:
        raise ValidationError.from_fields(f"invalid filters for {cls.__name__}.list", problems)


_DROPPED = (
    "to list without this filter, leave it out (the server would drop it and return the whole"
    " listing)"
)


def _value(name: str, value: Any, rules: FilterRules) -> str | None:
    """Why ``value`` is no value for the filter ``name`` (None if it is one)."""
    from .resource import Resource

    if value is None:
        return f"is None: {_DROPPED}"
    if isinstance(value, (str, bytes)):
        return None if value.strip() else f"is an empty string: {_DROPPED}"
    if isinstance(value, Resource):
        return _object(name, value, rules)
    if isinstance(value, (Mapping, BaseModel)):
        return f"is a {type(value).__name__}: {_nested(name, rules)}"
    if isinstance(value, (list, tuple, AbstractSet)):
        if not value:
            return f"is an empty {type(value).__name__}: {_DROPPED}"
        return (
            f"is a {type(value).__name__}: a filter takes one value (the API has no"
            " 'any of' filter; list once per value)"
        )
    return None


def _object(name: str, value: Any, rules: FilterRules) -> str | None:
    """Why the resource object ``value`` cannot stand for its id (None if it can)."""
    kind = type(value).__name__
    if not rules.objects:
        return f"is a {kind} object: pass its id ({name}=obj.pk)"
    pk = value.pk
    if pk is None or (isinstance(pk, str) and not pk.strip()):
        return f"is a {kind} without an id: {_DROPPED}"
    return None


def _nested(name: str, rules: FilterRules) -> str:
    """How to filter on the fields of a nested value for ``name``."""
    fields = sorted(n for n in rules.names if n.startswith(f"{name}__"))
    if fields:
        shown = ", ".join(f"{f}=" for f in fields[:4]) + (", ..." if len(fields) > 4 else "")
        return f"filter on its fields instead ({shown})"
    return "a filter takes one value, not a mapping or an object"


def _order_by(cls: type[Resource], order_by: Any, rules: FilterRules) -> str | None:
    """Why ``cls`` cannot be ordered by ``order_by`` (None if it can)."""
    if not isinstance(order_by, str):
        return f"must be one field name as a string ('name', '-name'), not {order_by!r}"
    if rules.order_by is None:
        return f"{cls.__name__} listings cannot be ordered"
    key = order_by[1:] if order_by[:1] in ("-", "+") else order_by
    if key in rules.order_by:
        return None
    choices = ", ".join(sorted(rules.order_by))
    return (
        f"{key!r} is not a field to order {cls.__name__} by"
        f"{suggest(key, rules.order_by)} (one of: {choices})"
    )


def _unknown(cls: type[Resource], name: str, rules: FilterRules) -> str:
    base, _, operator = name.rpartition("__")
    nested = any(n.startswith(f"{base}__") for n in rules.names)  # `sender__nme`: a typo
    if rules.operators and base in rules.names and not nested:
        ops = ", ".join(f"__{op}" for op in sorted(rules.operators))
        return f"{operator!r} is not an operator (one of: {ops})"
    if not rules.names:
        return f"is not a filter: {cls.__name__} listings take no filters"
    hint = suggest(name, rules.names)
    if not hint and base and base in rules.names:
        hint = " (this API takes no operator suffixes)"
    shown = sorted(rules.names)
    listed = ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")
    return f"is not a filter of {cls.__name__}{hint} (filters: {listed})"
