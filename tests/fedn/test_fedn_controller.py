"""The real-controller launcher: importable without fedn, and (with the fedn venv) it starts."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import hub_sdk.testing.fedn_controller as fc

from .conftest import FEDN_PYTHON


def test_module_imports_nothing_but_stdlib_at_top_level() -> None:
    tree = ast.parse(Path(fc.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {(n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom)}
    assert names <= {"__future__", "argparse", "os", "queue", "signal", "socket", "subprocess",
                     "sys", "threading", "time", "urllib", "pathlib", "types", "typing"}


def test_bad_interpreter_fails_fast(tmp_path: Path) -> None:
    ctl = fc.RealFednController("/bin/false", tmp_path, timeout=5)
    with pytest.raises(RuntimeError, match="did not start"):
        ctl.start()
    assert "auth=off" in repr(ctl)


@pytest.mark.fedn_real
@pytest.mark.skipif(not Path(FEDN_PYTHON).exists(), reason=f"no FEDn venv at {FEDN_PYTHON}")
def test_real_controller_starts_and_stops(tmp_path: Path) -> None:
    with fc.RealFednController(FEDN_PYTHON, tmp_path, jwt_secret="s3cret") as ctl:
        assert ctl.url.startswith("http://127.0.0.1:")
        assert requests.get(ctl.url + "/health", timeout=5).text == "OK"
        assert requests.get(ctl.url + "/api/v1/models/", timeout=5).status_code == 401
        assert "s3cret" not in repr(ctl)
        proc = ctl._proc
        assert proc is not None
    assert proc.poll() is not None
    assert not os.path.exists(f"/proc/{proc.pid}/status") or proc.returncode is not None


def test_makefile_installs_the_launchers_pins() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("FEDN_PINS"))
    pins = [p.strip("'") for p in line.split(":=", 1)[1].split()]
    assert pins == list(fc.FEDN_PINS)


def test_network_launcher_imports_nothing_but_stdlib_at_top_level() -> None:
    import hub_sdk.testing.fedn_network as fnet

    tree = ast.parse(Path(fnet.__file__).read_text())
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
    assert names <= {"json", "os", "shutil", "subprocess", "time", "urllib"}


def test_a_client_that_cannot_start_is_reported_with_its_log(tmp_path: Path) -> None:
    import hub_sdk.testing.fedn_network as fnet

    client = fnet.FednClientProcess("/bin/false", tmp_path / "c1", Path(__file__).parent
                                    / "network" / "package", "http://127.0.0.1:9", "c1")
    client.start()
    assert client._proc is not None
    client._proc.wait(timeout=10)
    assert not client.running
    client.stop()
    assert repr(client) == "FednClientProcess('c1', running=False)"


def _fake_moto(root: Path, word: str, code: int) -> None:
    """A ``moto`` package whose ``moto.server`` prints ``word`` and exits with ``code``."""
    (root / "moto").mkdir(parents=True)
    (root / "moto" / "__init__.py").write_text("")
    (root / "moto" / "server.py").write_text(f"print({word!r})\nraise SystemExit({code})\n")


def test_run_by_path_the_launcher_imports_nothing_from_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "testing"
    folder.mkdir()
    shutil.copy(fc.__file__, folder / "fedn_controller.py")
    _fake_moto(folder, "neighbour", 7)  # what sys.path[0] would shadow moto with
    _fake_moto(tmp_path / "site", "installed", 5)
    done = subprocess.run(
        [sys.executable, str(folder / "fedn_controller.py"), "--workdir", str(tmp_path / "w")],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "site")},
        capture_output=True, text=True, timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (5, "installed"), done.stderr


def test_no_module_beside_the_launcher_is_named_like_one_it_may_import() -> None:
    folder = Path(fc.__file__).parent
    names = {p.stem for p in folder.glob("*.py")}
    names |= {p.name for p in folder.iterdir() if (p / "__init__.py").exists()}
    taken = set(sys.stdlib_module_names) | {"fedn", "moto", "flask_cors", "mongomock", "minio"}
    if Path(FEDN_PYTHON).exists():
        code = "import importlib.metadata as m; print(*m.packages_distributions())"
        listed = subprocess.run([FEDN_PYTHON, "-c", code], capture_output=True, text=True,
                                check=True, timeout=60)
        taken |= set(listed.stdout.split())
    assert not names & taken, sorted(names & taken)
