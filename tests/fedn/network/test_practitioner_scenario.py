"""The README's FEDn walk-through, run as written, and one scenario compared across backends.

Both are marked ``fedn_network``: the README block runs on LocalHub (``make test``) and on a
real network (``make test-fedn-network``); the comparison needs both at once, so it runs in
the real-network tier only.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from hub_sdk import fedn
from hub_sdk.core import context
from hub_sdk.testing.fedn_local.npz import npz_bytes

from ..conftest import BACKEND, FednServer
from ..helpers import SEED_ARRAYS, package_bytes

pytestmark = pytest.mark.fedn_network

README = Path(__file__).resolve().parents[3] / "README.md"


def fedn_readme_block() -> str:
    """The first Python block of the README's FEDn section."""
    text = README.read_text()
    section = text[text.index("## Federated learning with FEDn") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


def test_readme_fedn_section_runs_as_written(
    fresh_fedn_server: FednServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "package.tgz").write_bytes(package_bytes())
    (tmp_path / "seed.npz").write_bytes(npz_bytes(SEED_ARRAYS))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEDN_URL", fresh_fedn_server.url)
    namespace: dict[str, Any] = {}
    try:
        exec(compile(fedn_readme_block(), "README.md (FEDn)", "exec"), namespace)
    finally:
        context.clear_default("fedn")  # the block's connect() made itself the default
    run = namespace["run"]
    assert run.status == "Finished"
    printed = capsys.readouterr()
    final = namespace["final"]
    assert (tmp_path / "final.npz").read_bytes() == final.download()
    # Every validation of the final model was there when the README printed them.
    lines = printed.out.splitlines()
    validations = [x for x in lines if x.startswith("client") and "mean_weight" in x]
    assert len(validations) == fresh_fedn_server.clients
    assert [x.split()[:2] for x in lines[:3]] == [["1", "Finished"], ["2", "Finished"],
                                                   ["3", "Finished"]]
    assert "round 3/3" in printed.err


# -- one scenario on both backends ---------------------------------------------------------------


def shape(value: Any, prefix: str = "") -> set[tuple[str, str]]:
    """``(path, JSON type)`` pairs of a JSON value (list items merged under ``[]``)."""
    if isinstance(value, dict):
        out = {(prefix or ".", "object")}
        for key, item in value.items():
            out |= shape(item, f"{prefix}.{key}")
        return out
    if isinstance(value, list):
        out = {(prefix, "array")}
        for item in value:
            out |= shape(item, prefix + "[]")
        return out
    kind = {bool: "boolean", int: "number", float: "number", str: "string"}.get(type(value))
    return {(prefix, kind or "null")}


def run_scenario(conn: fedn.FednConnection) -> dict[str, Any]:
    """Two FedAvg rounds and one FedOpt continuation; the raw JSON the controller keeps."""
    fedn.Package.upload(package_bytes(), helper="numpyhelper", connection=conn)
    seed = fedn.Model.upload(npz_bytes(SEED_ARRAYS), connection=conn)
    run = fedn.Session.start(
        rounds=2, model=seed, round_timeout=60, name=f"shape-{uuid.uuid4().hex[:6]}",
        connection=conn,
    ).wait()
    run.continue_(rounds=1).wait()
    sid = run.pk

    def raw(path: str, **params: Any) -> Any:
        return conn.request("GET", path, params=params, headers={"X-Limit": "1000"}).data

    rounds = [r for r in raw("rounds/")["result"] if r["round_config"]["session_id"] == sid]
    return {
        "session": raw(f"sessions/{sid}"),
        "rounds": rounds,
        "models": raw("models/", session_id=sid)["result"],
        "validations": raw("validations/", session_id=sid)["result"],
        "runs": raw("runs/", session_id=sid)["result"],
        "client_statuses": raw("statuses/", session_id=sid, **{"sender.role": "CLIENT"})[
            "result"
        ],
        "history": [(r.status, len(r.validations), r.model_id is not None)
                    for r in run.history()],
    }


@pytest.mark.skipif(BACKEND != "network", reason="compares LocalHub with a real FEDn network: "
                    "runs in make test-fedn-network, where both are at hand")
def test_localhub_leaves_what_a_real_network_leaves(make_fedn_server) -> None:
    from hub_sdk.testing import LocalHub

    real = make_fedn_server(clients=2)
    with LocalHub(fedn_clients=2) as hub:
        results = {}
        for name, url in (("real", real.url), ("local", hub.fedn_url)):
            conn = fedn.connect(url, default=False)
            try:
                results[name] = run_scenario(conn)
            finally:
                conn.close()
    real_run, local_run = results["real"], results["local"]
    assert real_run["history"] == local_run["history"] == [(
        "Finished", 2, True)] * 3
    for key in ("session", "rounds", "models", "validations", "runs"):
        assert shape(local_run[key]) == shape(real_run[key]), key
    # Clients report more kinds of progress messages on a real network; the senders match.
    for run in (real_run, local_run):
        assert {s["sender"]["role"] for s in run["client_statuses"]} == {"CLIENT"}
    assert {(s["type"]) for s in local_run["client_statuses"]} <= {
        s["type"] for s in real_run["client_statuses"]}
