"""Optimizers: the optimizers service (``/next_trials``, ``/v2/next_trials``, ``/fte``) and the
Hub's optimizer objects (trial searches, warm-start and similar-trials requests).

Trials are sampled deterministically from the search space (seeded by the request), so a replayed
request gets the same answer. The service routes answer in their own envelope flavour.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from werkzeug.wrappers import Response

from ...store import public
from ..engine.envelope import invalid, optimizer_ok
from ..engine.request import HubRequest
from ..engine.room import Room, creates, route, updates
from ..templates import Doc

__all__ = ["Optimizers", "sample_trials"]

# sampled from when a search space names no algorithm
_FALLBACK_SPACE: dict[str, dict[str, Any]] = {
    "sklearn.ensemble.RandomForestClassifier": {
        "bootstrap": {"type": "categorical", "values": [True, False]},
        "max_features": {"type": "float", "bounds": [0.05, 1.0]},
        "min_samples_leaf": {"type": "int", "bounds": [1, 20]},
        "min_samples_split": {"type": "int", "bounds": [2, 20]},
        "n_estimators": {"type": "int", "bounds": [50, 300]},
        "n_jobs": {"type": "categorical", "values": [1], "tunable": False},
    }
}


def _algorithm_spaces(space: Any, depth: int = 0) -> dict[str, dict[str, Any]]:
    """Find ``{algorithm: {param: {type, bounds|values}}}`` mappings anywhere in a search space."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(space, dict) or depth > 8:
        return found
    for name, value in space.items():
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(p, dict) and "type" in p for p in value.values())
        ):
            found[str(name)] = value
        elif isinstance(value, dict):
            found.update(_algorithm_spaces(value, depth + 1))
    return found


def sample_trials(space: Any, count: int, seed: str) -> list[Doc]:
    """Deterministically sample ``count`` trials ``{algorithm_name, algorithm_params}``."""
    algs: dict[str, dict[str, Any]] = _algorithm_spaces(space) or _FALLBACK_SPACE
    rng = random.Random(seed)
    names = sorted(algs)
    out = []
    for _ in range(max(0, count)):
        name = rng.choice(names)
        params: Doc = {}
        for pname in sorted(algs[name]):
            spec = algs[name][pname]
            kind = spec.get("type")
            if kind == "categorical":
                values = spec.get("values") or [None]
                params[pname] = values[rng.randrange(len(values))]
            elif (
                kind in ("float", "int")
                and isinstance(spec.get("bounds"), list)
                and len(spec["bounds"]) == 2
            ):
                lo, hi = float(spec["bounds"][0]), float(spec["bounds"][1])
                value = rng.uniform(lo, hi)
                params[pname] = round(value) if kind == "int" else value
            else:
                params[pname] = None
        out.append({"algorithm_name": name, "algorithm_params": params})
    return out


class Optimizers(Room):
    """Trial searches, warm-start and similar-trials requests, and the optimizers service."""

    @creates("trial_search")
    def create_trial_search(self, req: HubRequest) -> Doc:
        """A trial search; its first trials are sampled when it is next read."""
        req.require("trials_total_count", "search_space")
        total = req.integer("trials_total_count")
        space = req.params["search_space"]
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        limit = req.integer("trials_limit", 10) or 10
        meta = req.params.get("dataset_metafeatures") or {}
        tid = self.next_id("trial_search")
        return self.insert(
            "trial_search",
            {
                "id": tid,
                "trials_total_count": total,
                "trials_limit": limit,
                "search_space": space,
                "dataset_metafeatures": meta,
                "_next": {
                    "status": "done",
                    "next_trials": sample_trials(space, limit, f"ts{tid}:0"),
                },
            },
        )

    @updates("trial_search")
    def update_trial_search(self, req: HubRequest, doc: Doc) -> Doc:
        """Continue a trial search that is ``done`` with more history."""
        if doc["status"] != "done":
            raise invalid(
                "id", "trial search can be continued only when previous iteration is done"
            )
        limit = req.integer("trials_limit", doc["trials_limit"]) or doc["trials_limit"]
        history = req.params.get("trials_history") or []
        if not isinstance(history, list):
            raise invalid("trials_history", "must be an array")
        seen = list(doc.get("_history") or []) + history
        new = self.store.update(
            "trial_search",
            doc["id"],
            {
                "status": "requested",
                "trials_limit": limit,
                "_history": seen,
                "next_trials": sample_trials(
                    doc["search_space"], limit, f"ts{doc['id']}:{len(seen)}"
                ),
                "_next": {"status": "done"},
            },
        )
        return new or doc

    @creates("warm_start_request")
    def create_warm_start_request(self, req: HubRequest) -> Doc:
        """Hyperparameters to warm-start from (``done`` on the next read)."""
        req.require("dataset_manifest_id", "score_name")
        self.load(req, "dataset_manifest", req.params["dataset_manifest_id"])
        limit = req.integer("limit", 10) or 10
        hps, _ = self.store.query("hyperparameter", limit=limit)
        return self.insert(
            "warm_start_request",
            {
                "id": self.next_id("warm_start_request"),
                "score_name": str(req.params["score_name"]),
                "limit": limit,
                "_next": {
                    "status": "done",
                    "time_consumed_ms": 35,
                    "hyperparameters": [public(h) for h in hps],
                },
            },
        )

    @creates("similar_trials_request")
    def create_similar_trials_request(self, req: HubRequest) -> Doc:
        """Trials of the same algorithm (``done`` on the next read)."""
        req.require("dataset_manifest_id", "algorithm_name", "algorithm_params_hash")
        self.load(req, "dataset_manifest", req.params["dataset_manifest_id"])
        limit = req.integer("limit", 5) or 5
        name = str(req.params["algorithm_name"])
        trials, _ = self.store.query("trial", {"hyperparameter.algorithm_name": name}, limit=limit)
        return self.insert(
            "similar_trials_request",
            {
                "id": self.next_id("similar_trials_request"),
                "algorithm_name": name,
                "algorithm_params_hash": str(req.params["algorithm_params_hash"]),
                "limit": limit,
                "_next": {
                    "status": "done",
                    "time_consumed_ms": 28,
                    "trials": [public(t) for t in trials],
                },
            },
        )

    @route("POST", "/next_trials", auth="optimizer")
    def next_trials(self, req: HubRequest) -> Response:
        """``POST /next_trials``: sampled trials and the optimizer context, as a pair."""
        req.require("optimizer_name")
        space = req.params.get("search_space") or {}
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        count = req.integer("trial_workers_count", 1) or 1
        context = req.params.get("optimizer_context")
        seed = hashlib.sha256(req.body).hexdigest()
        return optimizer_ok(
            [sample_trials(space, count, seed), context if context is not None else {}]
        )

    @route("POST", "/v2/next_trials", auth="optimizer")
    def next_trials_v2(self, req: HubRequest) -> Response:
        """``POST /v2/next_trials``: sampled trials and the optimizer context."""
        req.require("search_space")
        space = req.params["search_space"]
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        limit = req.integer("trials_limit", 1) or 1
        context = req.params.get("optimizer_context")
        seed = hashlib.sha256(req.body).hexdigest()
        return optimizer_ok(
            {
                "trials": sample_trials(space, limit, seed),
                "optimizer_context": context if context is not None else {},
            }
        )

    @route("POST", "/fte", auth="optimizer")
    def fte(self, req: HubRequest) -> Response:
        """``POST /fte``: a deterministic fit-time estimate."""
        req.require("alg_name", "alg_params")
        if not isinstance(req.params["alg_params"], dict):
            raise invalid("alg_params", "must be an object")
        rows = req.integer("nrows", 1000) or 1000
        cols = req.integer("ncols", 10) or 10
        h = int(hashlib.sha256(str(req.params["alg_name"]).encode()).hexdigest()[:6], 16) / 0xFFFFFF
        return optimizer_ok({"estimated_time": round((0.5 + h) * rows * cols / 1.75e5, 12)})
