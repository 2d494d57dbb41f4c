"""The Auger resource catalogue: which collections exist, their ids, actions, filters, writables.

One :class:`Spec` per REST collection under ``/api/v1`` (as recorded in
``../shared/hub-api/HUB_API.md``). The generic CRUD handlers of :mod:`.engine.crud` serve every
action a spec lists; the field order and defaults of the stored documents are in
:mod:`.templates`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "MAX_LIMIT",
    "MODEL_BY_KIND",
    "SPECS",
    "SPEC_BY_KIND",
    "STATUS_OBJECTS",
    "Spec",
    "id_type",
    "index_fields",
]

MAX_LIMIT = 1000  # a listing's ``limit`` is capped here (and echoed as applied)

# ``GET /api/v1/status?object=<Model>&id=...``: the models it answers for, and their kinds
STATUS_OBJECTS = {
    "Cluster": "cluster",
    "ClusterTask": "cluster_task",
    "Component": "component",
    "ExperimentSession": "experiment_session",
    "Organization": "organization",
    "Pipeline": "pipeline",
    "Project": "project",
    "ProjectFile": "project_file",
    "SimilarTrialsRequest": "similar_trials_request",
    "Subscription": "subscription",
    "WarmStartRequest": "warm_start_request",
}


@dataclass(frozen=True)
class Spec:
    """Declarative description of one REST resource."""

    kind: str
    path: str
    model: str
    id_type: str  # "int" | "str" | "uuid" | "natural"
    actions: tuple[str, ...]
    scoped: bool = True
    filters: Mapping[str, tuple[str, type]] = field(default_factory=dict)
    writable: tuple[str, ...] = ()


_I, _S, _B = int, str, bool
SPECS: tuple[Spec, ...] = (
    Spec(
        "organization",
        "organizations",
        "Organization",
        "int",
        ("index", "show", "create", "update", "delete"),
        scoped=False,
        writable=("name", "subdomain", "is_jupyter_enabled"),
    ),
    Spec(
        "project",
        "projects",
        "Project",
        "int",
        ("index", "show", "create", "update", "delete"),
        filters={"organization_id": ("organization_id", _I)},
        writable=(
            "name",
            "default_worker_nodes_count",
            "default_workers_per_node_count",
            "default_instance_type",
            "default_kubernetes_stack",
            "cluster_autoterminate_minutes",
        ),
    ),
    Spec(
        "pod_log",
        "pod_logs",
        "PodLog",
        "int",
        ("index",),
        filters={"project_id": ("project_id", _I)},
    ),
    Spec(
        "project_file",
        "project_files",
        "ProjectFile",
        "int",
        ("index", "show", "create", "delete"),
        filters={"project_id": ("project_id", _I)},
    ),
    Spec(
        "dataset_manifest",
        "dataset_manifests",
        "DatasetManifest",
        "str",
        ("index", "show", "create", "update"),
        scoped=False,
        writable=(
            "name",
            "display_name",
            "description",
            "industry",
            "image_url",
            "dataset_url",
            "metafeatures",
            "metafeatures_preprocess",
            "statistics",
            "correlation_matrix",
            "correlation_to_target",
        ),
    ),
    Spec(
        "experiment",
        "experiments",
        "Experiment",
        "str",
        ("index", "show", "create", "update", "delete"),
        filters={"project_id": ("project_id", _I)},
        writable=("name", "search_space", "search_space_status"),
    ),
    Spec(
        "experiment_session",
        "experiment_sessions",
        "ExperimentSession",
        "str",
        ("index", "show", "create", "update"),
        filters={
            "project_id": ("project_id", _I),
            "experiment_id": ("experiment_id", _S),
            "status": ("status", _S),
        },
        writable=(
            "status",
            "message",
            "model_settings",
            "model_type",
            "search_space",
            "statistics",
            "dataset_statistics",
            "top_score_value",
        ),
    ),
    Spec(
        "hyperparameter",
        "hyperparameters",
        "Hyperparameter",
        "int",
        ("index", "show", "create"),
        scoped=False,
    ),
    Spec(
        "trial",
        "trials",
        "Trial",
        "str",
        ("index", "show", "create", "update"),
        filters={
            "experiment_session_id": ("experiment_session_id", _S),
            "project_id": ("project_id", _I),
        },
    ),
    Spec(
        "pipeline",
        "pipelines",
        "Pipeline",
        "str",
        ("index", "show", "create", "update"),
        filters={
            "project_id": ("project_id", _I),
            "trial_id": ("_trial_id", _S),
            "experiment_session_id": ("_experiment_session_id", _S),
            "status": ("status", _S),
        },
        writable=("status", "error_message", "lambda_package_s3_path"),
    ),
    Spec(
        "pipeline_file",
        "pipeline_files",
        "PipelineFile",
        "int",
        ("index", "show", "create"),
        filters={
            "trial_id": ("trial_id", _S),
            "experiment_session_id": ("experiment_session_id", _S),
        },
    ),
    Spec(
        "prediction",
        "predictions",
        "Prediction",
        "int",
        ("index", "show", "create"),
        filters={"pipeline_id": ("pipeline_id", _S)},
    ),
    Spec(
        "prediction_group",
        "prediction_groups",
        "PredictionGroup",
        "uuid",
        ("index", "show", "create"),
        filters={"pipeline_id": ("pipeline_id", _S), "endpoint_id": ("endpoint_id", _S)},
    ),
    Spec(
        "endpoint",
        "endpoints",
        "Endpoint",
        "uuid",
        ("index", "show", "create", "update", "delete"),
        filters={"project_id": ("project_id", _I)},
        writable=("name",),
    ),
    Spec(
        "endpoint_pipeline",
        "endpoint_pipelines",
        "EndpointPipeline",
        "int",
        ("create", "update", "delete"),
        writable=("active",),
    ),
    Spec(
        "review_alert",
        "review_alerts",
        "ReviewAlert",
        "int",
        ("index", "show", "create", "update", "delete"),
        filters={"endpoint_id": ("endpoint_id", _S)},
        writable=("kind", "threshold", "sensitivity", "actions", "notifications", "active"),
    ),
    Spec(
        "review_alert_item",
        "review_alert_items",
        "ReviewAlertItem",
        "int",
        ("index", "show"),
        filters={"endpoint_id": ("endpoint_id", _S), "review_alert_id": ("review_alert_id", _I)},
    ),
    Spec(
        "cluster_task",
        "cluster_tasks",
        "ClusterTask",
        "int",
        ("index", "show", "create", "update"),
        filters={"project_id": ("project_id", _I), "status": ("status", _S)},
        writable=("status", "result", "exception", "external_uid"),
    ),
    Spec(
        "cluster_status",
        "cluster_statuses",
        "ClusterStatus",
        "int",
        ("index",),
        scoped=False,
        filters={"cluster_id": ("cluster_id", _I)},
    ),
    Spec(
        "cluster",
        "clusters",
        "Cluster",
        "int",
        ("index", "show", "create", "delete"),
        scoped=False,
        filters={"organization_id": ("organization_id", _I)},
    ),
    Spec("instance_type", "instance_types", "InstanceType", "natural", ("index",), scoped=False),
    Spec(
        "warm_start_request",
        "warm_start_requests",
        "WarmStartRequest",
        "int",
        ("show", "create"),
        scoped=False,
    ),
    Spec(
        "similar_trials_request",
        "similar_trials_requests",
        "SimilarTrialsRequest",
        "int",
        ("show", "create"),
        scoped=False,
    ),
    Spec(
        "trial_search",
        "trial_searches",
        "TrialSearch",
        "int",
        ("index", "show", "create", "update"),
        scoped=False,
        filters={"status": ("status", _S)},
    ),
    Spec(
        "project_run",
        "project_runs",
        "ProjectRun",
        "int",
        ("index", "show", "create", "update"),
        filters={"project_id": ("project_id", _I)},
        writable=("status", "message", "leaderbord", "model_settings"),
    ),
)
SPEC_BY_KIND = {s.kind: s for s in SPECS}
MODEL_BY_KIND = {s.kind: s.model for s in SPECS} | {"component": "Component", "user": "User"}


def id_type(kind: str) -> str:
    """How ids of ``kind`` are typed: ``"int"``, ``"str"``, ``"uuid"`` or ``"natural"``."""
    spec = SPEC_BY_KIND.get(kind)
    return spec.id_type if spec else ("int" if kind in ("component", "user") else "str")


def index_fields() -> list[tuple[str, str]]:
    """Every ``(kind, field)`` the app filters on (for :meth:`Store.ensure_index`)."""
    out: list[tuple[str, str]] = []
    for spec in SPECS:
        if spec.scoped:
            out.append((spec.kind, "_project_id"))
        out.extend((spec.kind, f) for f, _ in spec.filters.values())
    out += [
        ("pipeline", "_experiment_session_id"),
        ("endpoint_pipeline", "endpoint_id"),
        ("component", "project_id"),
        ("actual", "pipeline_id"),
        ("experiment_session", "experiment_id"),
    ]
    return sorted(set(out))
