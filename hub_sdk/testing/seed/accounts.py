"""The account LocalHub always has: its user, instance types, organization, cluster, project."""

from __future__ import annotations

from ..auger import hash_password, make
from ..store import Store
from .base import DEMO_CLUSTER_ID, DEMO_ORG_ID, DEMO_PROJECT_ID, DEMO_USER_EMAIL, ts

__all__ = ["INSTANCE_TYPES", "bootstrap"]

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
                ts(0),
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
                    "created_at": ts(1),
                    "updated_at": ts(1),
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
                ts(2),
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
                ts(3),
            ),
        )
    return DEMO_USER_EMAIL
