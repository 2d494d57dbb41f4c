"""``hub-sdk serve``: run LocalHub (Auger Hub API + FEDn API) until Ctrl-C / SIGTERM.

``hub-sdk serve [--port 5000] [--db hub.sqlite] [--seed demo] [--size N] [--host 127.0.0.1]``
prints the URLs and tokens to use.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``hub-sdk serve``."""
    p.add_argument("--port", type=int, default=5000, help="Auger Hub API port (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--db", default=None, help="SQLite file (default: temporary, deleted on exit)")
    p.add_argument("--seed", choices=["demo"], default=None, help="load demo data on first start")
    p.add_argument("--size", type=int, default=None, help="number of demo trials")
    p.add_argument("--fedn-port", type=int, default=0, help="FEDn API port (default: any)")
    p.add_argument("--no-fedn", action="store_true", help="do not start the FEDn listener")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")


def run(args: argparse.Namespace) -> int:
    """Start LocalHub, print how to reach it, serve until a signal arrives."""
    from ..testing.server import LocalHub

    hub = LocalHub(
        args.db,
        seed=args.seed,
        size=args.size,
        port=args.port,
        host=args.host,
        fedn=not args.no_fedn,
        fedn_port=args.fedn_port,
        verbose=args.verbose,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            hub.start()
        except OSError as exc:
            print(f"hub-sdk serve: {exc}", file=sys.stderr)
            return 1
        lines = [
            "LocalHub is running",
            f"  auger:          {hub.url}",
            f"  optimizers:     {hub.optimizers_url}",
        ]
        if not args.no_fedn:
            lines.append(f"  fedn:           {hub.fedn_url}")
        lines += [
            f"  database:       {args.db or '(temporary)'}",
            f"  project_token:  {hub.project_token}",
            f"  cluster_token:  {hub.cluster_token}",
            f"  user_token:     {hub.user_token}",
            f"  system_token:   {hub.system_token}",
            f"  user:           {hub.user_email} / {hub.user_password}",
            "Press Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping...", flush=True)
        return 0
    finally:
        hub.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
