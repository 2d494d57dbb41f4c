"""Without ``../shared``, every contract test shows as skipped with its reason: none vanishes."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

from tests.conftest import REPO

CONTRACT = REPO / "tests" / "contract"
OUTCOME = r"^tests/contract/\S+?::(test_\w+)(?:\[.*\])? (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)"


def _test_functions() -> set[str]:
    """Every ``test_*`` function defined in tests/contract."""
    names = set()
    for path in CONTRACT.glob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_contract_tests_are_skipped_with_the_reason_when_shared_is_absent() -> None:
    env = dict(os.environ, HUB_SDK_SHARED="/nonexistent/shared")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", str(CONTRACT)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    outcomes = re.findall(OUTCOME, out, re.MULTILINE)
    assert outcomes, out[-3000:]
    assert {outcome for _, outcome in outcomes} == {"SKIPPED"}, out[-3000:]
    assert {name for name, _ in outcomes} == _test_functions()
    reasons = re.findall(r"^SKIPPED \[\d+\] .*", out, re.MULTILINE)
    assert reasons and all("/nonexistent/shared" in line for line in reasons), reasons
