"""``make bench-fedn``: ``Session.wait()`` on a real FEDn network, side by side with a poll loop.

Starts a real FEDn 0.33.0 network on loopback (controller, combiner, MongoDB statestore in
memory, two ``fedn client`` processes running ``tests/fedn/network/package``), then runs
sessions of FedAvg rounds (``--rounds``, default 2), alternating two ways of waiting for them:

* **hub-sdk** ``Session.start(...).wait()``;
* **poll loop**: the published client's idiom, ``while not session_is_finished(id):
  sleep(1)`` (through ``hub_sdk.compat.fedn.APIClient``, which has the same methods).

For each it measures the session's wall time, the detection lag (when the wait returned,
minus the timestamp of the session's last validation; negative: it returned before the
validations were all stored), whether every validation was there on return, and the requests
the wait made. Prints a markdown table of medians.

    .venv/bin/python bench/fedn_wait.py [--sessions 10] [--python .fedn-venv/bin/python]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub_sdk import fedn  # noqa: E402
from hub_sdk.compat.fedn import APIClient  # noqa: E402
from hub_sdk.testing.fedn_local.npz import npz_bytes  # noqa: E402
from hub_sdk.testing.fedn_network import RealFednNetwork  # noqa: E402
from tests.fedn.helpers import PACKAGE_DIR, SEED_ARRAYS, package_bytes  # noqa: E402

CLIENTS = 2


def last_validation(conn: fedn.FednConnection, session_id: str) -> tuple[float, int]:
    """The newest validation's timestamp (epoch seconds) and how many there are."""
    found = fedn.Validation.list(connection=conn, session_id=session_id, page_size=1000)
    stamps = [v.timestamp for v in found if isinstance(v.timestamp, datetime)]
    return (max(stamps).timestamp() if stamps else float("nan")), len(stamps)


def hub_sdk_side(conn: fedn.FednConnection, seed: fedn.Model, rounds: int) -> dict[str, Any]:
    started = time.time()
    run = fedn.Session.start(rounds=rounds, model=seed, round_timeout=60, connection=conn)
    before = conn.requests_sent
    wait_start = time.time()
    run.wait()
    returned = time.time()
    requests = conn.requests_sent - before
    return {"id": run.pk, "started": started, "waited": wait_start, "returned": returned,
            "requests": requests}


def poll_side(api: APIClient, seed: fedn.Model, rounds: int) -> dict[str, Any]:
    started = time.time()
    answer = api.start_session(rounds=rounds, model_id=seed.pk, round_timeout=60)
    sid = answer["session_id"]
    before = api.conn.requests_sent
    wait_start = time.time()
    while not api.session_is_finished(sid):
        time.sleep(1.0)
    returned = time.time()
    return {"id": sid, "started": started, "waited": wait_start, "returned": returned,
            "requests": api.conn.requests_sent - before}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sessions", type=int, default=10, help="sessions per side (default 10)")
    p.add_argument("--rounds", type=int, default=2, help="rounds per session (default 2)")
    p.add_argument("--python", default=str(ROOT / ".fedn-venv" / "bin" / "python"),
                   help="interpreter with fedn==0.33.0 (default .fedn-venv/bin/python)")
    a = p.parse_args(argv)
    envs = [{"FEDN_TEST_DELTA": str(i), "FEDN_TEST_EXAMPLES": str(i)}
            for i in range(1, CLIENTS + 1)]
    rows: dict[str, list[dict[str, Any]]] = {"hub-sdk wait()": [], "poll loop (1 s)": []}
    with tempfile.TemporaryDirectory() as tmp, RealFednNetwork(
        a.python, Path(tmp), PACKAGE_DIR, CLIENTS, client_env=envs
    ) as net:
        conn = fedn.connect(net.url, default=False)
        host, port = net.url.split("://", 1)[1].rsplit(":", 1)
        api = APIClient(host, port=int(port))
        fedn.Package.upload(package_bytes(), helper="numpyhelper", connection=conn)
        seed = fedn.Model.upload(npz_bytes(SEED_ARRAYS), connection=conn)
        for i in range(a.sessions * 2):
            side = "hub-sdk wait()" if i % 2 == 0 else "poll loop (1 s)"
            r = hub_sdk_side(conn, seed, a.rounds) if i % 2 == 0 else poll_side(api, seed, a.rounds)
            at_return = fedn.Validation.count(connection=conn, session_id=r["id"])
            time.sleep(3)  # let late validations land before measuring the last one
            last, total = last_validation(conn, r["id"])
            r.update(lag=r["returned"] - last, complete=at_return == total == CLIENTS * a.rounds,
                     wall=r["returned"] - r["started"])
            r["rate"] = r["requests"] / max(r["returned"] - r["waited"], 1e-9)
            rows[side].append(r)
            print(f"{side:16} session {i // 2 + 1}: wall {r['wall']:.2f} s, lag {r['lag']:+.3f} s,"
                  f" {r['requests']} requests, complete={r['complete']}", file=sys.stderr)
        conn.close()

    print(f"\n{a.sessions} sessions of {a.rounds} FedAvg rounds per side, {CLIENTS} real clients, "
          "fedn 0.33.0 on loopback; medians\n")
    print("| side | wall time per session | lag after the last validation | validations "
          "complete on return | requests per wait | requests/s while waiting |")
    print("|---|---|---|---|---|---|")
    for side, got in rows.items():
        med = {k: statistics.median(r[k] for r in got) for k in ("wall", "lag", "requests",
                                                                  "rate")}
        complete = sum(r["complete"] for r in got)
        print(f"| {side} | {med['wall']:.2f} s | {med['lag']:+.3f} s | {complete}/{len(got)} "
              f"| {med['requests']:.0f} | {med['rate']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
