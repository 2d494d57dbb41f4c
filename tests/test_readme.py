"""Every Python block of the README runs, in README order, on LocalHub's demo data.

The blocks run in one namespace, as a reader would paste them into one session, against a fresh
LocalHub with demo data and in a folder holding the ``package.tgz`` and ``seed.npz`` the FEDn
examples upload. A block whose first line says ``# illustrative, not run`` is skipped.

What the README writes for a real deployment is replaced, in plain sight, by LocalHub's values
(:data:`SUBSTITUTIONS`: each must still appear in the README), ``FEDN_URL`` points at LocalHub's
FEDn controller for ``fedn.connect()``, and the Connections section's placeholders ``url``,
``tok``, ``url2``, ``tok2`` are defined beforehand.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hub_sdk.core import context
from hub_sdk.core.connection import Connection
from hub_sdk.testing import LocalHub
from hub_sdk.testing.fedn_local.npz import npz_bytes

from .fedn.helpers import SEED_ARRAYS, package_bytes

README = Path(__file__).resolve().parents[1] / "README.md"
SKIP = "# illustrative, not run"

#: README text -> what the test runs instead (a function of the running LocalHub).
SUBSTITUTIONS: list[tuple[str, Callable[[LocalHub], str]]] = [
    ('"http://127.0.0.1:5000"', lambda hub: repr(hub.url)),
    ('"http://127.0.0.1:7777"', lambda hub: repr(hub.optimizers_url)),
    ('project_token="..."', lambda hub: f"project_token={hub.project_token!r}"),
    ('"me@example.com", "password"', lambda hub: f"{hub.user_email!r}, {hub.user_password!r}"),
    ("port=8092", lambda hub: f"port={hub.fedn_port}"),
]


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every fenced Python block, in order."""
    return [
        (text.count("\n", 0, m.start()) + 2, m.group(1))
        for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M)
    ]


def test_blocks_are_found_and_substitutions_still_apply() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = python_blocks(text)
    assert len(blocks) >= 10
    for old, _ in SUBSTITUTIONS:
        assert old in text, f"the README no longer says {old}: update SUBSTITUTIONS"
    skipped = [code for _, code in blocks if code.startswith(SKIP)]
    assert len(skipped) <= 2, "most blocks should run"


def test_every_readme_block_runs(
    local_hub: LocalHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = local_hub
    (tmp_path / "package.tgz").write_bytes(package_bytes())
    (tmp_path / "seed.npz").write_bytes(npz_bytes(SEED_ARRAYS))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEDN_URL", hub.fedn_url)
    namespace: dict[str, Any] = {
        "url": hub.url,
        "tok": hub.project_token,
        "url2": hub.url,
        "tok2": hub.issue_token("project", 1),
    }
    ran = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LocalHub's FEDn controller has no auth
            for line, code in python_blocks(README.read_text(encoding="utf-8")):
                if code.startswith(SKIP):
                    continue
                for old, new in SUBSTITUTIONS:
                    code = code.replace(old, new(hub))
                # line numbers in tracebacks are the README's
                source = "\n" * (line - 1) + code
                exec(compile(source, str(README), "exec"), namespace)
                ran += 1
    finally:
        context.clear_default("auger")
        context.clear_default("fedn")
        for value in namespace.values():
            if isinstance(value, LocalHub):
                value.stop()
            elif isinstance(value, Connection):
                value.close()
    assert ran >= 10
    assert namespace["run"].status == "Finished"  # the FEDn walk-through's session
