"""Each lazy package lists its names once, in its ``if TYPE_CHECKING:`` block.

The lazy map (:class:`~hub_sdk.core.exports.LazyExports`) and ``__all__`` stay literal: the
runtime must not parse source to find a name's module, and mypy only reads a literal
``__all__``. This test derives both from the TYPE_CHECKING block and says what to write when
they drift.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

import pytest

PACKAGES = [
    "hub_sdk.core",
    "hub_sdk.auger",
    "hub_sdk.fedn",
    "hub_sdk.testing",
    "hub_sdk.testing.fedn_local",
]


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def _declared(pkg: ModuleType) -> tuple[dict[str, str], set[str], list[str]]:
    """(TYPE_CHECKING name -> module, names bound at import, the literal ``__all__``)."""
    tree = ast.parse(Path(inspect.getfile(pkg)).read_text("utf-8"))
    typed: dict[str, str] = {}
    bound: set[str] = set()
    exported: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.level == 1 and stmt.module:
                    typed.update({alias.asname or alias.name: stmt.module for alias in stmt.names})
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            bound.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            exported = list(ast.literal_eval(node.value))
    return typed, bound, exported


def _lazy_map(pkg: ModuleType) -> dict[str, str]:
    exports = getattr(pkg, "_exports", None)
    if exports is not None:
        return dict(exports.lazy)
    legacy: dict[str, str] = pkg._LAZY  # hub_sdk.testing keeps its own map
    return {name: module.lstrip(".") for name, module in legacy.items()}


def _by_module(names: dict[str, str]) -> str:
    groups: dict[str, list[str]] = {}
    for name, module in names.items():
        groups.setdefault(module, []).append(name)
    return "\n".join(f"    {m}={' '.join(sorted(ns))!r}," for m, ns in sorted(groups.items()))


@pytest.mark.parametrize("package", PACKAGES)
def test_the_lazy_map_is_the_type_checking_block(package: str) -> None:
    pkg = importlib.import_module(package)
    typed, _, _ = _declared(pkg)
    assert typed, f"{package} has no TYPE_CHECKING imports"
    assert _lazy_map(pkg) == typed, (
        f"{package}: the lazy names must be those of the TYPE_CHECKING block; write\n"
        + _by_module(typed)
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_the_lazy_names_and_only_real_ones(package: str) -> None:
    pkg = importlib.import_module(package)
    typed, bound, exported = _declared(pkg)
    assert len(exported) == len(set(exported)), f"{package}.__all__ repeats a name"
    missing = sorted(set(typed) - set(exported))
    unknown = sorted(set(exported) - set(typed) - bound - {"__version__"})
    assert not missing, f"{package}.__all__ lacks {missing}"
    assert not unknown, f"{package}.__all__ names what the package does not define: {unknown}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_lazy_name_loads_from_its_module(package: str) -> None:
    pkg = importlib.import_module(package)
    for name, module in _lazy_map(pkg).items():
        source = importlib.import_module(f"{package}.{module}")
        assert getattr(pkg, name) is getattr(source, name), name
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchName'"):
        pkg.NoSuchName  # noqa: B018
