"""A real FEDn 0.33.0 controller (REST API only) on loopback, for conformance tests.

Two halves live in this file:

* a **script**, run by path with an interpreter that has ``fedn==0.33.0``, ``moto[s3]==5.2.5`` and
  ``flask-cors`` installed (``make test-fedn`` builds such a venv in ``.fedn-venv``)::

      .fedn-venv/bin/python hub_sdk/testing/fedn_controller.py --workdir DIR [--port 0]
          [--s3-port 0] [--jwt-secret SECRET]

  It starts moto's S3 stand-in and the FEDn API app with a SQLite statestore, both bound to
  127.0.0.1 (port 0 picks a free port), prints ``READY http://127.0.0.1:PORT`` once ``/health``
  answers, and stops on SIGTERM/SIGINT. Only stdlib, fedn and moto are imported, and only
  inside functions, so ``hub_sdk`` itself does not need to be installed in that venv. Run by
  path, Python puts this file's folder first on ``sys.path``, where a module of
  ``hub_sdk/testing/`` would shadow a package of the same name that fedn or moto imports: the
  script drops the folder from ``sys.path`` before it imports them. Its own standard-library
  imports come earlier, so no module of the folder is named like a standard-library module
  (nor, to be safe, like a package of the FEDn venv).

* :class:`RealFednController`, a pure-stdlib context manager usable from the main test venv,
  which spawns the script with a given interpreter and waits for ``READY``.

Without combiner and client processes (the combiner does not run on SQLite) only the REST
surface can be exercised: CRUD, uploads, downloads, session creation and start refusals.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["FEDN_PINS", "RealFednController", "main"]

#: What the controller's interpreter needs (``pip install`` arguments).
FEDN_PINS = ("fedn==0.33.0", "moto[s3]==5.2.5", "flask-cors", "mongomock==4.3.0", "minio==7.2.20")

_SQLITE = "  type: SQLite\n  sqlite_config: {{dbname: {db}}}"
#: MongoDB statestore, served in-process by mongomock (the only store that finishes sessions).
_MONGO = "  type: MongoDB\n  mongo_config: {host: 127.0.0.1, port: 27017}"
_SETTINGS = """network_id: fedn-network
controller: {{host: 127.0.0.1, port: {port}, debug: False}}
statestore:
{statestore}
storage:
  storage_type: {storage_type}
  storage_config:
    storage_endpoint: http://127.0.0.1:{s3_port}
    storage_hostname: 127.0.0.1
    storage_port: {s3_port}
    storage_access_key: fedn_admin
    storage_secret_key: password
    storage_bucket: fedn-models
    context_bucket: fedn-context
    prediction_bucket: fedn-prediction
    storage_region: us-east-1
    storage_secure_mode: False
    storage_verify_ssl: False
"""


# --------------------------------------------------------------------------- script half


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the script's command line."""
    p = argparse.ArgumentParser(description="Run a real FEDn controller on 127.0.0.1.")
    p.add_argument("--workdir", required=True, help="folder for the SQLite db and packages")
    p.add_argument("--port", type=int, default=0, help="API port (0: a free one)")
    p.add_argument("--s3-port", type=int, default=0, help="S3 stand-in port (0: a free one)")
    p.add_argument("--jwt-secret", default=None, help="turn auth on (HS256 JWTs, role claim)")
    p.add_argument(
        "--network", action="store_true",
        help="a full network: MongoDB statestore (in-process mongomock) and a combiner whose "
        "gRPC server listens on 127.0.0.1 (clients connect to it)",
    )
    p.add_argument("--combiner-port", type=int, default=0, help="combiner gRPC port (0: free)")
    return p.parse_args(argv)


def _without_folder(path: list[str], folder: str) -> list[str]:
    """``path`` (a ``sys.path``) without the entries that name ``folder``."""
    here = os.path.realpath(folder)
    return [p for p in path if os.path.realpath(p or os.curdir) != here]


def _free_port() -> int:
    """A free TCP port on 127.0.0.1 (for servers that cannot be handed a bound socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _use_mongomock() -> None:
    """Make every ``pymongo.MongoClient`` one shared in-memory mongomock client.

    fedn connects through ``pymongo.MongoClient(**mongo_config)``; the controller and the
    combiner share this process, so they share the store.
    """
    import mongomock  # type: ignore[import-not-found]
    import pymongo  # type: ignore[import-not-found]

    shared = mongomock.MongoClient()
    pymongo.MongoClient = lambda *args, **kwargs: shared


def _bind_grpc_to_loopback() -> None:
    """fedn binds its gRPC server to ``[::]:PORT``: rewrite that to ``127.0.0.1:PORT``."""
    import importlib

    grpc: Any = importlib.import_module("grpc")
    make = grpc.server

    def server(*args: object, **kwargs: object) -> object:
        srv = make(*args, **kwargs)
        add = srv.add_insecure_port
        srv.add_insecure_port = lambda address: add(address.replace("[::]", "127.0.0.1"))
        return srv

    grpc.server = server


def _start_combiner(api_port: int, port: int, repo: object, db: object) -> object:
    """Start fedn's combiner in this process (its gRPC server and threads run in the background).

    It shares the controller's model repository and statestore connection.
    """
    from fedn.network.combiner.combiner import Combiner  # type: ignore[import-not-found]

    config = {
        "discover_host": "127.0.0.1", "discover_port": api_port, "token": None,
        "host": "127.0.0.1", "port": port, "fqdn": None, "name": "combiner",
        "secure": False, "verify": False, "max_clients": 30,
    }
    return Combiner(config, repo, db)


def _wait_health(url: str, timeout: float = 30.0) -> bool:
    """Poll ``url/health`` until it answers or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as resp:
                resp.read()
            return True
        except Exception:
            time.sleep(0.05)
    return False


def main(argv: list[str] | None = None) -> int:
    """Run the controller until SIGTERM/SIGINT (script entry point; needs fedn and moto)."""
    a = _parse_args(argv)
    work = Path(a.workdir).resolve()
    (work / "packages").mkdir(parents=True, exist_ok=True)

    # Bind the API socket first so the real port can go into the controller settings.
    api_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    api_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    api_sock.bind(("127.0.0.1", a.port))
    api_sock.listen(128)
    port = int(api_sock.getsockname()[1])

    from moto.server import ThreadedMotoServer  # type: ignore[import-not-found]

    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=a.s3_port, verbose=False)
    s3.start()
    s3_port = int(s3.get_host_and_port()[1])

    settings = work / "settings-controller.yaml"
    store = _MONGO if a.network else _SQLITE.format(db=work / "fedn.db")
    # MINIO for a network: fedn 0.33.0's predictions need its presigned uploads (the BOTO3
    # repository lacks them); both talk to the same S3 stand-in.
    storage_type = "MINIO" if a.network else "BOTO3"
    settings.write_text(
        _SETTINGS.format(port=port, statestore=store, s3_port=s3_port, storage_type=storage_type)
    )
    os.environ["STATESTORE_CONFIG"] = str(settings)
    os.environ["MODELSTORAGE_CONFIG"] = str(settings)
    os.environ["FEDN_COMPUTE_PACKAGE_DIR"] = str(work / "packages") + "/"
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "fedn_admin")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "password")
    if a.jwt_secret:
        os.environ["FEDN_JWT_SECRET_KEY"] = a.jwt_secret  # read by fedn at import time
    else:
        os.environ.pop("FEDN_JWT_SECRET_KEY", None)

    if a.network:
        _use_mongomock()
        _bind_grpc_to_loopback()

    from fedn.common.config import (  # type: ignore[import-not-found]
        get_modelstorage_config,
        get_network_config,
        get_statestore_config,
    )
    from fedn.network.api.server import app  # type: ignore[import-not-found]
    from fedn.network.controller.control import Control  # type: ignore[import-not-found]
    from fedn.network.storage.dbconnection import (  # type: ignore[import-not-found]
        DatabaseConnection,
    )
    from fedn.network.storage.s3.repository import Repository  # type: ignore[import-not-found]
    from werkzeug.serving import WSGIRequestHandler, make_server

    network_id = get_network_config()
    ms = get_modelstorage_config()
    db = DatabaseConnection(get_statestore_config(), network_id, connect=False)
    repo = Repository(ms["storage_config"], storage_type=ms["storage_type"])
    Control.create_instance(network_id, repo, db)
    db.initialize_connection()

    # This script runs under the FEDn interpreter, which has only the stdlib, fedn and moto (not
    # hub_sdk): it sets TCP_NODELAY itself instead of using LocalHub's server (server.py).
    class _NoDelayHandler(WSGIRequestHandler):
        """Request handler with TCP_NODELAY: no Nagle delay on keep-alive requests."""

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=_NoDelayHandler,
        fd=api_sock.fileno(),
    )
    url = f"http://127.0.0.1:{port}"
    if a.network:
        combiner_port = a.combiner_port or _free_port()
        _start_combiner(port, combiner_port, repo, db)
        print(f"COMBINER 127.0.0.1:{combiner_port}", flush=True)

    def announce() -> None:
        print(("READY " if _wait_health(url) else "NOT READY ") + url, flush=True)

    def stop(*_: object) -> None:
        try:
            s3.stop()
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=announce, daemon=True).start()
    server.serve_forever()
    return 0


# --------------------------------------------------------------------------- helper half


class RealFednController:
    """Spawn the launcher script with ``python`` (a fedn venv interpreter) and wait for READY.

    >>> with RealFednController(".fedn-venv/bin/python", tmp_path) as ctl:
    ...     requests.get(ctl.url + "/health")
    """

    def __init__(
        self,
        python: str,
        workdir: Path,
        jwt_secret: str | None = None,
        *,
        port: int = 0,
        timeout: float = 90.0,
        network: bool = False,
    ) -> None:
        """Remember how to start; nothing runs until :meth:`start` or ``with``.

        ``network=True`` runs the MongoDB (mongomock) statestore and a combiner that clients
        connect to (``combiner_address`` once started); the interpreter then also needs
        ``mongomock``.
        """
        # A relative interpreter path is taken from the current directory (not the workdir);
        # abspath, not resolve: a venv's python is a symlink that must stay one.
        self.python = os.path.abspath(python) if os.sep in python else python
        self.workdir = Path(workdir)
        self.jwt_secret = jwt_secret
        self.port = port
        self.timeout = timeout
        self.network = network
        self.url = ""
        self.combiner_address = ""
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    @property
    def log_path(self) -> Path:
        """Where the controller's stderr goes."""
        return self.workdir / "controller.log"

    def start(self) -> RealFednController:
        """Start the controller and block until it prints READY (or raise RuntimeError)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        cmd = [self.python, str(Path(__file__).resolve()), "--workdir", str(self.workdir),
               "--port", str(self.port)]
        if self.jwt_secret:
            cmd += ["--jwt-secret", self.jwt_secret]
        if self.network:
            cmd.append("--network")
        env = dict(os.environ)
        env.pop("FEDN_JWT_SECRET_KEY", None)
        env["PYTHONUNBUFFERED"] = "1"
        self._log = self.log_path.open("w")
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL, text=True,
            env=env, cwd=str(self.workdir),
        )
        lines: queue.Queue[str | None] = queue.Queue()
        stdout = self._proc.stdout
        assert stdout is not None

        def pump() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = None
                remaining = 0
            if line is not None and line.startswith("COMBINER "):
                self.combiner_address = line.split(None, 1)[1].strip()
                continue
            if line is not None and line.startswith("READY "):
                self.url = line.split(None, 1)[1].strip()
                return self
            if line is None or remaining <= 0:
                self.stop()
                raise RuntimeError(
                    f"FEDn controller did not start within {self.timeout:.0f} s; "
                    f"last log lines:\n{self._tail()}"
                )

    def _tail(self, n: int = 20) -> str:
        """The last lines of the controller log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Terminate the controller (SIGTERM, then SIGKILL after 10 s)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> RealFednController:
        """Start and return self."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the controller."""
        self.stop()

    def __repr__(self) -> str:
        """Show the url and whether auth is on, never the secret."""
        auth = "on" if self.jwt_secret else "off"
        return f"RealFednController(url={self.url!r}, auth={auth})"


if __name__ == "__main__":
    # Run by path: this folder's modules must not shadow what fedn and moto import (see above).
    sys.path[:] = _without_folder(sys.path, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
