"""Serving: pipelines of the best trials, the demo endpoint, its predictions and review alerts."""

from __future__ import annotations

from .base import DEMO_ORG_ID, DEMO_PROJECT_ID, Demo, Doc, hex_id, ts, uuid_id

__all__ = ["demo_endpoint", "pipelines", "predictions", "review_alerts"]


def pipelines(demo: Demo, sessions: list[Doc], by_session: dict[str, list[Doc]]) -> list[Doc]:
    """Pipelines for the top 2 trials of every completed session."""
    rng, add = demo.rng, demo.add
    pipelines: list[Doc] = []
    for s_index, session in enumerate(sessions):
        if session["status"] != "completed":
            continue
        top2 = sorted(by_session.get(session["id"], []), key=lambda t: -t["score_value"])[:2]
        for k, trial in enumerate(top2):
            pipe_id = hex_id(rng, 16)
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
                    ts(50000 + s_index * 100 + k),
                )
            )
    return pipelines


def demo_endpoint(demo: Demo, pipelines: list[Doc]) -> Doc | None:
    """The demo endpoint on the demo project's first two pipelines (None without pipelines)."""
    rng, add = demo.rng, demo.add
    demo_pipes = [p for p in pipelines if p["project_id"] == DEMO_PROJECT_ID]
    if not demo_pipes:
        return None
    primary = demo_pipes[0]
    endpoint = add(
        "endpoint",
        {
            "id": uuid_id(rng),
            "name": "demo-endpoint",
            "project_id": DEMO_PROJECT_ID,
            "dataset_signature": hex_id(rng, 32),
            "organization_id": DEMO_ORG_ID,
            "primary_pipeline_id": primary["id"],
            "primary_experiment_session_id": primary["_experiment_session_id"],
            "avg_prediction_time_ms": 42,
            "_project_id": DEMO_PROJECT_ID,
        },
        ts(60000),
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
            ts(60010 + k),
        )
    return endpoint


def predictions(demo: Demo, endpoint: Doc) -> None:
    """Prediction groups (every other one through the endpoint) and predictions."""
    rng, add = demo.rng, demo.add
    pipeline_id = endpoint["primary_pipeline_id"]
    for k in range(6):
        records = [[round(rng.uniform(0, 8), 2) for _ in range(4)] for _ in range(k % 3 + 1)]
        features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        preds = [[*r, rng.choice(["setosa", "versicolor", "virginica"])] for r in records]
        add(
            "prediction_group",
            {
                "id": uuid_id(rng),
                "pipeline_id": pipeline_id,
                "endpoint_id": endpoint["id"] if k % 2 == 0 else None,
                "status": "processed",
                "records_count": len(records),
                "time_consumed_ms": rng.randint(10, 900),
                "result": {"columns": [*features, "prediction"], "data": preds},
                "_project_id": DEMO_PROJECT_ID,
            },
            ts(61000 + k * 60),
        )
    for k in range(2):
        add(
            "prediction",
            {
                "id": k + 1,
                "pipeline_id": pipeline_id,
                "status": "processed",
                "records_count": 2,
                "time_consumed_ms": 15 + k,
                "result": {"columns": ["x1", "prediction"], "data": [[1.0, 0], [2.0, 1]]},
                "_project_id": DEMO_PROJECT_ID,
            },
            ts(61500 + k),
        )


def review_alerts(demo: Demo, endpoint: Doc) -> None:
    """Two review alerts on the endpoint and three alert items."""
    rng, add = demo.rng, demo.add
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
            ts(62000),
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
            ts(62010),
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
                "opened_at": ts(86400 * (k + 1)),
                "kind": alert["kind"],
                "threshold": alert["threshold"],
                "sensitivity": alert["sensitivity"],
                "values": [round(rng.uniform(0.5, 0.9), 2) for _ in range(3)],
                "_project_id": DEMO_PROJECT_ID,
            },
            ts(86400 * (k + 1) + 60),
        )
