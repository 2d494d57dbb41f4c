"""The installed ``hub-sdk`` console script, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hub_sdk.testing import LocalHub

SCRIPT = Path(sys.executable).with_name("hub-sdk")


def _command() -> list[str]:
    return [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "hub_sdk.cli"]


def test_console_script(local_hub_session: LocalHub, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HUB_URL": local_hub_session.url,
        "HUB_PROJECT_TOKEN": local_hub_session.project_token,
        "HUB_SDK_CONFIG": str(tmp_path / "absent.toml"),
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *argv], env=env, capture_output=True, text=True, timeout=60
        )

    ok = run("auger", "experiments", "list", "--limit", "2", "--json")
    assert ok.returncode == 0, ok.stderr
    assert len(json.loads(ok.stdout)) == 2

    missing = run("auger", "experiments", "get", "nope")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: NotFoundError 404: Couldn't find Experiment")
    assert len(missing.stderr.splitlines()) == 1 and "Traceback" not in missing.stderr
    token = local_hub_session.project_token
    assert token not in ok.stdout + ok.stderr + missing.stdout + missing.stderr

    usage = run("auger", "nosuchresource", "list")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
