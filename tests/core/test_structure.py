"""The shape of the house: core knows no API, and the codecs stand outside every import circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "hub_sdk"
CODECS = ("hub_sdk.core.protocol", "hub_sdk.auger.protocol", "hub_sdk.fedn.protocol")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Every import of every hub_sdk module (lazy and TYPE_CHECKING ones included)."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                subs = [f"{base}.{a.name}" for a in node.names]
                targets = [s for s in subs if s in files] or [base]
            else:
                continue
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_core_imports_no_api_package() -> None:
    graph = _import_graph()
    for module, targets in graph.items():
        if module.startswith("hub_sdk.core"):
            outside = {t for t in targets if t.startswith(("hub_sdk.auger", "hub_sdk.fedn"))}
            assert not outside, f"{module} imports {sorted(outside)}"


def test_core_builds_no_package_name_at_run_time() -> None:
    """``import_module`` in core loads only modules of a package named to it (``__name__``, or
    the package that registered its exports), never ``f"hub_sdk.{api}"``."""
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in (
                "import_module",
                "__import__",
            ):
                arg = ast.unparse(node.args[0])
                assert "hub_sdk" not in arg, f"{path.name}:{node.lineno}: {arg}"


def test_no_import_circle_runs_through_a_codec() -> None:
    for component in _cycles(_import_graph()):
        assert not component & set(CODECS), f"import circle through a codec: {sorted(component)}"


def test_codecs_never_see_a_connection() -> None:
    graph = _import_graph()
    for codec in CODECS:
        assert "hub_sdk.core.connection" not in graph[codec], codec


def test_the_import_graph_sees_lazy_and_type_checking_imports() -> None:
    graph = _import_graph()
    assert "hub_sdk.core.connection" in graph["hub_sdk.core.context"]  # TYPE_CHECKING
    assert "hub_sdk.core._pydantic" in graph["hub_sdk.core.protocol"]  # inside a function


def test_relations_resolve_through_the_exports_an_api_registers() -> None:
    """In a fresh interpreter: naming a resource loads its module through the API's exports."""
    code = (
        "import sys\n"
        "import hub_sdk.auger\n"
        "from hub_sdk.core.registry import resource_class\n"
        "assert 'hub_sdk.auger.trials' not in sys.modules\n"
        "assert resource_class('auger', 'Trial').__module__ == 'hub_sdk.auger.trials'\n"
        "try:\n"
        "    resource_class('nowhere', 'Trial')\n"
        "except LookupError:\n"
        "    print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok", out.stderr
