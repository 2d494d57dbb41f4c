"""Which resource classes each API has, and what each declares about its place in the API.

A resource class registers when it is defined (:func:`register`, from
``Resource.__init_subclass__``); :func:`resource_class` finds one by name, loading the module
that declares it through the exports its API package registered.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .exports import api_exports

if TYPE_CHECKING:
    from .resource import Resource

#: The verbs a resource class may declare with ``actions=``.
VERBS = frozenset({"list", "get", "create", "update", "delete"})
#: Fields a save never sends (besides those a class declares ``read_only=``).
READ_ONLY = frozenset({"id", "object", "deleted", "created_at", "updated_at"})

_registry: dict[str, dict[str, type[Resource]]] = {}
_registry_lock = threading.Lock()


@dataclass(frozen=True)
class ResourceSpec:
    """What a resource class declares about its place in the API."""

    api: str = ""
    path: str | None = None
    actions: frozenset[str] = frozenset()
    id_field: str = "id"
    writable: frozenset[str] | None = None
    read_only: frozenset[str] = READ_ONLY
    create_required: tuple[str, ...] = ()
    update_method: str = "PATCH"
    repr_fields: tuple[str, ...] = ("name", "status")
    # Request-only arguments (name -> type), validated before sending like the fields.
    inputs: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # The filters its listing takes (besides the placeholders of its path).
    filters: frozenset[str] = frozenset()


def register(cls: type[Resource], object: str | None = None) -> None:
    """Make ``cls`` known by its name (and by ``object``, the API's type name for it)."""
    api = cls.__resource__.api
    if api:
        with _registry_lock:
            classes = _registry.setdefault(api, {})
            classes[cls.__name__] = cls
            if object:
                classes.setdefault(object, cls)


def resource_class(api: str, name: str) -> type[Resource]:
    """The resource class of ``api`` called ``name`` (class name or object type)."""
    cls = _registry.get(api, {}).get(name)
    if cls is None:
        # Resource modules import lazily: load the one declaring it, through the exports
        # its API package registered.
        exports = api_exports(api)
        if exports is not None and name in exports.lazy:
            exports.load(name)
            cls = _registry.get(api, {}).get(name)
    if cls is None:
        raise LookupError(f"no {api} resource named {name!r}")
    return cls


def resources(api: str) -> dict[str, type[Resource]]:
    """Every resource class of ``api`` by class name, sorted (its modules are imported first)."""
    exports = api_exports(api)
    if exports is None:
        raise LookupError(f"no API package registered as {api!r} (import it first)")
    for name in exports.lazy:
        exports.load(name)
    classes = _registry.get(api, {})
    return {name: cls for name, cls in sorted(classes.items()) if name == cls.__name__}
