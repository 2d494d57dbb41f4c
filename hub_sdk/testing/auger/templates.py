"""What stored Auger documents look like: field templates, state machines and timestamps.

:func:`make` builds every stored document (``object``, ``deleted``, ``id``, then the template's
fields in the recorded order with their defaults); the seed and the handlers both go through it.
Fields marked :data:`COMPUTED` are filled in when a document is rendered (embedded objects,
state machines, deploy progress).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "COMPONENT_NAMES",
    "COMPUTED",
    "STATE_MACHINES",
    "TEMPLATES",
    "Doc",
    "iso",
    "make",
    "now_iso",
    "state_machine",
]

Doc = dict[str, Any]


def iso(dt: datetime) -> str:
    """Format a datetime as ISO 8601 UTC with milliseconds and ``Z``."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    """The current time as ISO 8601 UTC with milliseconds and ``Z``."""
    return iso(datetime.now(timezone.utc))


# Field templates: order and defaults of every stored object (the union of the recorded field
# sets). ``None`` placeholders marked COMPUTED are filled in when rendering.
COMPUTED = object()
TEMPLATES: dict[str, tuple[tuple[str, Any], ...]] = {
    "organization": (
        ("name", ""),
        ("subdomain", ""),
        ("main_bucket", ""),
        ("status", "created"),
        ("state_machine", COMPUTED),
        ("is_demo", False),
        ("is_jupyter_enabled", True),
        ("error_message", None),
    ),
    "project": (
        ("name", ""),
        ("url", ""),
        ("status", "undeployed"),
        ("deleting", False),
        ("state_machine", COMPUTED),
        ("deploy_progress", COMPUTED),
        ("services_status", COMPUTED),
        ("jobs_status", {"total": 0, "done": 0}),
        ("kube_service_port", None),
        ("organization_id", None),
        ("cluster_id", None),
        ("created_at", None),
        ("updated_at", None),
        ("components", COMPUTED),
        ("default_worker_nodes_count", None),
        ("default_workers_per_node_count", 0),
        ("default_instance_type", None),
        ("default_kubernetes_stack", None),
        ("cluster_autoterminate_minutes", 120),
        ("default_workers_count", None),
        ("default_worker_type_id", None),
    ),
    "component": (
        ("name", ""),
        ("status", "undeployed"),
        ("cluster_id", None),
        ("project_id", None),
    ),
    "pod_log": (("timestamp", None), ("pod_name", ""), ("project_id", None), ("data", "")),
    "project_file": (
        ("project_id", None),
        ("name", ""),
        ("url", ""),
        ("content_type", None),
        ("status", "processing"),
        ("image_url", None),
        ("industry", None),
        ("description", None),
        ("statistics", None),
        ("error_message", None),
        ("created_at", None),
        ("updated_at", None),
        ("providers", ["auger"]),
        ("providers_data", {"auger": None}),
    ),
    "dataset_manifest": (
        ("name", ""),
        ("display_name", ""),
        ("description", None),
        ("industry", None),
        ("image_url", None),
        ("dataset_url", None),
        ("metafeatures", {}),
        ("metafeatures_preprocess", None),
        ("statistics", {}),
        ("correlation_matrix", []),
        ("correlation_to_target", []),
    ),
    "experiment": (
        ("name", ""),
        ("project_id", None),
        ("project_file_id", None),
        ("data_path_url", None),
        ("search_space", None),
        ("search_space_status", "not_requested"),
        ("created_at", None),
        ("updated_at", None),
        ("dataset_manifest", COMPUTED),
    ),
    "experiment_session": (
        ("number", 1),
        ("model_type", None),
        ("top_score_value", None),
        ("starter_user_id", 1),
        ("project_id", None),
        ("project_file_id", None),
        ("experiment_id", None),
        ("dataset_manifest_id", None),
        ("notebook_uid", None),
        ("status", "waiting"),
        ("message", None),
        ("model_settings", {}),
        ("search_space", None),
        ("statistics", {}),
        ("dataset_statistics", None),
        ("correlation_to_target", None),
        ("correlation_to_target_status", "not_requested"),
        ("correlation_matrix", None),
        ("correlation_matrix_status", "not_requested"),
        ("datasource_name", ""),
        ("providers", ["auger"]),
        ("providers_data", {"auger": None}),
        ("created_at", None),
        ("updated_at", None),
        ("pipelines", COMPUTED),
    ),
    "hyperparameter": (
        ("algorithm_name", ""),
        ("algorithm_params", {}),
        ("algorithm_params_hash", None),
    ),
    "trial": (
        ("experiment_session_id", None),
        ("project_id", None),
        ("hyperparameter", None),
        ("score_name", ""),
        ("score_value", 0.0),
        ("task_type", "classification"),
        ("metrics", None),
        ("metrics_status", "not_requested"),
        ("pdf_data", None),
        ("pdf_data_status", "not_requested"),
        ("raw_data", {}),
        ("trial_metrics_count", 0),
        ("provider", "auger"),
        ("created_at", None),
        ("updated_at", None),
    ),
    "pipeline": (
        ("status", "creating_files"),
        ("lambda_package_s3_path", None),
        ("project_id", None),
        ("organization_id", None),
        ("trial", COMPUTED),
        ("datasource_manifest_name", ""),
        ("error_message", None),
        ("created_at", None),
        ("updated_at", None),
    ),
    "pipeline_file": (
        ("model_path", None),
        ("model_path_status", "pending"),
        ("s3_model_path", None),
        ("s3_model_path_status", "not_requested"),
        ("signed_s3_model_path", None),
        ("signed_s3_model_path_status", "not_requested"),
        ("error_message", None),
        ("experiment_session_id", None),
        ("trial_id", None),
        ("created_at", None),
        ("updated_at", None),
    ),
    "prediction": (
        ("pipeline_id", None),
        ("status", "requested"),
        ("records_count", 0),
        ("time_consumed_ms", None),
        ("result", None),
    ),
    "prediction_group": (
        ("pipeline_id", None),
        ("endpoint_id", None),
        ("status", "running"),
        ("records_count", 0),
        ("time_consumed_ms", None),
        ("result", None),
        ("error_message", None),
        ("created_at", None),
        ("predicted_at", None),
    ),
    "endpoint": (
        ("name", None),
        ("project_id", None),
        ("dataset_signature", ""),
        ("organization_id", None),
        ("primary_pipeline_id", None),
        ("primary_experiment_session_id", None),
        ("avg_prediction_time_ms", None),
        ("created_at", None),
        ("updated_at", None),
        ("stats", None),
        ("daily_model_performance", None),
        ("daily_feature_distribution", None),
        ("endpoint_pipelines", COMPUTED),
    ),
    "endpoint_pipeline": (
        ("endpoint_id", None),
        ("pipeline_id", None),
        ("active", False),
        ("created_at", None),
        ("updated_at", None),
    ),
    "review_alert": (
        ("endpoint_id", None),
        ("kind", ""),
        ("threshold", 0.0),
        ("sensitivity", 24),
        ("actions", "no_actions"),
        ("notifications", "no_notifications"),
        ("active", True),
        ("created_at", None),
        ("updated_at", None),
    ),
    "review_alert_item": (
        ("endpoint_id", None),
        ("review_alert_id", None),
        ("opened_at", None),
        ("kind", ""),
        ("threshold", 0.0),
        ("sensitivity", 0),
        ("values", []),
        ("action_results", None),
        ("notification_results", None),
        ("created_at", None),
        ("updated_at", None),
    ),
    "cluster_task": (
        ("external_uid", None),
        ("cluster_id", None),
        ("project_id", None),
        ("queue", None),
        ("status", "pending"),
        ("name", ""),
        ("args", None),
        ("result", None),
        ("exception", None),
    ),
    "cluster_status": (
        ("cluster_id", None),
        ("cpu", 0),
        ("cpu_status", "normal"),
        ("memory", 0),
        ("memory_status", "normal"),
        ("created_at", None),
        ("slave_data", {}),
        ("pods_data", []),
    ),
    "cluster": (
        ("name", ""),
        ("status", "waiting"),
        ("error_message", None),
        ("organization_id", None),
        ("created_by", COMPUTED),
        ("worker_nodes_count", 1),
        ("workers_per_node_count", 1),
        ("total_memory_mb", 3814),
        ("instance_type", COMPUTED),
        ("uptime_seconds", 0),
        ("seconds_since_created", 0),
        ("ip_address", None),
        ("file_uploader_service", None),
        ("components", []),
        ("docker_image_tag", "stable"),
        ("created_at", None),
        ("updated_at", None),
        ("platform", "aws"),
        ("project_name", None),
        ("autoterminate_minutes", 0),
        ("state_machine", COMPUTED),
    ),
    "user": (
        ("email", ""),
        ("unconfirmed_email", None),
        ("created_at", None),
        ("company_name", None),
        ("name", None),
        ("selected_plan", "free"),
        ("confirmation_required", False),
    ),
    "instance_type": (("description", ""),),
    "warm_start_request": (
        ("score_name", ""),
        ("limit", 10),
        ("status", "requested"),
        ("time_consumed_ms", None),
        ("hyperparameters", []),
    ),
    "similar_trials_request": (
        ("algorithm_name", ""),
        ("algorithm_params_hash", ""),
        ("limit", 5),
        ("status", "requested"),
        ("time_consumed_ms", None),
        ("trials", []),
    ),
    "trial_search": (
        ("status", "requested"),
        ("trials_total_count", 0),
        ("trials_limit", 10),
        ("search_space", {}),
        ("dataset_metafeatures", {}),
        ("trials_history", []),
        ("next_trials", None),
    ),
    "project_run": (
        ("project_id", None),
        ("notebook_uid", ""),
        ("status", "running"),
        ("message", None),
        ("leaderbord", {}),
        ("model_settings", {}),
    ),
    "actual": (
        ("pipeline_id", None),
        ("endpoint_id", None),
        ("prediction_id", None),
        ("actual", None),
        ("created_at", None),
    ),
}

# status -> (label, possible transitions) of the objects that embed a ``state_machine``
STATE_MACHINES: dict[str, dict[str, tuple[str, list[tuple[str, str]]]]] = {
    "organization": {
        "created": ("Created", [("terminate", "remove")]),
        "waiting": ("Waiting", []),
        "terminating": ("Terminating", []),
    },
    "project": {
        "undeployed": ("Stopped", [("deploy", "start")]),
        "deploying": ("Starting", []),
        "deployed": ("Running", [("undeploy", "stop")]),
        "undeploying": ("Stopping", []),
    },
    "cluster": {
        "waiting": ("Waiting", [("terminate", "terminate")]),
        "running": ("Running", [("terminate", "terminate")]),
        "error": ("Error", [("terminate", "terminate")]),
        "terminating": ("Terminating", []),
    },
}
# the services a project deploy starts (rendered as the project's ``components``)
COMPONENT_NAMES = ("flower-api", "redis", "credentials", "augerml")


def make(kind: str, values: Mapping[str, Any], ts: str | None = None) -> Doc:
    """Build a stored document of ``kind``: ``object``, ``deleted``, ``id``, then the template.

    ``values`` override template defaults; private (``_``) keys are kept; unknown keys dropped.
    """
    ts = ts or now_iso()
    doc: Doc = {"object": kind, "deleted": False, "id": values["id"]}
    for name, default in TEMPLATES[kind]:
        if name in values:
            doc[name] = values[name]
        elif default is COMPUTED:
            doc[name] = None
        elif name in ("created_at", "updated_at", "predicted_at"):
            doc[name] = ts
        else:
            doc[name] = (
                json.loads(json.dumps(default)) if isinstance(default, (dict, list)) else default
            )
    if kind in ("organization", "component"):
        doc["created_at"] = values.get("created_at", ts)
        doc["updated_at"] = values.get("updated_at", ts)
    for name, value in values.items():
        if name.startswith("_"):
            doc[name] = value
    return doc


def state_machine(kind: str, status: str) -> Doc:
    """The embedded ``state_machine`` value object for a status."""
    label, transitions = STATE_MACHINES[kind].get(status, (status.title(), []))
    return {
        "object": "state_machine",
        "deleted": False,
        "current_state": {"id": status, "name": label},
        "possible_transitions": [{"id": i, "name": n} for i, n in transitions],
    }
