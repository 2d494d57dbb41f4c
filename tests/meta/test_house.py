"""The house stays easy to change: no module of the package grows past 700 lines, and the
codec (``core/protocol.py``) imports nothing that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hub_sdk"
MAX_LINES = 700


def test_no_module_is_over_700_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in PACKAGE.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules into rooms of their own: {long}"


def _imports(path: Path) -> set[str]:
    """The hub_sdk modules ``path`` imports (relative imports resolved), at any level."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            target = f"{base}.{node.module}" if node.level and node.module else (
                base if node.level else node.module or ""
            )
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("hub_sdk")}


def test_no_import_circle_runs_through_the_protocol_codec() -> None:
    files = {
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in PACKAGE.rglob("*.py")
    }
    graph = {name: {m for m in _imports(path) if m in files and m != name}
             for name, path in files.items()}
    start = "hub_sdk.core.protocol"
    seen, todo = set(), list(graph[start])
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(graph[name])
    assert start not in seen, f"{start} reaches itself through {sorted(seen)}"
    assert graph[start], "the test would pass vacuously: the codec imports nothing of hub_sdk"
