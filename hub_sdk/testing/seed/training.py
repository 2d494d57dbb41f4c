"""Training: experiments, experiment sessions, and ``size`` trials with their hyperparameters."""

from __future__ import annotations

import random
from typing import Any

from ..auger import make
from .base import DEMO_PROJECT_ID, SECOND_PROJECT_ID, Demo, Doc, hex_id, ts

__all__ = ["ALGORITHMS", "experiments", "random_params", "scored_trials"]

ALGORITHMS: tuple[tuple[str, dict[str, tuple[str, Any, Any]]], ...] = (
    (
        "sklearn.ensemble.RandomForestClassifier",
        {
            "n_estimators": ("int", 50, 400),
            "max_features": ("float", 0.05, 1.0),
            "min_samples_leaf": ("int", 1, 20),
            "min_samples_split": ("int", 2, 20),
            "bootstrap": ("bool", None, None),
        },
    ),
    (
        "sklearn.ensemble.ExtraTreesClassifier",
        {
            "n_estimators": ("int", 50, 400),
            "max_features": ("float", 0.05, 1.0),
            "min_samples_leaf": ("int", 1, 20),
            "criterion": ("choice", ("gini", "entropy"), None),
        },
    ),
    (
        "xgboost.XGBClassifier",
        {
            "max_depth": ("int", 3, 10),
            "learning_rate": ("float", 0.01, 0.3),
            "n_estimators": ("int", 60, 600),
            "subsample": ("float", 0.5, 1.0),
        },
    ),
    (
        "lightgbm.LGBMClassifier",
        {
            "num_leaves": ("int", 8, 128),
            "learning_rate": ("float", 0.01, 0.3),
            "reg_alpha": ("float", 0.001, 10.0),
        },
    ),
    (
        "sklearn.linear_model.LogisticRegression",
        {"C": ("float", 0.001, 25.0), "penalty": ("choice", ("l1", "l2"), None)},
    ),
    (
        "sklearn.svm.SVC",
        {
            "C": ("float", 0.0001, 25.0),
            "gamma": ("float", 0.0001, 25.0),
            "kernel": ("choice", ("rbf", "sigmoid", "poly"), None),
        },
    ),
)


def random_params(rng: random.Random, space: dict[str, tuple[str, Any, Any]]) -> Doc:
    """Hyperparameters drawn from ``space`` (``name: (kind, low, high)``)."""
    out: Doc = {}
    for name, (kind, lo, hi) in space.items():
        if kind == "int":
            out[name] = rng.randint(lo, hi)
        elif kind == "float":
            out[name] = round(rng.uniform(lo, hi), 6)
        elif kind == "bool":
            out[name] = rng.random() < 0.5
        else:
            out[name] = rng.choice(lo)
    return out


def experiments(demo: Demo, files: list[Doc], manifests: list[Doc]) -> list[Doc]:
    """One experiment per file, with its sessions; return the sessions."""
    rng, add = demo.rng, demo.add
    sessions: list[Doc] = []
    plan = [(DEMO_PROJECT_ID, files[i], manifests[i], 2) for i in range(3)]
    plan.append((SECOND_PROJECT_ID, files[3], manifests[0], 1))
    for e, (pid, pfile, dm, n_sessions) in enumerate(plan):
        exp = add(
            "experiment",
            {
                "id": hex_id(rng, 14),
                "name": f"{dm['name']}-experiment-{e + 1}",
                "project_id": pid,
                "project_file_id": pfile["id"],
                "data_path_url": pfile["url"],
                "search_space": {
                    "optimizers_space": {"auger_ml.optimizers.pso_optimizer.PSOOptimizer": {}}
                },
                "search_space_status": "success",
                "_dataset_manifest_id": dm["id"],
                "_project_id": pid,
            },
            ts(100 + e * 1000),
        )
        for s in range(n_sessions):
            status = "started" if (e, s) == (2, 1) else "completed"
            sessions.append(
                add(
                    "experiment_session",
                    {
                        "id": hex_id(rng, 14),
                        "number": s + 1,
                        "model_type": "classification",
                        "project_id": pid,
                        "project_file_id": pfile["id"],
                        "experiment_id": exp["id"],
                        "dataset_manifest_id": dm["id"],
                        "notebook_uid": exp["id"],
                        "status": status,
                        "message": "",
                        "datasource_name": dm["name"],
                        "model_settings": {
                            "scoring": "accuracy",
                            "max_n_trials": 0,
                            "start_time": "2024-01-08 09:00:00.000000",
                        },
                        "statistics": {"count": dm["statistics"]["count"]},
                        "dataset_statistics": {"count": dm["statistics"]["count"]},
                        "_project_id": pid,
                    },
                    ts(200 + e * 1000 + s * 300),
                )
            )
    return sessions


def scored_trials(
    demo: Demo, sessions: list[Doc], n_trials: int
) -> tuple[list[Doc], list[Doc], dict[str, list[Doc]]]:
    """``n_trials`` scored trials spread over the sessions (a few in project 2).

    Returns the trials, their hyperparameters and the trials by session; the sessions get their
    ``max_n_trials`` and ``top_score_value``.
    """
    rng = demo.rng
    demo_sessions = [s for s in sessions if s["project_id"] == DEMO_PROJECT_ID]
    other = [s for s in sessions if s["project_id"] == SECOND_PROJECT_ID]
    n_other = min(10, n_trials // 20)
    assignment = [other[0]] * n_other + [
        demo_sessions[i % len(demo_sessions)] for i in range(n_trials - n_other)
    ]
    trials: list[Doc] = []
    hyperparameters: list[Doc] = []
    best: dict[str, Doc] = {}
    for i, session in enumerate(assignment):
        alg, space = ALGORITHMS[rng.randrange(len(ALGORITHMS))]
        params = random_params(rng, space)
        hp = make(
            "hyperparameter",
            {
                "id": i + 1,
                "algorithm_name": alg,
                "algorithm_params": params,
                "algorithm_params_hash": hex_id(rng, 12),
            },
        )
        hyperparameters.append(hp)
        score = round(rng.betavariate(8, 2), 6)
        tid = hex_id(rng, 16)
        created = ts(400 + i * 2)
        trial = make(
            "trial",
            {
                "id": tid,
                "experiment_session_id": session["id"],
                "project_id": session["project_id"],
                "hyperparameter": hp,
                "score_name": "accuracy",
                "score_value": score,
                "task_type": "classification",
                "raw_data": {
                    "uid": tid,
                    "score": score,
                    "scoring": "accuracy",
                    "algorithm_name": alg,
                    "fold_scores": [round(score + rng.uniform(-0.02, 0.02), 4) for _ in range(3)],
                    "evaluation_time": round(rng.uniform(0.2, 60.0), 3),
                },
                "_project_id": session["project_id"],
            },
            created,
        )
        trials.append(trial)
        top = best.get(session["id"])
        if top is None or score > top["score_value"]:
            best[session["id"]] = trial
    by_session: dict[str, list[Doc]] = {}
    for trial in trials:
        by_session.setdefault(trial["experiment_session_id"], []).append(trial)
    for session in sessions:
        own = by_session.get(session["id"], [])
        session["model_settings"]["max_n_trials"] = len(own)
        if session["id"] in best:
            session["top_score_value"] = best[session["id"]]["score_value"]

    return trials, hyperparameters, by_session
