"""Fixtures for the command-line tests: run ``main()`` in-process against a LocalHub."""

from __future__ import annotations

import io
import sys
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub_sdk.cli import main
from hub_sdk.testing import LocalHub
from hub_sdk.testing.fedn_local.npz import npz_bytes
from hub_sdk.testing.pytest_plugin import local_hub, local_hub_session

__all__ = ["Result", "hub_sdk_command", "local_hub", "local_hub_session"]


@dataclass
class Result:
    """Exit code and captured output of one ``hub-sdk`` run."""

    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """``cli("auger", "experiments", "list", ...)`` runs the command line in-process."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def auger_opts(local_hub_session: LocalHub) -> list[str]:
    """Connection options for the shared demo hub (project token)."""
    return ["--url", local_hub_session.url, "--project-token", local_hub_session.project_token]


@pytest.fixture
def fedn_files(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny compute package (.tgz) and a seed model (.npz) to upload."""
    package = tmp_path / "package.tgz"
    with tarfile.open(package, "w:gz") as tar:
        data = b"entry_points:\n  train:\n    command: python train.py\n"
        info = tarfile.TarInfo("client/fedn.yaml")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    seed = tmp_path / "seed.npz"
    seed.write_bytes(npz_bytes([[0.0, 0.5, 1.0], [2.0]]))
    return package, seed


def hub_sdk_command() -> list[str]:
    """How to run the installed ``hub-sdk`` command as a subprocess."""
    script = Path(sys.executable).with_name("hub-sdk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hub_sdk"]
