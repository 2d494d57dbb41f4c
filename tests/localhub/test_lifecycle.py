"""Persistence across restarts, seed determinism and size, keep-alive, TCP_NODELAY, the CLI."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from hub_sdk.testing import LocalHub

from .conftest import Api

REPO = Path(__file__).resolve().parents[2]


def test_persistence_across_restart(tmp_path):
    db = tmp_path / "hub.sqlite"
    with LocalHub(db, seed="demo", size=50, fedn=False) as hub:
        tokens = (
            hub.project_token,
            hub.cluster_token,
            hub.user_token,
            hub.system_token,
            hub.user_password,
        )
        exp = Api(hub).data("POST", "experiments", name="kept")
        first_port = hub.port
    assert db.exists()
    with LocalHub(db, seed="demo", size=50, fedn=False) as hub:
        assert (
            hub.project_token,
            hub.cluster_token,
            hub.user_token,
            hub.system_token,
            hub.user_password,
        ) == tokens
        api = Api(hub)
        assert api.data("GET", f"experiments/{exp['id']}")["name"] == "kept"
        assert api.get("trials").json()["meta"]["pagination"]["total"] == 50 - 2  # not seeded twice
        assert hub.port != first_port or hub.port > 0


def test_temporary_database_is_removed_on_stop():
    hub = LocalHub(fedn=False).start()
    path = hub.store.path
    assert os.path.exists(path)
    hub.stop()
    assert not os.path.exists(path)
    hub.stop()  # idempotent


def test_without_seed_there_is_an_empty_default_project():
    with LocalHub(fedn=False) as hub:
        api = Api(hub)
        assert [p["id"] for p in api.data("GET", "projects")] == [1]
        assert api.get("trials").json()["meta"]["pagination"]["total"] == 0


def _snapshot(hub):
    api = Api(hub, hub.user_token, "token")
    out = {}
    for path in (
        "experiments",
        "experiment_sessions",
        "trials",
        "pipelines",
        "endpoints",
        "prediction_groups",
        "dataset_manifests",
        "review_alerts",
        "cluster_tasks",
    ):
        out[path] = api.data("GET", path, limit=1000)
    return out


def test_seed_is_deterministic():
    with (
        LocalHub(seed="demo", size=120, fedn=False) as a,
        LocalHub(seed="demo", size=120, fedn=False) as b,
    ):
        assert _snapshot(a) == _snapshot(b)


def test_size_sets_the_number_of_trials():
    for size in (0, 1, 37, 500):
        with LocalHub(seed="demo", size=size, fedn=False) as hub:
            api = Api(hub, hub.system_token, "system_token")
            assert api.get("trials").json()["meta"]["pagination"]["total"] == size


def test_large_seed_loads_fast_and_pages_fast():
    start = time.monotonic()
    with LocalHub(seed="demo", size=20_000, fedn=False) as hub:
        loaded = time.monotonic() - start
        api = Api(hub)
        session = api.data("GET", "experiment_sessions")[0]
        t0 = time.monotonic()
        body = api.get("trials", experiment_session_id=session["id"], limit=50, offset=3000).json()
        page_time = time.monotonic() - t0
        assert body["meta"]["pagination"]["count"] == 50
        assert api.get("trials").json()["meta"]["pagination"]["total"] == 20_000 - 10
    assert loaded < 8, loaded
    assert page_time < 0.5, page_time


def test_keep_alive_and_nodelay(local_hub_session):
    hub = local_hub_session
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    sockets = set()
    for _ in range(5):
        conn.request("GET", f"/api/v1/projects?project_api_token={hub.project_token}")
        r = conn.getresponse()
        assert r.status == 200 and r.getheader("Connection") is None
        r.read()
        sockets.add(id(conn.sock))
    assert len(sockets) == 1  # one TCP connection served all five requests
    conn.close()
    session = requests.Session()
    start = time.monotonic()
    for _ in range(50):
        session.get(f"{hub.url}/api/v1/projects/1", json={"project_api_token": hub.project_token})
    assert (time.monotonic() - start) / 50 < 0.03  # no 40 ms Nagle/delayed-ACK stall
    session.close()


def test_keep_alive_with_unread_body(local_hub_session):
    hub = local_hub_session
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=5)
    # the tokens route ignores nothing, but a 404 route never reads the body: it must be drained
    conn.request(
        "POST",
        "/api/v1/nothing-here",
        body=b'{"a": "' + b"x" * 100_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    r = conn.getresponse()
    assert r.status == 404
    r.read()
    conn.request("GET", f"/api/v1/projects?project_api_token={hub.project_token}")
    assert conn.getresponse().status == 200
    conn.close()


def test_cli_serve(tmp_path):
    db = tmp_path / "cli.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub_sdk.cli",
            "serve",
            "--port",
            "0",
            "--db",
            str(db),
            "--seed",
            "demo",
            "--size",
            "20",
            "--no-fedn",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        text = "".join(lines)
        url = re.search(r"auger:\s+(http://127\.0\.0\.1:\d+)", text).group(1)
        token = re.search(r"project_token:\s+(\w+)", text).group(1)
        r = requests.get(
            f"{url}/api/v1/trials", json={"project_api_token": token}
        )  # 19 + 1 elsewhere
        assert r.status_code == 200 and r.json()["meta"]["pagination"]["total"] == 19
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert db.exists()


def test_cli_sigterm_and_bad_port(tmp_path):
    from hub_sdk.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "0"])
    assert args.port == 0 and args.db is None and args.seed is None
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub_sdk.cli", "serve", "--port", "0", "--no-fedn"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("Press Ctrl-C"):
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
