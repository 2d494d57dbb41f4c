"""SIMULATED FEDn network for LocalHub: clients, combiners and a session runner.

:class:`FednSimulator` registers ``clients`` simulated clients (status ``online``) and
``combiners`` combiners, and, when a session starts, runs it in a background thread: round by
round (``round_seconds`` each, 0.05 s by default) it writes what a real FEDn 0.33.0 network
leaves in the statestore, including its inconvenient parts:

* the start is answered first; the session turns "Started" a moment later (``start_delay``);
* each round's combiner report names a temporary aggregate id; the result is committed under a
  new id whose ``parent_model`` is the model the round started from;
* the session reads "Finished" before the last round's validations are stored
  (``validation_delay`` after each round);
* roles are upper case (``"CLIENT"``, ``"COMBINER"``);
* training fails on a model whose first weight is -999, and those clients go offline (a
  real client process crashes): rounds end "Failed" after ``round_timeout`` while the
  session still ends "Finished";
* an aggregator the controller does not ship kills the session thread: the session stays
  "Created" and every later start is refused with "A session is already running!".

Client ``i`` (1-based) trains like the test compute package in ``tests/fedn/network/package``:
every weight moves by ``i`` and the update counts ``i`` examples, so FedAvg gives
``w + sum(i*i)/sum(i)``; it validates with ``mean_weight``, ``distance`` (to 10.0) and
``examples``.

Model payloads are small valid ``.npz`` archives written by hand (:mod:`.npz`), so no numpy is
needed: the seed's arrays are read back and nudged each round.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from .catalogue import Doc
from .data import FednData
from .npz import npz_arrays, npz_bytes

__all__ = ["AGGREGATORS", "POISON", "FednSimulator"]

#: What fedn 0.33.0 ships in ``fedn/network/combiner/aggregators/``.
AGGREGATORS = ("fedavg", "fedopt", "splitlearningagg")
#: A model whose first weight is this makes training fail (as in the test compute package).
POISON = -999.0
#: Where validations measure their distance to.
TARGET = 10.0
#: Combiner config entries reported as they are; the rest become text.
_UNSTRINGIFIED = frozenset({"client_settings", "is_sl_inference", "selected_clients"})


class FednSimulator:
    """Simulated combiners and clients plus a background session runner (see module doc)."""

    def __init__(
        self,
        data: FednData,
        *,
        clients: int = 3,
        combiners: int = 1,
        round_seconds: float = 0.05,
        start_delay: float = 0.05,
        validation_delay: float = 0.15,
        network_id: str = "fedn-network",
    ) -> None:
        """Register the simulated nodes in ``data`` (idempotent on a reused store)."""
        self.data = data
        self.network_id = network_id  # what ``/clients/config`` tells clients
        self.n_clients = max(0, clients)
        self.n_combiners = max(0, combiners) if clients == 0 else max(1, combiners)
        self.round_seconds = round_seconds
        self.start_delay = start_delay
        self.validation_delay = validation_delay
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
        for i in range(1, self.n_clients + 1):
            cid = f"client{i}"
            now = time.time()
            if self.data.get("clients", cid) is None:
                self.data.add("clients", {
                    "client_id": cid, "name": cid,
                    "combiner": f"combiner{(i - 1) % max(1, self.n_combiners)}",
                    "combiner_preferred": None, "ip": "127.0.0.1", "status": "online",
                    "last_seen": now, "package": "local",
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
        return sorted(docs, key=lambda d: _number(d["client_id"]))

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

    def _spawn(self, target: Any, *args: Any, name: str) -> None:
        """Run ``target(*args)`` in a daemon thread that :meth:`close` waits for."""
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        self._threads = [x for x in self._threads if x.is_alive()] + [t]
        t.start()

    # ------------------------------------------------------------------ sessions

    def try_start(
        self,
        session_id: str,
        rounds: int,
        round_timeout: int | None,
        model_name_prefix: str | None,
        client_ids: list[str] | None,
    ) -> bool:
        """Switch to ``monitoring`` and start the session thread; False if one already runs.

        The session turns "Started" in that thread, after the start has been answered.
        """
        with self._lock:
            if self._state != "idle":
                return False
            self._state = "monitoring"
        self._spawn(self._run_session, session_id, rounds, round_timeout, model_name_prefix,
                    client_ids, name=f"fedn-sim-{session_id[:8]}")
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
        """The session thread: like the controller's, it dies on an unknown aggregator."""
        try:
            if self._stop.wait(self.start_delay):
                return
            session = self.data.get("sessions", session_id)
            aggregator = (session or {}).get("session_config", {}).get("aggregator")
            if aggregator not in AGGREGATORS:
                return  # the thread dies: "Created" for good, and the state stays monitoring
            self._session_loop(session_id, rounds, round_timeout, prefix, client_ids)
        except Exception:  # pragma: no cover - the store closed under us (server stopping)
            pass
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
        seed_id = self._active_model(session_id) or session.get("seed_model_id")
        data.update("sessions", session_id, {"status": "Started"})
        run = data.add("runs", {
            "session_id": session_id, "model_id": seed_id, "rounds": rounds,
            "round_timeout": config.get("round_timeout"), "completed_at": None,
            "completed_at_model_id": None,
        })
        last_round = data.latest_round_id()
        optimizer = FedOpt(config.get("aggregator_kwargs"))  # its state lives for one start
        model_count = data.count("models", {"session_id": session_id}) + 1 if prefix else 0
        for r in range(1, rounds + 1):
            if self._stop.is_set():
                return
            current = data.get("sessions", session_id)
            if current is not None and current.get("status") == "Terminated":
                break
            round_id = str(last_round + r)
            start = self._active_model(session_id) or seed_id
            committed = self._round(session_id, round_id, config, start,
                                    self.online_clients(client_ids),
                                    f"{prefix}_{model_count}" if prefix else None, optimizer)
            if committed is not None:
                model_count += 1
        final = self._active_model(session_id) or seed_id
        config["model_id"] = final
        # Finished and idle together: whoever sees "Finished" can start the next session.
        with self._lock:
            current = data.get("sessions", session_id)
            if current is not None and current.get("status") == "Started":
                data.update("sessions", session_id, {"status": "Finished",
                                                     "session_config": config})
                data.update("runs", run["run_id"], {"completed_at": time.time(),
                                                     "completed_at_model_id": final})
            else:
                data.update("sessions", session_id, {"session_config": config})
            self._state = "idle"

    def _active_model(self, session_id: str) -> str | None:
        """The session's latest model (what the controller trains from next)."""
        docs, _ = self.data.list("models", {"session_id": session_id}, limit=1,
                                 sort_key="committed_at", descending=True)
        return str(docs[0]["model_id"]) if docs else None

    def _arrays_of(self, model_id: str | None) -> list[list[float]]:
        """A model's arrays (a tiny default if they cannot be read)."""
        blob = self.data.model_bytes(model_id) if model_id else None
        if blob is not None:
            try:
                return npz_arrays(blob)
            except ValueError:
                pass
        return [[0.0, 0.0, 0.0], [0.0]]

    def _round(self, session_id: str, round_id: str, config: Doc, start: str | None,
               clients: list[Doc], model_name: str | None, optimizer: FedOpt) -> str | None:
        """One simulated round; returns the committed model id (None when it failed)."""
        data = self.data
        started = time.time()
        round_config: Doc = {
            **{k: config.get(k) for k in (
                "aggregator", "aggregator_kwargs", "round_timeout", "buffer_size",
                "delete_models_storage", "clients_required", "requested_clients", "validate",
                "helper_type", "server_functions")},
            "model_id": start, "session_id": session_id, "task": "training", "rounds": 1,
            "round_id": round_id, "client_settings": {}, "is_sl_inference": False,
            "selected_clients": None,
        }
        data.add("rounds", {"round_id": round_id, "status": "Pending",
                            "round_config": round_config, "round_data": None, "combiners": []})
        arrays = self._arrays_of(start)
        poisoned = bool(arrays and arrays[0] and arrays[0][0] == POISON)
        for c in clients:
            self._status(session_id, _client(c), "Received request from combiner.",
                         type_="MODEL_UPDATE")
        self._touch_clients(clients)
        if poisoned or not clients:
            # Training fails on every client, whose process then crashes (a client of
            # fedn 0.33.0 dies when its train step writes no model): nobody reports, and the
            # round times out.
            if self._stop.wait(self.round_seconds):
                return None
            for c in clients:
                self.data.update("clients", c["client_id"], {"status": "offline"})
            self._stop.wait(float(config.get("round_timeout") or 0) if clients else 0.0)
            data.update("rounds", round_id, {"status": "Failed"})
            return None
        if self._stop.wait(self.round_seconds / 2):
            return None
        for c in clients:
            self._status(session_id, _client(c), "Model update completed.",
                         type_="MODEL_UPDATE", level="AUDIT")
        # FedAvg of the clients' updates: client i moves every weight by i with i examples.
        shares = [_number(c["client_id"]) or 1 for c in clients]
        step = sum(n * n for n in shares) / sum(shares)
        if config.get("aggregator") == "fedopt":
            new_arrays = optimizer.step(arrays, step)
        else:
            new_arrays = [[v + step for v in a] for a in arrays]
        aggregate = str(uuid.uuid4())  # the combiners' temporary model, deleted on commit
        elapsed = time.time() - started
        by_combiner: dict[str, list[Doc]] = {}
        for c in clients:
            by_combiner.setdefault(c["combiner"], []).append(c)
        reports = []
        for name in self.combiner_names():
            members = by_combiner.get(name, [])
            reports.append({
                "round_id": round_id, "model_id": aggregate, "name": name, "status": "Success",
                "time_exec_training": round(elapsed, 6),
                # Combiners stringify the settings (None too), as fedn 0.33.0 reports them.
                "config": {k: (v if k in _UNSTRINGIFIED else str(v)) for k, v in {
                    **round_config, "_job_id": str(uuid.uuid4())}.items()},
                "data": {
                    "aggregation_time": {"nr_aggregated_models": len(members),
                                         "time_model_aggregation": 0.001,
                                         "time_model_load": 0.0005},
                    "nr_expected_updates": len(members), "nr_required_updates": 1,
                    "time_combination": round(elapsed, 6),
                    "timeout": float(config.get("round_timeout") or 0),
                },
            })
        data.update("rounds", round_id, {"combiners": reports})
        model_id = data.add_model_bytes(npz_bytes(new_arrays), name=model_name,
                                        parent_model=start, session_id=session_id)
        data.update("rounds", round_id, {
            "status": "Success",
            "round_data": {"time_commit": 0.002, "reduce": {
                "time_aggregate_model": 0.001, "time_fetch_model": 0.0005,
                "time_load_model": 0.0005}},
        })
        self._stop.wait(self.round_seconds / 2)
        data.update("rounds", round_id, {"status": "Finished"})
        if config.get("validate", True):
            # Stored a moment later: after "Finished" (for the last round, after the session).
            self._spawn(self._validate, session_id, round_id, model_id, new_arrays, clients,
                        name=f"fedn-sim-validate-{round_id}")
        return model_id

    def _validate(self, session_id: str, round_id: str, model_id: str,
                  arrays: list[list[float]], clients: list[Doc]) -> None:
        """Write the clients' validations of a committed model (after ``validation_delay``)."""
        if self._stop.wait(self.validation_delay):
            return
        flat = [v for a in arrays for v in a]
        mean = sum(flat) / len(flat) if flat else 0.0
        distance = sum((v - TARGET) ** 2 for v in flat)
        for c in clients:
            examples = _number(c["client_id"]) or 1
            metrics = {"mean_weight": mean, "distance": distance, "examples": examples}
            self._status(session_id, _client(c), "Model validation completed.",
                         type_="MODEL_VALIDATION", level="AUDIT")
            self.data.add("validations", {
                "model_id": model_id, "data": json.dumps(metrics),
                "correlation_id": str(uuid.uuid4()), "timestamp": time.time(),
                "session_id": session_id, "meta": None, "sender": _client(c),
                "receiver": {"name": c["combiner"], "role": "COMBINER", "client_id": None},
            })
            for key, value in metrics.items():
                self.data.add("metrics", {
                    "key": key, "value": value, "timestamp": time.time(),
                    "sender": _client(c), "model_id": model_id, "step": int(round_id),
                    "round_id": round_id, "session_id": session_id,
                })

    # ------------------------------------------------------------------ predictions

    def predict(self, prediction_id: str, model_id: str | None) -> None:
        """Store one client's prediction with the model: its mean weight (synchronously).

        As on fedn 0.33.0, the run's ``prediction_id`` is the answer's id, so only the
        first client's answer is stored (the real controller refuses the others with
        "Entity with id ... already exists", which crashes those client processes).
        """
        if model_id is None:
            latest, _ = self.data.list("models", limit=1)
            model_id = latest[0]["model_id"] if latest else None
        flat = [v for a in self._arrays_of(model_id) for v in a]
        for c in self.online_clients()[:1]:
            self.data.add("predictions", {
                "prediction_id": prediction_id, "model_id": model_id,
                "correlation_id": str(uuid.uuid4()),
                "data": json.dumps({"prediction": sum(flat) / len(flat) if flat else 0.0}),
                "meta": None, "timestamp": time.time(), "sender": _client(c),
                "receiver": {"name": c["combiner"], "role": "COMBINER", "client_id": None},
            })


class FedOpt:
    """fedn 0.33.0's FedOpt server optimizers (adam, yogi, adagrad) on lists of floats.

    The state (``m``, ``v``) lives as long as the combiner's aggregator: one session start.
    """

    DEFAULTS = {"serveropt": "adam", "learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.99,
                "tau": 1e-4}

    def __init__(self, kwargs: Any) -> None:
        """Take the settings from ``aggregator_kwargs`` (a dict or its JSON text)."""
        if isinstance(kwargs, str):
            try:
                kwargs = json.loads(kwargs)
            except ValueError:
                kwargs = None
        self.params = {**self.DEFAULTS, **(kwargs if isinstance(kwargs, dict) else {})}
        self.m: list[float] | None = None
        self.v: list[float] | None = None

    def step(self, arrays: list[list[float]], delta: float) -> list[list[float]]:
        """The new model after every weight's pseudo-gradient was ``delta``."""
        p = self.params
        b1, b2, lr, tau = p["beta1"], p["beta2"], p["learning_rate"], p["tau"]
        old = [v for a in arrays for v in a]
        g = [delta] * len(old)
        v = self.v or [tau * tau] * len(old)
        if self.m is None:
            m = [(1.0 - b1) * x for x in g]
        else:
            m = [b1 * a + (1.0 - b1) * x for a, x in zip(self.m, g)]
        sq = [x * x for x in g]
        if p["serveropt"] == "yogi":
            v = [a - (1.0 - b2) * math.copysign(1.0, a - x) * x if a != x else a
                 for a, x in zip(v, sq)]
        elif p["serveropt"] == "adagrad":
            v = [a + x for a, x in zip(v, sq)]
        else:
            v = [b2 * a + (1.0 - b2) * x for a, x in zip(v, sq)]
        self.m, self.v = m, v
        new = [w + lr * (a / (math.sqrt(b) + tau)) for w, a, b in zip(old, m, v)]
        out, i = [], 0
        for a in arrays:
            out.append(new[i : i + len(a)])
            i += len(a)
        return out


def _client(doc: Doc) -> Doc:
    """A client as the sender of a status or validation (roles are upper case)."""
    return {"name": doc["name"], "role": "CLIENT", "client_id": doc["client_id"]}


def _number(client_id: str) -> int:
    """The 1-based number in ``clientN`` (0 when there is none)."""
    digits = "".join(ch for ch in client_id if ch.isdigit())
    return int(digits) if digits else 0
