"""Deterministic data for LocalHub: the bootstrap account and the ``demo`` data set.

:func:`bootstrap` always runs: one user (the ``/tokens`` login), the instance-type catalogue,
organization 1, cluster 1 and project 1 (the project the hub's ``project_token`` is scoped to).
:func:`load_demo` adds a realistic project: dataset manifests, project files, experiments,
experiment sessions with ``size`` trials in total (hyperparameters embedded, scores), pipelines
for the top trials, an endpoint with endpoint pipelines, prediction groups, review alerts and
items, cluster tasks, cluster statuses, pod logs, and a second project (for scoping tests).
Every value comes from a fixed RNG seed and fixed timestamps, so two loads are identical;
10,000-100,000 trials load in seconds (one transaction, ``executemany``).
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from .auger import hash_password, iso, make
from .store import Store

__all__ = ["DEMO_PROJECT_ID", "DEMO_USER_EMAIL", "bootstrap", "load_demo"]

Doc = dict[str, Any]

DEMO_USER_EMAIL = "demo@localhub.test"
DEMO_ORG_ID = 1
DEMO_PROJECT_ID = 1
SECOND_PROJECT_ID = 2
DEMO_CLUSTER_ID = 1
DEFAULT_SIZE = 300
_BASE = datetime(2024, 1, 8, 9, 0, 0, tzinfo=timezone.utc)

INSTANCE_TYPES = (
    ("t2.medium", "2xCPU 4.0 GB RAM"),
    ("t2.large", "2xCPU 8.0 GB RAM"),
    ("c5.large", "2xCPU 4.0 GB RAM"),
    ("c5.xlarge", "4xCPU 8.0 GB RAM"),
    ("c5.2xlarge", "8xCPU 16.0 GB RAM"),
    ("c5.4xlarge", "16xCPU 32.0 GB RAM"),
    ("m5.large", "2xCPU 8.0 GB RAM"),
    ("m5.xlarge", "4xCPU 16.0 GB RAM"),
    ("m5.2xlarge", "8xCPU 32.0 GB RAM"),
    ("r5.large", "2xCPU 16.0 GB RAM"),
    ("r5.xlarge", "4xCPU 32.0 GB RAM"),
    ("p3.2xlarge", "8xCPU 61.0 GB RAM 1xV100"),
)

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


def _ts(seconds: float) -> str:
    return iso(_BASE + timedelta(seconds=seconds))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def bootstrap(store: Store, password: str) -> str:
    """Create the account records LocalHub always needs (once); return the user's e-mail."""
    user = store.get("user", 1)
    if user is not None:
        return str(user["email"])
    with store.transaction():
        store.insert(
            "user",
            make(
                "user",
                {
                    "id": 1,
                    "email": DEMO_USER_EMAIL,
                    "name": "Demo User",
                    "_password": hash_password(password),
                },
                _ts(0),
            ),
        )
        store.insert_many(
            "instance_type",
            [make("instance_type", {"id": i, "description": d}) for i, d in INSTANCE_TYPES],
        )
        store.insert(
            "organization",
            make(
                "organization",
                {
                    "id": DEMO_ORG_ID,
                    "name": "localhub",
                    "subdomain": "localhub",
                    "main_bucket": "auger-localhub-demo01",
                    "status": "created",
                    "is_demo": True,
                    "created_at": _ts(1),
                    "updated_at": _ts(1),
                },
            ),
        )
        store.insert(
            "cluster",
            make(
                "cluster",
                {
                    "id": DEMO_CLUSTER_ID,
                    "name": "localhub-cluster",
                    "status": "running",
                    "organization_id": DEMO_ORG_ID,
                    "worker_nodes_count": 2,
                    "workers_per_node_count": 2,
                    "total_memory_mb": 7629,
                    "uptime_seconds": 86400,
                    "seconds_since_created": 86400,
                    "file_uploader_service": {"url": None, "params": {"auger_token": "0" * 64}},
                    "project_name": "demo-project",
                    "_instance_type": "c5.xlarge",
                    "_created_by": 1,
                },
                _ts(2),
            ),
        )
        store.insert(
            "project",
            make(
                "project",
                {
                    "id": DEMO_PROJECT_ID,
                    "name": "demo-project",
                    "url": "https://demo-project-project.localhub.test/?",
                    "organization_id": DEMO_ORG_ID,
                    "cluster_id": DEMO_CLUSTER_ID,
                    "default_kubernetes_stack": "stable",
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(3),
            ),
        )
    return DEMO_USER_EMAIL


def _params(rng: random.Random, space: dict[str, tuple[str, Any, Any]]) -> Doc:
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


def load_demo(store: Store, size: int | None = None) -> dict[str, int]:
    """Load the demo data set (``size`` trials in total); return the number of docs per kind."""
    n_trials = DEFAULT_SIZE if size is None else max(0, int(size))
    rng = random.Random(20240108)
    docs: dict[str, list[Doc]] = {}

    def add(kind: str, values: Doc, ts: str) -> Doc:
        doc = make(kind, values, ts)
        docs.setdefault(kind, []).append(doc)
        return doc

    add(
        "project",
        {
            "id": SECOND_PROJECT_ID,
            "name": "second-project",
            "url": "https://second-project-project.localhub.test/?",
            "organization_id": DEMO_ORG_ID,
            "cluster_autoterminate_minutes": 30,
            "_project_id": SECOND_PROJECT_ID,
        },
        _ts(10),
    )
    manifests = []
    for i, (name, cols) in enumerate((("iris", 5), ("adult", 15), ("bike-sharing", 16))):
        stats = {
            "count": 150 * (i + 1) * 7,
            "stat_data": [
                {
                    "use": True,
                    "datatype": "float" if c else "string",
                    "column_name": f"col_{c}",
                    "orig_datatype": "float",
                    "unique_values": rng.randint(3, 500),
                }
                for c in range(cols)
            ],
        }
        manifests.append(
            add(
                "dataset_manifest",
                {
                    "id": _hex(rng, 10),
                    "name": name,
                    "display_name": f"{name.title()} dataset",
                    "dataset_url": f"s3://auger-localhub-demo01/workspace/datasets/{name}.csv",
                    "metafeatures": {"n_rows": stats["count"], "n_cols": cols},
                    "statistics": stats,
                    "correlation_matrix": [
                        [f"{rng.uniform(-1, 1):.2f}" for _ in range(3)] for _ in range(3)
                    ],
                    "correlation_to_target": [
                        [f"col_{c}", f"{rng.uniform(-1, 1):.2f}"] for c in range(3)
                    ],
                },
                _ts(20 + i),
            )
        )
    files = []
    for i, dm in enumerate(manifests):
        files.append(
            add(
                "project_file",
                {
                    "id": i + 1,
                    "project_id": DEMO_PROJECT_ID,
                    "name": dm["name"],
                    "url": f"s3://auger-localhub-demo01/workspace/projects/demo-project/files/{dm['name']}.csv",
                    "content_type": "text/csv",
                    "status": "processed",
                    "statistics": {"count": dm["statistics"]["count"]},
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(30 + i),
            )
        )
    files.append(
        add(
            "project_file",
            {
                "id": 4,
                "project_id": SECOND_PROJECT_ID,
                "name": "other",
                "url": "s3://auger-localhub-demo01/workspace/projects/second-project/files/other.csv",
                "content_type": "text/csv",
                "status": "processed",
                "_project_id": SECOND_PROJECT_ID,
            },
            _ts(34),
        )
    )

    # experiments and sessions: 3 x 2 in the demo project, 1 x 1 in the second project
    sessions: list[Doc] = []
    plan = [(DEMO_PROJECT_ID, files[i], manifests[i], 2) for i in range(3)]
    plan.append((SECOND_PROJECT_ID, files[3], manifests[0], 1))
    number = 0
    for e, (pid, pfile, dm, n_sessions) in enumerate(plan):
        exp = add(
            "experiment",
            {
                "id": _hex(rng, 14),
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
            _ts(100 + e * 1000),
        )
        for s in range(n_sessions):
            number += 1
            status = "started" if (e, s) == (2, 1) else "completed"
            sessions.append(
                add(
                    "experiment_session",
                    {
                        "id": _hex(rng, 14),
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
                    _ts(200 + e * 1000 + s * 300),
                )
            )

    # trials: the second project gets a few, the rest is spread over the demo sessions
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
        params = _params(rng, space)
        hp = make(
            "hyperparameter",
            {
                "id": i + 1,
                "algorithm_name": alg,
                "algorithm_params": params,
                "algorithm_params_hash": _hex(rng, 12),
            },
        )
        hyperparameters.append(hp)
        score = round(rng.betavariate(8, 2), 6)
        tid = _hex(rng, 16)
        ts = _ts(400 + i * 2)
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
            ts,
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

    # pipelines for the top 2 trials of every completed session
    pipelines: list[Doc] = []
    for s_index, session in enumerate(sessions):
        if session["status"] != "completed":
            continue
        top2 = sorted(by_session.get(session["id"], []), key=lambda t: -t["score_value"])[:2]
        for k, trial in enumerate(top2):
            pipe_id = _hex(rng, 16)
            pipelines.append(
                add(
                    "pipeline",
                    {
                        "id": pipe_id,
                        "status": "ready",
                        "lambda_package_s3_path": f"workspace/pipelines/{pipe_id}.zip",
                        "project_id": session["project_id"],
                        "organization_id": DEMO_ORG_ID,
                        "datasource_manifest_name": session["datasource_name"],
                        "_trial_id": trial["id"],
                        "_experiment_session_id": session["id"],
                        "_project_id": session["project_id"],
                    },
                    _ts(50000 + s_index * 100 + k),
                )
            )
    demo_pipes = [p for p in pipelines if p["project_id"] == DEMO_PROJECT_ID]

    counter = {"cluster_task": 0, "prediction_group": 0}
    if demo_pipes:
        primary = demo_pipes[0]
        endpoint = add(
            "endpoint",
            {
                "id": _uuid(rng),
                "name": "demo-endpoint",
                "project_id": DEMO_PROJECT_ID,
                "dataset_signature": _hex(rng, 32),
                "organization_id": DEMO_ORG_ID,
                "primary_pipeline_id": primary["id"],
                "primary_experiment_session_id": primary["_experiment_session_id"],
                "avg_prediction_time_ms": 42,
                "_project_id": DEMO_PROJECT_ID,
            },
            _ts(60000),
        )
        for k, pipe in enumerate(demo_pipes[:2]):
            add(
                "endpoint_pipeline",
                {
                    "id": k + 1,
                    "endpoint_id": endpoint["id"],
                    "pipeline_id": pipe["id"],
                    "active": k == 0,
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(60010 + k),
            )
        for k in range(6):
            records = [[round(rng.uniform(0, 8), 2) for _ in range(4)] for _ in range(k % 3 + 1)]
            features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            preds = [[*r, rng.choice(["setosa", "versicolor", "virginica"])] for r in records]
            counter["prediction_group"] += 1
            add(
                "prediction_group",
                {
                    "id": _uuid(rng),
                    "pipeline_id": primary["id"],
                    "endpoint_id": endpoint["id"] if k % 2 == 0 else None,
                    "status": "processed",
                    "records_count": len(records),
                    "time_consumed_ms": rng.randint(10, 900),
                    "result": {"columns": [*features, "prediction"], "data": preds},
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(61000 + k * 60),
            )
        for k in range(2):
            add(
                "prediction",
                {
                    "id": k + 1,
                    "pipeline_id": primary["id"],
                    "status": "processed",
                    "records_count": 2,
                    "time_consumed_ms": 15 + k,
                    "result": {"columns": ["x1", "prediction"], "data": [[1.0, 0], [2.0, 1]]},
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(61500 + k),
            )
        alerts = [
            add(
                "review_alert",
                {
                    "id": 1,
                    "endpoint_id": endpoint["id"],
                    "kind": "model_accuracy",
                    "threshold": 0.9,
                    "sensitivity": 72,
                    "actions": "retrain",
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(62000),
            ),
            add(
                "review_alert",
                {
                    "id": 2,
                    "endpoint_id": endpoint["id"],
                    "kind": "runtime_errors_burst",
                    "threshold": 3.0,
                    "sensitivity": 48,
                    "actions": "no_actions",
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(62010),
            ),
        ]
        for k in range(3):
            alert = alerts[k % 2]
            add(
                "review_alert_item",
                {
                    "id": k + 1,
                    "endpoint_id": endpoint["id"],
                    "review_alert_id": alert["id"],
                    "opened_at": _ts(86400 * (k + 1)),
                    "kind": alert["kind"],
                    "threshold": alert["threshold"],
                    "sensitivity": alert["sensitivity"],
                    "values": [round(rng.uniform(0.5, 0.9), 2) for _ in range(3)],
                    "_project_id": DEMO_PROJECT_ID,
                },
                _ts(86400 * (k + 1) + 60),
            )
    for k, (name, status) in enumerate(
        (
            ("auger_ml.tasks_queue.tasks.list_project_files", "success"),
            ("auger_ml.tasks_queue.tasks.evaluate_start_task", "success"),
            ("auger_ml.tasks_queue.tasks.build_pipeline_task", "pending"),
        )
    ):
        counter["cluster_task"] += 1
        add(
            "cluster_task",
            {
                "id": k + 1,
                "external_uid": _uuid(rng),
                "cluster_id": DEMO_CLUSTER_ID,
                "project_id": DEMO_PROJECT_ID,
                "status": status,
                "name": name,
                "args": [{"augerInfo": {"experiment_session_id": sessions[0]["id"]}}],
                "result": {"ok": True} if status == "success" else None,
                "_project_id": DEMO_PROJECT_ID,
            },
            _ts(63000 + k),
        )
    pods = (
        "augerml-trials-worker-6d5f",
        "augerml-optimizers-worker-86cd",
        "augerml-pipeline-packager-8d9b",
    )
    for k in range(20):
        add(
            "pod_log",
            {
                "id": k + 1,
                "timestamp": _ts(64000 + k * 7),
                "pod_name": pods[k % 3],
                "project_id": DEMO_PROJECT_ID,
                "data": f"[{_ts(64000 + k * 7)}: INFO/MainProcess] step {k + 1} done\n",
                "_project_id": DEMO_PROJECT_ID,
            },
            _ts(64000 + k * 7),
        )
    for k in range(5):
        add(
            "cluster_status",
            {
                "id": k + 1,
                "cluster_id": DEMO_CLUSTER_ID,
                "cpu": rng.randint(1, 90),
                "cpu_status": "normal",
                "memory": rng.randint(10, 80),
                "memory_status": "normal",
                "slave_data": {
                    "node-1": {
                        "cpu": round(rng.uniform(0, 4), 4),
                        "memory": round(rng.uniform(0, 60), 4),
                    }
                },
                "pods_data": [
                    {
                        "cpu": round(rng.uniform(0, 0.1), 6),
                        "name": p,
                        "memory": round(rng.uniform(0, 5), 4),
                        "namespace": "demo-project",
                    }
                    for p in pods
                ],
            },
            _ts(65000 + k * 60),
        )
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
                    "algorithm_params": _params(rng, ALGORITHMS[0][1]),
                }
                for _ in range(2)
            ],
        },
        _ts(66000),
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
        _ts(66100),
    )
    add(
        "similar_trials_request",
        {
            "id": 1,
            "algorithm_name": ALGORITHMS[0][0],
            "algorithm_params_hash": _hex(rng, 15),
            "limit": 5,
            "status": "done",
            "time_consumed_ms": 21,
            "trials": [],
        },
        _ts(66200),
    )
    add(
        "project_run",
        {
            "id": 1,
            "project_id": DEMO_PROJECT_ID,
            "notebook_uid": docs["experiment"][0]["id"],
            "status": "completed",
            "message": None,
            "leaderbord": {},
            "model_settings": {},
        },
        _ts(66300),
    )
    docs["project_run"][0]["_project_id"] = DEMO_PROJECT_ID

    with store.transaction():
        for kind, items in docs.items():
            store.insert_many(kind, items)
        store.insert_many("hyperparameter", hyperparameters)
        store.insert_many("trial", trials)
    counts = {kind: len(items) for kind, items in docs.items()}
    counts["hyperparameter"] = len(hyperparameters)
    counts["trial"] = len(trials)
    return counts
