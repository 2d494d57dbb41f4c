"""Small helpers shared by the FEDn tests (raw HTTP with requests)."""

from __future__ import annotations

import gzip
import io
import tarfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from hub_sdk.testing.fedn_local.npz import npz_bytes

SEED_ARRAYS = [[1.0, 2.0, 3.0], [4.0]]


#: The compute package the real clients run (and LocalHub's simulated clients imitate).
PACKAGE_DIR = Path(__file__).resolve().parent / "network" / "package"


def package_files() -> list[Path]:
    """The files of the test compute package's ``client`` folder, sorted."""
    return sorted(p for p in (PACKAGE_DIR / "client").iterdir() if p.suffix in (".py", ".yaml"))


def package_bytes() -> bytes:
    """The test compute package (``network/package/client``) as a .tgz, byte-identical on every
    call (sorted members, fixed times and owners, fixed gzip mtime)."""
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w") as tar:
        for path in package_files():
            data = path.read_bytes()
            info = tarfile.TarInfo(f"client/{path.name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(tar_buf.getvalue(), mtime=0)


def upload_package(s: requests.Session, api: str, name: str = "pkg",
                   helper: str = "numpyhelper") -> dict[str, Any]:
    """Upload a package (it becomes active) and return its record."""
    r = s.post(api + "/packages/", files={"file": ("package.tgz", package_bytes())},
               data={"helper": helper, "name": name, "description": f"{name} description"})
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Package uploaded"}
    active = s.get(api + "/packages/active")
    assert active.status_code == 200, active.text
    return dict(active.json())


def upload_seed(s: requests.Session, api: str, name: str | None = None) -> dict[str, Any]:
    """Upload a seed model (a package must be active) and return its record."""
    name = name or f"seed-{uuid.uuid4().hex[:8]}"
    r = s.post(api + "/models/", files={"file": ("seed.npz", npz_bytes(SEED_ARRAYS))},
               data={"name": name})
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "message": "Model added successfully"}
    found = s.get(api + "/models/", params={"name": name}).json()
    assert found["count"] == 1
    return dict(found["result"][0])


def session_config(model_id: str, **overrides: Any) -> dict[str, Any]:
    """A complete session_config as the SDK should send it (``rounds`` included)."""
    cfg: dict[str, Any] = {
        "aggregator": "fedavg", "aggregator_kwargs": None, "round_timeout": 60,
        "buffer_size": -1, "rounds": 3, "delete_models_storage": False, "clients_required": 1,
        "requested_clients": None, "validate": True, "helper_type": "numpyhelper",
        "model_id": model_id, "server_functions": None,
    }
    cfg.update(overrides)
    return cfg


def create_session(s: requests.Session, api: str, model_id: str, name: str | None = None,
                   **overrides: Any) -> dict[str, Any]:
    """Create a session and return the 201 body."""
    r = s.post(api + "/sessions/", json={"name": name or f"s-{uuid.uuid4().hex[:8]}",
                                         "seed_model_id": model_id,
                                         "session_config": session_config(model_id, **overrides)})
    assert r.status_code == 201, r.text
    return dict(r.json())


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(interval)
