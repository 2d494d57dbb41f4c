"""`--timeout` (option, $HUB_SDK_TIMEOUT or the profile) bounds a whole CLI call."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_sdk.cli.limits import Limit, budget
from hub_sdk.errors import APITimeoutError

from .conftest import Cli


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]

def test_timeout_bounds_a_call_to_a_silent_server(cli: Cli, silent_port: int) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    started = time.monotonic()
    r = cli("auger", "experiments", "list", "--url", url, "--project-token", "t", "--timeout", "2")
    elapsed = time.monotonic() - started
    assert r.code == 1 and r.err.startswith("error: APITimeoutError"), r.err
    assert elapsed < 3.5, elapsed
    assert len(r.err.strip().splitlines()) == 1

def test_timeout_from_environment_and_profile(
    cli: Cli, silent_port: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{silent_port}"
    monkeypatch.setenv("HUB_SDK_TIMEOUT", "1.5")
    started = time.monotonic()
    r = cli("fedn", "sessions", "list", "--url", url)
    assert r.code == 1 and "APITimeoutError" in r.err and time.monotonic() - started < 3
    monkeypatch.delenv("HUB_SDK_TIMEOUT")

    config = tmp_path / "config.toml"
    config.write_text(f'[fast.fedn]\nurl = "{url}"\ntimeout = 1.5\n')
    monkeypatch.setenv("HUB_SDK_CONFIG", str(config))
    started = time.monotonic()
    r = cli("fedn", "models", "list", "--profile", "fast")
    assert r.code == 1 and "APITimeoutError" in r.err and time.monotonic() - started < 3

    for bad in ("0", "-1", "soon", "nan"):
        r = cli("fedn", "models", "list", "--url", url, "--timeout", bad)
        assert r.code == 2 and "--timeout" in r.err, (bad, r.err)

def test_wait_timeout_is_the_command_timeout(cli: Cli) -> None:
    r = cli("fedn", "sessions", "wait", "--help")
    assert r.code == 0 and len(re.findall(r"^\s+--timeout", r.out, re.MULTILINE)) == 1


@pytest.mark.parametrize("limit", [0.5, 2, 5, 29, 30, 60, 239, 240, 600, 3600])
def test_budget_fits_the_limit(limit: float) -> None:
    plan = budget(limit)
    assert plan.worst_case <= limit and plan.connect > 0 and plan.read > 0
    assert plan.connect <= 5 and plan.read <= 60 and plan.max_retries <= 3


def test_the_limit_stops_a_command_of_many_requests() -> None:
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match=r"gave up after 0\.3 s"), Limit(0.3).enforced():
        for _ in range(100):
            time.sleep(0.1)  # one request after another, each within its own budget
    assert time.monotonic() - started < 1
