"""The public API passes ``mypy --strict`` in a user's code: the examples and ``user_code.py``.

mypy runs as a user would have it: from a folder of the user's own, outside the repository
(so ``hub_sdk`` is found as the installed package, as users get it, not as a folder beside
the code), ``strict = True``, no plugins, and hub-sdk's own modules followed silently (as
for any installed package: their internal findings are not the user's). ``user_code.py``
pins return types with ``assert_type``, so a type that decays to ``Any`` fails the check.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ["quickstart.py", "federated.py", "walkthrough.py", "demo.py"]
USER_CONFIG = """\
[mypy]
strict = True
python_version = 3.10

[mypy-hub_sdk.*]
follow_imports = silent
"""


@pytest.fixture(scope="module")
def mypy_config(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A user-style mypy config and a cache directory shared by this module's runs."""
    folder = tmp_path_factory.mktemp("mypy")
    config = folder / "mypy.ini"
    config.write_text(USER_CONFIG)
    return config, folder / "cache"


def _mypy(config: tuple[Path, Path], *files: Path) -> tuple[int, str]:
    """mypy on copies of ``files`` in a folder outside the repository, run from there."""
    user = config[0].parent / "user"
    shutil.rmtree(user, ignore_errors=True)
    user.mkdir()
    copies = [Path(shutil.copy(f, user / f.name)) for f in files]
    cmd = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(config[0]),
        "--cache-dir",
        str(config[1]),
        "--no-error-summary",
        "--hide-error-context",
        *(c.name for c in copies),
    ]
    proc = subprocess.run(cmd, cwd=user, capture_output=True, text=True, timeout=180)
    return proc.returncode, proc.stdout + proc.stderr


def test_user_code_types(mypy_config: tuple[Path, Path]) -> None:
    code, out = _mypy(mypy_config, REPO / "tests" / "typing" / "user_code.py")
    assert code == 0, out


def test_examples_type_check(mypy_config: tuple[Path, Path]) -> None:
    code, out = _mypy(mypy_config, *(REPO / "examples" / name for name in EXAMPLES))
    assert code == 0, out


def test_mypy_catches_a_wrong_type(mypy_config: tuple[Path, Path], tmp_path: Path) -> None:
    """The set-up does fail on real mistakes (so a pass above means something)."""
    bad = tmp_path / "bad_user.py"
    bad.write_text(
        "from typing_extensions import assert_type\n"
        "from hub_sdk import fedn\n"
        "def f() -> None:\n"
        "    assert_type(fedn.Session.start(rounds=1), fedn.Model)\n"
        "    fedn.Model.get('m').download(42)\n"
    )
    code, out = _mypy(mypy_config, bad)
    assert code == 1
    assert "bad_user.py:4: error" in out and "bad_user.py:5: error" in out
    assert "import-not-found" not in out  # hub_sdk itself was found, from outside the repo
