"""Lazy package exports: names imported from their module on first use (PEP 562).

A package lists its lazy names once for type checkers, in an ``if TYPE_CHECKING:`` block,
and once here, grouped the same way by module (``tests/meta/test_exports.py`` checks that the
two lists, and ``__all__``, agree)::

    if TYPE_CHECKING:
        from .models import Model
        from .sessions import Round, Session

    _exports = LazyExports(__name__, globals(), models="Model", sessions="Round Session")
    if not TYPE_CHECKING:  # type checkers see the real names above, not an Any fallback
        __getattr__, __dir__ = _exports.load, _exports.names
"""

from __future__ import annotations

import importlib
from typing import Any

_apis: dict[str, LazyExports] = {}


def register_api(api: str, exports: LazyExports) -> None:
    """Make ``exports`` the way core reaches the resource modules of the API ``api``.

    An API package registers its exports when it is imported, so core can load the module
    of a resource that a relation names, without naming the package itself.
    """
    _apis[api] = exports


def api_exports(api: str) -> LazyExports | None:
    """The exports the API package ``api`` registered (None if it has not been imported)."""
    return _apis.get(api)


class LazyExports:
    """The lazily imported names of one package, and its ``__getattr__`` / ``__dir__``."""

    __slots__ = ("_namespace", "lazy", "package")

    def __init__(self, package: str, namespace: dict[str, Any], /, **modules: str) -> None:
        self.package = package
        self._namespace = namespace
        #: name -> module (relative to the package) that defines it.
        self.lazy: dict[str, str] = {
            name: module for module, names in modules.items() for name in names.split()
        }

    def load(self, name: str) -> Any:
        """Import ``name`` from its module, keep it in the package namespace, return it."""
        module = self.lazy.get(name)
        if module is None:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{self.package}.{module}"), name)
        self._namespace[name] = value
        return value

    def names(self) -> list[str]:
        """The package's names, the lazy ones included."""
        return sorted(set(self._namespace) | set(self.lazy))
