"""SIMULATED FEDn network for LocalHub: clients, combiners and a session runner.

Nothing here trains anything. :class:`FednSimulator` registers ``clients`` simulated clients
(status ``online``) and ``combiners`` combiners, and, when a session starts, runs it in a
background thread: round by round (``round_seconds`` each, 0.05 s by default) it writes what a
real FEDn network would leave in the statestore — rounds with combiner reports, a new model per
round chained by ``parent_model``, statuses, validations whose metrics improve, metrics and a run
record — then marks the session ``Finished`` and the controller ``idle`` again.

Model payloads are small valid ``.npz`` archives written by hand (:func:`npz_bytes`), so no numpy
is needed: the seed's arrays are read back (:func:`npz_arrays`) and nudged each round.
"""

from __future__ import annotations

import io
import json
import math
import struct
import threading
import time
import uuid
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fedn_app import FednData

__all__ = ["FednSimulator", "npz_arrays", "npz_bytes", "npy_bytes"]

Doc = dict[str, Any]


# --------------------------------------------------------------------------- .npz without numpy


def npy_bytes(values: Sequence[float]) -> bytes:
    """A version 1.0 ``.npy`` file holding ``values`` as a 1-D little-endian float64 array."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({len(values)},), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    raw = struct.pack(f"<{len(values)}d", *values)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + raw


def npz_bytes(arrays: Sequence[Sequence[float]]) -> bytes:
    """A ``.npz`` archive of 1-D float64 arrays named ``0.npy``, ``1.npy``, ... (numpyhelper's)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i, values in enumerate(arrays):
            info = zipfile.ZipInfo(f"{i}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, npy_bytes(values))
    return buf.getvalue()


def _parse_npy(data: bytes) -> list[float]:
    """Read a 1-D (or flattened) little-endian float/int ``.npy`` payload; raise ValueError."""
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = data[start : start + hlen].decode("latin1")
    body = data[start + hlen :]
    formats = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i", "|u1": "B", "|b1": "?"}
    code = next((c for d, c in formats.items() if f"'{d}'" in header), None)
    if code is None or "'fortran_order': True" in header:
        raise ValueError(f"unsupported array header: {header.strip()}")
    n = len(body) // struct.calcsize(code)
    return [float(v) for v in struct.unpack(f"<{n}{code}", body[: n * struct.calcsize(code)])]


def npz_arrays(data: bytes) -> list[list[float]]:
    """The arrays of an ``.npz`` archive, in member order (ValueError if it is not one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if n.endswith(".npy")]
            if not names:
                raise ValueError("no .npy member in the archive")
            names.sort(key=lambda n: (len(n), n))
            return [_parse_npy(z.read(n)) for n in names]
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not an .npz archive: {exc}") from None


# --------------------------------------------------------------------------- the simulator


class FednSimulator:
    """Simulated combiners and clients plus a background session runner (see module doc)."""

    def __init__(
        self,
        data: FednData,
        *,
        clients: int = 3,
        combiners: int = 1,
        round_seconds: float = 0.05,
    ) -> None:
        """Register the simulated nodes in ``data`` (idempotent on a reused store)."""
        self.data = data
        self.n_clients = max(0, clients)
        self.n_combiners = max(0, combiners) if clients == 0 else max(1, combiners)
        self.round_seconds = round_seconds
        self._lock = threading.Lock()
        self._state = "idle"
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._register()

    # ------------------------------------------------------------------ nodes

    def _register(self) -> None:
        """Write the combiner and client records."""
        for i in range(self.n_combiners):
            name = f"combiner{i}"
            if self.data.get("combiners", name) is None:
                self.data.add("combiners", {
                    "combiner_id": name, "name": name, "address": "127.0.0.1",
                    "fqdn": None, "ip": "127.0.0.1", "parent": {"name": "localhub",
                    "type": "controller"}, "port": 12080 + i,
                })
        for i in range(self.n_clients):
            cid = f"client-{i:04d}"
            now = time.time()
            if self.data.get("clients", cid) is None:
                self.data.add("clients", {
                    "client_id": cid, "name": f"client{i}",
                    "combiner": f"combiner{i % max(1, self.n_combiners)}",
                    "combiner_preferred": None, "ip": "127.0.0.1", "status": "online",
                    "last_seen": now, "package": "remote",
                })
            else:
                self.data.update("clients", cid, {"status": "online", "last_seen": now})

    def combiner_names(self) -> list[str]:
        """Names of the simulated combiners."""
        return [f"combiner{i}" for i in range(self.n_combiners)]

    def online_clients(self, client_ids: Sequence[str] | None = None) -> list[Doc]:
        """Client records counted as connected (``online``/``available``), optionally filtered."""
        docs, _ = self.data.list("clients", {"status__in": ["online", "available"]})
        if client_ids is not None:
            docs = [d for d in docs if d["client_id"] in client_ids]
        return docs

    def _touch_clients(self, clients: Sequence[Doc]) -> None:
        """Refresh ``last_seen`` of the participating clients."""
        now = time.time()
        for c in clients:
            self.data.update("clients", c["client_id"], {"last_seen": now})

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> str:
        """``idle`` or ``monitoring`` (a session is running)."""
        return self._state

    def close(self) -> None:
        """Stop running sessions and wait for their threads."""
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=5)

    # ------------------------------------------------------------------ sessions

    def try_start(
        self,
        session_id: str,
        rounds: int,
        round_timeout: int | None,
        model_name_prefix: str | None,
        client_ids: list[str] | None,
    ) -> bool:
        """Switch to ``monitoring`` and start the session thread; False if one already runs."""
        with self._lock:
            if self._state != "idle":
                return False
            self._state = "monitoring"
            # Started before the start request is answered, so no poller sees a stale status.
            self.data.update("sessions", session_id, {"status": "Started"})
        t = threading.Thread(
            target=self._run_session,
            args=(session_id, rounds, round_timeout, model_name_prefix, client_ids),
            name=f"fedn-sim-{session_id[:8]}", daemon=True,
        )
        self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()
        return True

    def _status(self, session_id: str | None, sender: Doc, text: str, *, type_: str,
                level: str = "INFO", data: str | None = None,
                correlation_id: str | None = None) -> None:
        """Write one status record."""
        self.data.add("statuses", {
            "status": text, "log_level": level, "type": type_, "session_id": session_id,
            "sender": sender, "timestamp": time.time(), "data": data, "extra": None,
            "correlation_id": correlation_id,
        })

    def _run_session(self, session_id: str, rounds: int, round_timeout: int | None,
                     prefix: str | None, client_ids: list[str] | None) -> None:
        """The session loop (runs in its own thread)."""
        try:
            self._session_loop(session_id, rounds, round_timeout, prefix, client_ids)
        except Exception:  # pragma: no cover - the store closed under us (server stopping)
            pass
        finally:
            with self._lock:
                self._state = "idle"

    def _session_loop(self, session_id: str, rounds: int, round_timeout: int | None,
                      prefix: str | None, client_ids: list[str] | None) -> None:
        """Produce rounds, models, statuses, validations and metrics; finish the session."""
        data = self.data
        session = data.get("sessions", session_id)
        if session is None:
            return
        config = dict(session["session_config"])
        if round_timeout is not None:
            config["round_timeout"] = round_timeout
        seed_id = config.get("model_id") or session.get("seed_model_id")
        arrays = self._arrays_of(seed_id)
        data.update("sessions", session_id, {"status": "Started"})
        controller = {"name": "controller", "role": "controller", "client_id": None}
        run = data.add("runs", {
            "session_id": session_id, "model_id": seed_id, "rounds": rounds,
            "round_timeout": config.get("round_timeout"), "completed_at": None,
            "completed_at_model_id": None,
        })
        self._status(session_id, controller, f"Session {session_id} started.", type_="SESSION")
        last_round = data.latest_round_id()
        model_count = data.count("models", {"session_id": session_id}) + 1 if prefix else 0
        parent = seed_id
        for r in range(1, rounds + 1):
            if self._stop.is_set():
                return
            current = data.get("sessions", session_id)
            if current is not None and current.get("status") == "Terminated":
                break
            round_id = str(last_round + r)
            clients = self.online_clients(client_ids)
            parent = self._round(session_id, round_id, r, rounds, config, clients, parent,
                                 arrays, f"{prefix}_{model_count}" if prefix else None)
            config["model_id"] = parent
            model_count += 1
        data.update("runs", run["run_id"], {"completed_at": time.time(),
                                             "completed_at_model_id": parent})
        self._status(session_id, controller, f"Session {session_id} finished.", type_="SESSION")
        # Finished and idle together: whoever sees "Finished" can start the next session.
        with self._lock:
            current = data.get("sessions", session_id)
            if current is not None and current.get("status") == "Started":
                data.update("sessions", session_id, {"status": "Finished",
                                                     "session_config": config})
            else:
                data.update("sessions", session_id, {"session_config": config})
            self._state = "idle"

    def _arrays_of(self, model_id: str | None) -> list[list[float]]:
        """The seed model's arrays (a tiny default if they cannot be read)."""
        blob = self.data.model_bytes(model_id) if model_id else None
        if blob is not None:
            try:
                return npz_arrays(blob)
            except ValueError:
                pass
        return [[0.0, 0.0, 0.0], [0.0]]

    def _round(self, session_id: str, round_id: str, r: int, rounds: int, config: Doc,
               clients: list[Doc], parent: str | None, arrays: list[list[float]],
               model_name: str | None) -> str:
        """One simulated round; returns the new model id."""
        data = self.data
        started = time.time()
        round_config: Doc = {
            **{k: config.get(k) for k in (
                "aggregator", "aggregator_kwargs", "round_timeout", "buffer_size",
                "delete_models_storage", "clients_required", "requested_clients", "validate",
                "helper_type", "server_functions")},
            "model_id": parent, "session_id": session_id, "task": "training", "rounds": rounds,
            "round_id": round_id, "client_settings": {}, "is_sl_inference": False,
            "selected_clients": None,
        }
        data.add("rounds", {"round_id": round_id, "status": "Pending",
                            "round_config": round_config, "round_data": None, "combiners": []})
        for c in clients:
            sender = {"name": c["name"], "role": "client", "client_id": c["client_id"]}
            self._status(session_id, sender, "Model update completed.", type_="MODEL_UPDATE",
                         data=json.dumps({"round_id": round_id}))
        self._touch_clients(clients)
        if self._stop.wait(self.round_seconds / 2):
            return parent or ""
        # Aggregate: the "model" drifts towards 1.0 round after round.
        progress = 1.0 - math.exp(-0.7 * r)
        new_arrays = [[v + (1.0 - v) * 0.5 + 0.01 * r for v in a] for a in arrays]
        arrays[:] = new_arrays
        model_id = data.add_model_bytes(npz_bytes(new_arrays), name=model_name,
                                        parent_model=parent, session_id=session_id)
        elapsed = time.time() - started
        by_combiner: dict[str, list[Doc]] = {}
        for c in clients:
            by_combiner.setdefault(c["combiner"], []).append(c)
        reports = []
        for name in self.combiner_names():
            members = by_combiner.get(name, [])
            reports.append({
                "round_id": round_id, "model_id": model_id, "name": name, "status": "Success",
                "time_exec_training": round(elapsed, 6),
                "config": {k: (None if v is None else str(v)) for k, v in {
                    **round_config, "_job_id": str(uuid.uuid4())}.items()
                    if not isinstance(v, dict)},
                "data": {
                    "aggregation_time": {"nr_aggregated_models": len(members),
                                         "time_model_aggregation": 0.001,
                                         "time_model_load": 0.0005},
                    "nr_expected_updates": len(members), "nr_required_updates": len(members),
                    "time_combination": round(elapsed, 6),
                    "timeout": float(config.get("round_timeout") or 0),
                },
            })
        data.update("rounds", round_id, {
            "status": "Success", "combiners": reports,
            "round_data": {"time_commit": 0.002, "reduce": {
                "time_aggregate_model": 0.001, "time_fetch_model": 0.0005,
                "time_load_model": 0.0005}},
        })
        # Validations and metrics from every client.
        for i, c in enumerate(clients):
            sender = {"name": c["name"], "role": "client", "client_id": c["client_id"]}
            jitter = 0.002 * i
            metrics = {
                "training_accuracy": round(0.5 + 0.45 * progress - jitter, 6),
                "training_loss": round(1.0 - 0.9 * progress + jitter, 6),
                "test_accuracy": round(0.45 + 0.45 * progress - jitter, 6),
                "test_loss": round(1.1 - 0.9 * progress + jitter, 6),
            }
            corr = str(uuid.uuid4())
            if config.get("validate", True):
                data.add("validations", {
                    "model_id": model_id, "data": json.dumps(metrics), "correlation_id": corr,
                    "timestamp": time.time(), "session_id": session_id, "meta": None,
                    "sender": sender,
                    "receiver": {"name": c["combiner"], "role": "combiner", "client_id": None},
                })
            for key, value in metrics.items():
                data.add("metrics", {
                    "key": key, "value": value, "timestamp": time.time(), "sender": sender,
                    "model_id": model_id, "step": r, "round_id": round_id,
                    "session_id": session_id,
                })
        self._stop.wait(self.round_seconds / 2)
        data.update("rounds", round_id, {"status": "Finished"})
        controller = {"name": "controller", "role": "controller", "client_id": None}
        self._status(session_id, controller, f"Round {round_id} finished.", type_="ROUND")
        return model_id

    # ------------------------------------------------------------------ predictions

    def predict(self, prediction_id: str, model_id: str | None) -> None:
        """Write one prediction per online client (synchronously; it is cheap)."""
        if model_id is None:
            latest, _ = self.data.list("models", limit=1)
            model_id = latest[0]["model_id"] if latest else None
        for c in self.online_clients():
            self.data.add("predictions", {
                "model_id": model_id, "correlation_id": prediction_id,
                "data": json.dumps({"prediction": [0.5, 0.5]}), "meta": None,
                "timestamp": time.time(),
                "sender": {"name": c["name"], "role": "client", "client_id": c["client_id"]},
                "receiver": {"name": c["combiner"], "role": "combiner", "client_id": None},
            })
