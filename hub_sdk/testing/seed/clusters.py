"""Clusters: tasks queued on the demo cluster, its pods' logs and its resource statuses."""

from __future__ import annotations

from .base import DEMO_CLUSTER_ID, DEMO_PROJECT_ID, Demo, Doc, ts, uuid_id

__all__ = ["PODS", "cluster_statuses", "cluster_tasks", "pod_logs"]

PODS = (
    "augerml-trials-worker-6d5f",
    "augerml-optimizers-worker-86cd",
    "augerml-pipeline-packager-8d9b",
)


def cluster_tasks(demo: Demo, sessions: list[Doc]) -> None:
    """Three tasks of the first session (two done, one pending)."""
    rng, add = demo.rng, demo.add
    for k, (name, status) in enumerate(
        (
            ("auger_ml.tasks_queue.tasks.list_project_files", "success"),
            ("auger_ml.tasks_queue.tasks.evaluate_start_task", "success"),
            ("auger_ml.tasks_queue.tasks.build_pipeline_task", "pending"),
        )
    ):
        add(
            "cluster_task",
            {
                "id": k + 1,
                "external_uid": uuid_id(rng),
                "cluster_id": DEMO_CLUSTER_ID,
                "project_id": DEMO_PROJECT_ID,
                "status": status,
                "name": name,
                "args": [{"augerInfo": {"experiment_session_id": sessions[0]["id"]}}],
                "result": {"ok": True} if status == "success" else None,
                "_project_id": DEMO_PROJECT_ID,
            },
            ts(63000 + k),
        )


def pod_logs(demo: Demo) -> None:
    """Twenty log lines of the demo project's pods."""
    add = demo.add
    for k in range(20):
        add(
            "pod_log",
            {
                "id": k + 1,
                "timestamp": ts(64000 + k * 7),
                "pod_name": PODS[k % 3],
                "project_id": DEMO_PROJECT_ID,
                "data": f"[{ts(64000 + k * 7)}: INFO/MainProcess] step {k + 1} done\n",
                "_project_id": DEMO_PROJECT_ID,
            },
            ts(64000 + k * 7),
        )


def cluster_statuses(demo: Demo) -> None:
    """Five CPU and memory snapshots of the demo cluster."""
    rng, add = demo.rng, demo.add
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
                    for p in PODS
                ],
            },
            ts(65000 + k * 60),
        )
