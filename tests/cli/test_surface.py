"""The command line itself: --version, python -m hub_sdk, plain help, closed pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hub_sdk import __version__
from hub_sdk.cli.resources import discover
from hub_sdk.testing import LocalHub

from .conftest import Cli, hub_sdk_command


def test_version(cli: Cli) -> None:
    r = cli("--version")
    assert r.code == 0 and r.out.strip() == f"hub-sdk {__version__}"

def test_python_dash_m(tmp_path: Path) -> None:
    env = {**os.environ, "HUB_SDK_CONFIG": str(tmp_path / "absent.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "hub_sdk", "--version"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"hub-sdk {__version__}"

def test_help_has_no_sphinx_markup(cli: Cli) -> None:
    texts = [cli("--help").out, cli("serve", "--help").out]
    for api in ("auger", "fedn"):
        texts.append(cli(api, "--help").out)
        for name in discover(api):
            texts.append(cli(api, name, "--help").out)
    texts.append(cli("fedn", "sessions", "start", "--help").out)
    for text in texts:
        assert text and "``" not in text and ":class:" not in text, text
        assert ":meth:" not in text and ":func:" not in text and ":mod:" not in text, text


def test_order_by_only_where_the_api_orders(cli: Cli) -> None:
    assert "--order-by" not in cli("auger", "experiments", "list", "--help").out
    assert "--order-by" in cli("fedn", "models", "list", "--help").out
    r = cli("auger", "experiments", "list", "--order-by", "name", "--url", "http://x")
    assert r.code == 2


def test_closed_pipe_exits_quietly(local_hub_session: LocalHub, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HUB_URL": local_hub_session.url,
        "HUB_PROJECT_TOKEN": local_hub_session.project_token,
        "HUB_SDK_CONFIG": str(tmp_path / "absent.toml"),
    }
    for tail, lines in (("--json | head -n 1", 1), ("| true", 0), ("--limit 3 | true", 0)):
        command = " ".join(hub_sdk_command()) + " auger trials list --all " + tail
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert done.stderr == "", (tail, done.stderr)
        assert len(done.stdout.splitlines()) == lines
        assert done.returncode in (0, 141), (tail, done.returncode)  # 141: as `yes | head`
