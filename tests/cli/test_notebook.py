"""``examples/walkthrough.ipynb`` runs top to bottom on LocalHub.

Jupyter is not a dependency, so the code cells are executed in order in one namespace the way
IPython would: every statement runs, and a cell's last expression is "displayed" through its
``_repr_html_`` (or ``repr``), which checks the notebook representations too.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "walkthrough.ipynb"


def _cells() -> list[dict[str, Any]]:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 4
    assert nb["metadata"]["kernelspec"]["language"] == "python"
    for cell in nb["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        assert isinstance(cell["id"], str) and isinstance(cell["metadata"], dict)
        if cell["cell_type"] == "code":  # committed without outputs
            assert cell["outputs"] == [] and cell["execution_count"] is None
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _display(value: Any) -> str:
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        text = html()
        assert isinstance(text, str)
        return text
    return repr(value)


def _run_cell(source: str, namespace: dict[str, Any], name: str) -> str | None:
    """Run one cell like IPython; return the display of its last expression (if any)."""
    tree = ast.parse(source, filename=name)
    last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is not None:
        tree.body = tree.body[:-1]
    exec(compile(tree, name, "exec"), namespace)
    if last is None:
        return None
    value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)
    return None if value is None else _display(value)


def test_walkthrough_notebook_runs(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pandas")
    namespace: dict[str, Any] = {"__name__": "__main__"}
    shown: list[str | None] = []
    try:
        for i, cell in enumerate(_cells()):
            shown.append(_run_cell("".join(cell["source"]), namespace, f"<cell {i}>"))
    finally:
        hub = namespace.get("hub")
        if hub is not None:
            hub.stop()
    captured = capsys.readouterr()
    out, err = captured.out, captured.err

    html = [s for s in shown if s and s.startswith(("<table", "<div"))]
    assert any("<caption>Project</caption>" in s for s in html)  # an object
    assert any("<caption>Experiment" in s and " of " in s for s in html)  # a lazy list
    assert any("dataframe" in s for s in html)  # to_pandas()
    assert "round 3/3" in err and "model trail:" in out  # wait(progress=True): no terminal
    assert str(namespace["fl_session"].status).lower() == "finished"
    assert namespace["hub"].running is False
