"""`hub-sdk serve`: one-line errors for bad ports and paths; --size seeds that many trials."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from .conftest import hub_sdk_command


def _serve(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*hub_sdk_command(), "serve", *argv], capture_output=True, text=True, timeout=timeout
    )

@pytest.mark.parametrize("port", ["-1", "70000", "http"])
def test_serve_rejects_bad_ports(port: str) -> None:
    done = _serve("--port", port)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--port" in done.stderr and "Traceback" not in done.stderr

def test_serve_rejects_a_port_in_use_and_unwritable_paths(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = str(sock.getsockname()[1])
        done = _serve("--port", port)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert port in done.stderr and "Traceback" not in done.stderr
    for db in (tmp_path / "no" / "dir" / "hub.sqlite", tmp_path):
        done = _serve("--db", str(db), "--port", "0")
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert str(db) in done.stderr and "Traceback" not in done.stderr

def test_serve_size_seeds_that_many_trials(tmp_path: Path) -> None:
    db = tmp_path / "hub.sqlite"
    proc = subprocess.Popen(
        [*hub_sdk_command(), "serve", "--port", "0", "--no-fedn", "--db", str(db), "--size", "7"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        info = dict(
            (k.strip(), v.strip()) for k, _, v in (x.partition(":") for x in lines) if v
        )
        from hub_sdk import auger

        url = next(x.split()[-1] for x in lines if x.strip().startswith("auger:"))
        conn = auger.connect(url, project_token=info["project_token"], default=False)
        assert auger.Trial.list(connection=conn).total == 7
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
