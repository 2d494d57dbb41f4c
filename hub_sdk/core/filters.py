"""Listing filters are declared per resource; anything else is refused before a request.

A filter the server does not know is silently ignored by it, and a listing narrowed by a typo
(or by ``None``) comes back whole: a loop that deletes what it lists would delete everything.
:func:`check_filters` refuses such filters, naming each and the nearest valid one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ValidationError, suggest

if TYPE_CHECKING:
    from .resource import Resource


@dataclass(frozen=True)
class FilterRules:
    """What a resource's listing accepts.

    ``names``: the filters (``sender__name`` for a nested field); ``operators``: the suffixes
    any of them takes (``committed_at__gte``); ``order_by``: the keys a listing can be ordered
    by, or None when the API cannot order it.
    """

    names: frozenset[str] = frozenset()
    operators: frozenset[str] = frozenset()
    order_by: frozenset[str] | None = None

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
    declare, every ``None`` value, and an ``order_by`` key it cannot be ordered by."""
    rules = cls.filter_rules()
    problems: list[tuple[str, str]] = []
    for name, value in filters.items():
        if not rules.accepts(name):
            problems.append((name, _unknown(cls, name, rules)))
        elif value is None:
            problems.append((
                name,
                "is None: to list without this filter, leave it out (a None filter would"
                " otherwise be dropped and the whole listing returned)",
            ))
    if order_by is not None:
        key = order_by[1:] if order_by[:1] in ("-", "+") else order_by
        if rules.order_by is None:
            problems.append(("order_by", f"{cls.__name__} listings cannot be ordered"))
        elif key not in rules.order_by:
            choices = ", ".join(sorted(rules.order_by))
            problems.append((
                "order_by",
                f"{key!r} is not a field to order {cls.__name__} by"
                f"{suggest(key, rules.order_by)} (one of: {choices})",
            ))
    if problems:
        raise ValidationError.from_fields(f"invalid filters for {cls.__name__}.list", problems)


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
