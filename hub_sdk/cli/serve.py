"""``hub-sdk serve``: run LocalHub (Auger Hub API + FEDn API) until Ctrl-C / SIGTERM.

``hub-sdk serve [--port 5000] [--db hub.sqlite] [--seed demo] [--size N] [--host 127.0.0.1]``
prints the URLs and tokens to use. ``--size N`` seeds the demo data with N trials (it implies
``--seed demo``). A bad port, a database path that cannot be written or a port already in use
is one line on stderr (exit 2 for bad arguments, 1 when the server cannot start).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import sqlite3
import sys
import threading
from pathlib import Path
from types import FrameType

from .usage import UsageError

__all__ = ["add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``hub-sdk serve``."""
    p.add_argument(
        "--port", type=port_number, default=5000, help="Auger Hub API port (0: any free port)"
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--db", default=None, help="SQLite file (default: temporary, deleted on exit)")
    p.add_argument("--seed", choices=["demo"], default=None, help="load demo data on first start")
    p.add_argument(
        "--size",
        type=trial_count,
        default=None,
        metavar="N",
        help="seed the demo data with N trials (default 300)",
    )
    p.add_argument("--fedn-port", type=port_number, default=0, help="FEDn API port (default: any)")
    p.add_argument("--no-fedn", action="store_true", help="do not start the FEDn listener")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")


def port_number(text: str) -> int:
    """A TCP port: 0 to 65535 (0: any free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def database_path(text: str | None) -> Path | None:
    """The ``--db`` file: in a directory that exists and can be written, not a directory."""
    if text is None:
        return None
    path = Path(text).expanduser()
    if path.is_dir():
        raise UsageError(f"--db {path}: is a directory, not a database file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"--db {path}: the directory {parent} does not exist")
    writable = os.access(path, os.W_OK) if path.exists() else os.access(parent, os.W_OK)
    if not writable:
        raise UsageError(f"--db {path}: cannot write there (permission denied)")
    return path


def trial_count(text: str) -> int:
    """``--size``: a number of trials >= 0."""
    try:
        size = int(text)
    except ValueError:
        size = -1
    if size < 0:
        raise argparse.ArgumentTypeError(f"expected a number of trials >= 0, got {text!r}")
    return size


def run(args: argparse.Namespace) -> int:
    """Start LocalHub, print how to reach it, serve until a signal arrives."""
    port, fedn_port, size = args.port, args.fedn_port, args.size
    db = database_path(args.db)
    seed = "demo" if size is not None else args.seed

    try:
        from ..testing import LocalHub
    except ImportError as exc:  # without the local extra: says to install hub-sdk[local]
        print(f"hub-sdk serve: error: {exc}", file=sys.stderr)
        return 1

    hub = LocalHub(
        db,
        seed=seed,
        size=size,
        port=port,
        host=args.host,
        fedn=not args.no_fedn,
        fedn_port=fedn_port,
        verbose=args.verbose,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        said = io.StringIO()  # werkzeug explains a busy port in several lines: keep the first
        try:
            with contextlib.redirect_stderr(said):
                hub.start()
        except (OSError, sqlite3.Error) as exc:
            where = f"{args.host} port {port}" + ("" if args.no_fedn else f" / {fedn_port}")
            first = said.getvalue().strip().splitlines()[:1]
            reason = first[0] if first else getattr(exc, "strerror", None) or str(exc)
            if isinstance(exc, sqlite3.Error):
                where = f"database {db}"
            print(f"hub-sdk serve: error: cannot start on {where}: {reason}", file=sys.stderr)
            return 1
        lines = [
            "LocalHub is running",
            f"  auger:          {hub.url}",
            f"  optimizers:     {hub.optimizers_url}",
        ]
        if not args.no_fedn:
            lines.append(f"  fedn:           {hub.fedn_url}")
        lines += [
            f"  database:       {db or '(temporary)'}",
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
