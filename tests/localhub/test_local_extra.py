"""Without the ``local`` extra (werkzeug missing), everything that needs LocalHub says what to
install instead of failing on an import deep inside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HINT = "hub-sdk[local]"
NO_WERKZEUG = "import sys; sys.modules['werkzeug'] = None\n"


def _python(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HUB_SDK_CONFIG": str(tmp_path / "absent.toml")}
    return subprocess.run(
        [sys.executable, "-c", NO_WERKZEUG + code, *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )


def test_import_says_to_install_the_extra(tmp_path: Path) -> None:
    done = _python(
        "try:\n"
        "    from hub_sdk.testing import LocalHub\n"
        "except ImportError as exc:\n"
        "    print(exc)\n",
        tmp_path,
    )
    assert done.returncode == 0 and HINT in done.stdout, done.stderr


def test_serve_says_to_install_the_extra(tmp_path: Path) -> None:
    done = _python("from hub_sdk.cli import main; raise SystemExit(main())", tmp_path,
                   "serve", "--port", "0")
    assert done.returncode == 1 and HINT in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_fixture_says_to_install_the_extra(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(NO_WERKZEUG)
    (tmp_path / "test_uses_hub.py").write_text("def test_it(local_hub):\n    pass\n")
    done = _python("import pytest; raise SystemExit(pytest.main(['-q', '-p', 'no:cacheprovider']))",
                   tmp_path)
    assert done.returncode == 1 and HINT in done.stdout, done.stdout
