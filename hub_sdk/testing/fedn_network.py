"""A real FEDn 0.33.0 network on loopback: controller, combiner and real ``fedn client`` processes.

Pure stdlib, usable from any interpreter; the processes run with a fedn venv's interpreter
(:data:`~hub_sdk.testing.fedn_controller.FEDN_PINS`; ``make test-fedn-network`` builds one in
``.fedn-venv``)::

    with RealFednNetwork(".fedn-venv/bin/python", tmp, package_dir, clients=2) as net:
        fedn.connect(net.url)
        ...

One process holds the S3 stand-in, the controller's REST API, the MongoDB statestore
(mongomock, in memory) and the combiner (see :mod:`hub_sdk.testing.fedn_controller`); each
client is its own ``fedn client start --local-package`` process, run from a folder holding a
copy of ``package_dir/client`` (``fedn.yaml`` and its entry points). Everything binds to
127.0.0.1, and every process is ended through its handle on :meth:`stop`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from .fedn_controller import RealFednController

__all__ = ["FednClientProcess", "RealFednNetwork"]


class FednClientProcess:
    """One ``fedn client start`` process with its own working folder and log."""

    def __init__(
        self,
        fedn: str,
        workdir: Path,
        package_dir: Path,
        api_url: str,
        name: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Remember how to start the client; nothing runs until :meth:`start`."""
        self.fedn = fedn
        self.workdir = Path(workdir)
        self.package_dir = Path(package_dir)
        self.api_url = api_url
        self.name = name
        self.env = dict(env or {})
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        """Where the client's output goes."""
        return self.workdir / "client.log"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> FednClientProcess:
        """Copy the package's ``client`` folder and start the client process."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        target = self.workdir / "client"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(self.package_dir / "client", target)
        host, _, port = self.api_url.rpartition(":")
        env = dict(os.environ)
        env.update(self.env)
        # The entry points run `python ...`: make that the fedn venv's interpreter.
        env["PATH"] = str(Path(self.fedn).parent) + os.pathsep + env.get("PATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("FEDN_AUTH_TOKEN", None)
        cmd = [
            self.fedn, "client", "start", "--api-url", host, "--api-port", port,
            "--name", self.name, "--client-id", self.name, "--local-package",
        ]
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            cmd, cwd=str(self.workdir), env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        return self

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 10 s) and close its log."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, n: int = 20) -> str:
        """The last lines of the client's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def __repr__(self) -> str:
        """Name and whether it runs."""
        return f"FednClientProcess({self.name!r}, running={self.running})"


class RealFednNetwork:
    """A controller with its combiner (one process) and ``clients`` real client processes.

    ``client_env`` gives each client extra environment variables (one mapping per client,
    e.g. what a test compute package reads); clients are named ``client1``, ``client2``, ...
    """

    def __init__(
        self,
        python: str,
        workdir: Path,
        package_dir: Path,
        clients: int = 2,
        *,
        client_env: Sequence[Mapping[str, str]] = (),
        timeout: float = 90.0,
    ) -> None:
        """Remember how to start; nothing runs until :meth:`start` or ``with``."""
        self.python = os.path.abspath(python) if os.sep in python else python
        self.workdir = Path(workdir)
        self.package_dir = Path(package_dir)
        self.n_clients = clients
        self.client_env = list(client_env)
        self.timeout = timeout
        self.controller = RealFednController(
            self.python, self.workdir / "controller", network=True, timeout=timeout
        )
        self.clients: list[FednClientProcess] = []

    @property
    def url(self) -> str:
        """The controller's base URL."""
        return self.controller.url

    def start(self) -> RealFednNetwork:
        """Start the controller, then the clients; return once every client is online."""
        self.controller.start()
        try:
            for i in range(1, self.n_clients + 1):
                env = self.client_env[i - 1] if i <= len(self.client_env) else {}
                self.add_client(f"client{i}", env, wait=False)
            self.wait_online([c.name for c in self.clients])
        except BaseException:
            self.stop()
            raise
        return self

    def add_client(
        self, name: str, env: Mapping[str, str] | None = None, *, wait: bool = True
    ) -> FednClientProcess:
        """Start one more client process (and wait until the controller lists it online)."""
        fedn = str(Path(self.python).parent / "fedn")
        client = FednClientProcess(
            fedn, self.workdir / name, self.package_dir, self.url, name, env
        ).start()
        self.clients.append(client)
        if wait:
            self.wait_online([name])
        return client

    def online(self) -> set[str]:
        """Names of the clients the controller lists as online."""
        req = urllib.request.Request(
            self.url + "/api/v1/clients/", headers={"X-Limit": "1000"}
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            body = json.loads(resp.read())
        return {c["name"] for c in body.get("result", []) if c.get("status") == "online"}

    def wait_online(self, names: Sequence[str]) -> None:
        """Block until every client in ``names`` is online (RuntimeError after the timeout)."""
        deadline = time.monotonic() + self.timeout
        while not set(names) <= self.online():
            dead = [c for c in self.clients if c.name in names and not c.running]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(f"--- {c.name}\n{c.tail()}" for c in dead or self.clients)
                raise RuntimeError(f"FEDn clients {list(names)} did not come online:\n{logs}")
            time.sleep(0.1)

    def stop(self) -> None:
        """End every client process, then the controller."""
        clients, self.clients = self.clients, []
        for client in clients:
            client.stop()
        self.controller.stop()

    def __enter__(self) -> RealFednNetwork:
        """Start and return self."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop everything."""
        self.stop()

    def __repr__(self) -> str:
        """URL and clients."""
        return f"RealFednNetwork(url={self.url!r}, clients={[c.name for c in self.clients]})"
