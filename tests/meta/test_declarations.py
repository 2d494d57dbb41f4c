"""Every resource is declared consistently (python-gitlab keeps such meta-tests too).

A declaration that names nothing real fails silently at run time (a repr that drops a field, a
relation that resolves to the wrong class, a CLI verb with nothing behind it), so the whole
declaration language is checked here, for every resource class of both APIs.
"""

from __future__ import annotations

import argparse
import ast
import re
from typing import Any

import pytest

from hub_sdk.auger.relations import Embedded
from hub_sdk.cli import APIS, build_parser
from hub_sdk.cli.resources import VERBS, discover
from hub_sdk.core import Resource, resources
from hub_sdk.core.registry import READ_ONLY
from hub_sdk.core.relations import Children, OptionalParent, Parent

CLASSES = [cls for api in ("auger", "fedn") for cls in resources(api).values()]
IDS = [f"{cls.__resource__.api}.{cls.__name__}" for cls in CLASSES]


def _fields(cls: type[Resource]) -> set[str]:
    cls.model_rebuild()
    return set(cls.model_fields)


def _aliases(cls: type[Resource]) -> set[str]:
    cls.model_rebuild()
    return {info.alias for info in cls.model_fields.values() if info.alias}


def _inputs(cls: type[Resource]) -> set[str]:
    """The request-only arguments the class declares."""
    return set(cls.__resource__.inputs)


def _properties(cls: type[Resource]) -> set[str]:
    return {n for k in cls.__mro__ for n, v in list(vars(k).items()) if isinstance(v, property)}


def _path_params(cls: type[Resource]) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", cls.__resource__.path or ""))


def _relations(
    cls: type[Resource],
) -> dict[str, Parent[Any] | OptionalParent[Any] | Children[Any]]:
    """The relations the class itself declares (inherited ones are checked on the base)."""
    kinds = (Parent, OptionalParent, Children)
    return {n: v for n, v in list(vars(cls).items()) if isinstance(v, kinds)}


def _base_spec(cls: type[Resource]) -> Any:
    base = next(b for b in cls.__mro__[1:] if issubclass(b, Resource))
    return base.__resource__


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_declared_names_are_fields_inputs_or_aliases(cls: type[Resource]) -> None:
    spec = cls.__resource__
    known = _fields(cls) | _aliases(cls) | _inputs(cls)
    declared = {
        "read_only": spec.read_only - READ_ONLY,
        "create_required": set(spec.create_required),
        "writable": set(spec.writable or ()),
    }
    if spec.id_field != "id":
        declared["id_field"] = {spec.id_field}
    for kind, names in declared.items():
        unknown = sorted(names - known)
        assert not unknown, f"{cls.__name__} {kind} names no field, input or alias: {unknown}"


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_repr_fields_are_fields_or_properties_and_show(
    cls: type[Resource], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = cls.__resource__
    fields, properties = _fields(cls), _properties(cls)
    if spec.repr_fields != _base_spec(cls).repr_fields:  # declared here, not the default
        unknown = sorted(set(spec.repr_fields) - fields - properties)
        assert not unknown, f"{cls.__name__} repr_fields names no field or property: {unknown}"
    for name in spec.repr_fields:
        shown = f"shown-{name}"
        if name in properties:
            monkeypatch.setattr(cls, name, property(lambda self, v=shown: v))
            obj = cls.model_construct()
        else:  # a field, or a server field the generic default names (kept as an extra)
            obj = cls.model_construct(**{name: shown})
        assert f"{name}={shown!r}" in repr(obj), f"{cls.__name__}: repr drops {name}"


def _annotated_target(cls: type[Resource], attr: str) -> tuple[str, str]:
    """(relation kind, target class name) of ``attr: ClassVar[Kind[Target]]``."""
    annotation = cls.__annotations__.get(attr)
    assert isinstance(annotation, str), f"{cls.__name__}.{attr} has no ClassVar annotation"
    node = ast.parse(annotation, mode="eval").body
    assert isinstance(node, ast.Subscript) and ast.unparse(node.value) == "ClassVar", annotation
    inner = node.slice
    assert isinstance(inner, ast.Subscript), annotation
    return ast.unparse(inner.value), ast.unparse(inner.slice)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_relations_resolve_to_their_annotated_class_by_real_keys(cls: type[Resource]) -> None:
    for attr, relation in _relations(cls).items():
        target = relation.resolve(cls)
        assert target.__resource__.api == cls.__resource__.api, f"{cls.__name__}.{attr}"
        kind, name = _annotated_target(cls, attr)
        assert (kind, name) == (type(relation).__name__, target.__name__), (
            f"{cls.__name__}.{attr} is annotated {kind}[{name}] but is "
            f"{type(relation).__name__}({target.__name__!r})"
        )
        if isinstance(relation, (Parent, OptionalParent)):  # the owner's foreign key
            assert relation.key in _fields(cls) | _properties(cls), f"{cls.__name__}.{attr}"
        else:  # the child's foreign key: a field, an input, a path parameter or a filter on one
            key = relation.key.split("__")[0]
            child = _fields(target) | _aliases(target) | _inputs(target) | _path_params(target)
            assert key in child, f"{cls.__name__}.{attr}: {target.__name__} has no {key!r}"
            if relation.via:
                assert relation.via in _fields(cls) | _properties(cls), f"{cls.__name__}.{attr}"


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("api", list(APIS))
def test_every_cli_verb_is_one_the_resource_declares(api: str) -> None:
    commands = discover(api)
    assert set(APIS[api]) <= set(commands), "a verb table names a command that does not exist"
    offered = _choices(_choices(build_parser())[api])
    assert set(offered) == set(commands)
    for name, command_parser in offered.items():
        cls = commands[name].cls
        for verb in _choices(command_parser):
            if verb in VERBS:
                assert verb in cls.__resource__.actions, f"{name} {verb}"
            else:
                assert callable(getattr(cls, verb, None)), f"{name} {verb}: no such method"


# -- filters: declared per resource, and what the servers take ----------------------------------

# The SDK's own resources (test suites declare toy ones in the same registry).
LISTED = [
    cls
    for cls in CLASSES
    if "list" in cls.__resource__.actions and cls.__module__.startswith("hub_sdk.")
]
LISTED_IDS = [f"{cls.__resource__.api}.{cls.__name__}" for cls in LISTED]


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_child_collections_list_by_a_declared_filter(cls: type[Resource]) -> None:
    for attr, relation in _relations(cls).items():
        if not isinstance(relation, Children) or isinstance(relation, Embedded):
            continue
        target = relation.resolve(cls)
        if "list" in target.__resource__.actions:
            assert target.filter_rules().accepts(relation.key), (
                f"{cls.__name__}.{attr} lists {target.__name__} by {relation.key!r}, which "
                f"{target.__name__} does not declare as a filter"
            )


@pytest.mark.parametrize("cls", [c for c in LISTED if c.__resource__.api == "auger"],
                         ids=[i for i in LISTED_IDS if i.startswith("auger.")])
def test_auger_filters_are_the_ones_localhub_honours(cls: type[Resource]) -> None:
    """A filter the SDK accepts but the server ignores would widen the listing silently."""
    from hub_sdk.testing.auger.catalogue import SPECS

    spec = next((s for s in SPECS if s.path == cls.__resource__.path), None)
    declared = cls.__resource__.filters
    if spec is None:  # a nested route (endpoints/{endpoint_id}/predictions): its placeholder
        assert declared <= _path_params(cls) | _base_spec(cls).filters
        return
    assert declared == set(spec.filters), cls.__name__


def test_auger_filters_cover_the_recorded_index_filters(shared_dir: Any) -> None:
    import json

    recorded = json.loads((shared_dir / "hub-api" / "hub_api.json").read_text("utf-8"))
    by_path = {cls.__resource__.path: cls for cls in LISTED if cls.__resource__.api == "auger"}
    seen = 0
    for entry in recorded.values():
        for action in entry.get("actions", ()):
            if action.get("action") != "index":
                continue
            cls = by_path.get(action["path"].removeprefix("/api/v1/"))
            for observed in action.get("observed", ()):
                params = set(observed.get("request_body_params") or {})
                params -= {"limit", "offset", "project_api_token", "token"}
                if cls is not None and params:
                    seen += 1
                    assert params <= cls.filter_rules().names, (cls.__name__, params)
    assert seen >= 3  # experiment_sessions, cluster_statuses, pod_logs (HUB_API.md §5)


@pytest.mark.parametrize("cls", [c for c in LISTED if c.__resource__.api == "fedn"],
                         ids=[i for i in LISTED_IDS if i.startswith("fedn.")])
def test_fedn_filters_are_columns_localhub_honours(cls: type[Resource]) -> None:
    from hub_sdk.testing.fedn_local.catalogue import ENTITIES

    entity = ENTITIES[(cls.__resource__.path or "").strip("/")]
    columns = set(entity.fields) | ({"model"} if entity.name == "models" else set())
    rules = cls.filter_rules()
    assert rules.operators == {"gt", "lt", "gte", "lte", "ne", "eq"}
    for name in rules.names:
        top, _, sub = name.partition("__")
        assert top in columns, f"{cls.__name__} accepts {name!r}: not a column of {entity.name}"
        if sub:
            assert entity.fields[top] is dict, f"{cls.__name__}: {top!r} is not an object"
    assert rules.order_by is not None and rules.order_by <= columns


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_no_writable_resource_declares_a_field_called_extra(cls: type[Resource]) -> None:
    """``create(extra={...})`` / ``save(extra=...)`` is the escape hatch for undeclared fields."""
    if cls.__resource__.actions & {"create", "update"}:
        assert "extra" not in _fields(cls) | _inputs(cls), cls.__name__
