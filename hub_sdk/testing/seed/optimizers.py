"""Optimizers: a finished trial search, a warm-start request and a similar-trials request."""

from __future__ import annotations

from .base import Demo, Doc, hex_id, ts
from .training import ALGORITHMS, random_params

__all__ = ["optimizer_requests"]


def optimizer_requests(demo: Demo, hyperparameters: list[Doc]) -> None:
    """One done request of each optimizer kind (warm start from the first hyperparameters)."""
    rng, add = demo.rng, demo.add
    search_space = {
        "version": 1,
        "optimizers_space": {
            "auger_ml.optimizers.pso_optimizer.PSOOptimizer": {
                "phig": 0.5,
                "phip": 0.5,
                "omega": 0.5,
            }
        },
    }
    add(
        "trial_search",
        {
            "id": 1,
            "status": "done",
            "trials_total_count": 100,
            "trials_limit": 2,
            "search_space": search_space,
            "dataset_metafeatures": {"NumberOfClasses": 3},
            "next_trials": [
                {
                    "algorithm_name": ALGORITHMS[0][0],
                    "algorithm_params": random_params(rng, ALGORITHMS[0][1]),
                }
                for _ in range(2)
            ],
        },
        ts(66000),
    )
    add(
        "warm_start_request",
        {
            "id": 1,
            "score_name": "accuracy",
            "limit": 2,
            "status": "done",
            "time_consumed_ms": 33,
            "hyperparameters": [h for h in hyperparameters[:2]],
        },
        ts(66100),
    )
    add(
        "similar_trials_request",
        {
            "id": 1,
            "algorithm_name": ALGORITHMS[0][0],
            "algorithm_params_hash": hex_id(rng, 15),
            "limit": 5,
            "status": "done",
            "time_consumed_ms": 21,
            "trials": [],
        },
        ts(66200),
    )
