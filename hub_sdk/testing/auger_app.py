"""The Auger Hub API (and its optimizers service) as a WSGI app over a :class:`Store`.

This module is the Auger *routing module*; ``fedn_app`` is the FEDn one. Both run over the same
:class:`~hub_sdk.testing.store.Store`, each on its own listener (their paths collide).

The contract is the recorded one (``../shared/hub-api/HUB_API.md``):

* every parameter may travel in the JSON body, for every verb, or in the query string (the body
  wins); the token is one more parameter (``project_api_token``, ``cluster_api_token``, ``token``,
  ``system_token``);
* envelope ``{"data": ..., "meta": {"status": N}}``; listings add
  ``meta.pagination = {limit, offset, count, total}`` (defaults 50/0, limit capped at 1000 and
  echoed as applied);
* errors ``{"meta": {"status", "errors": [{"error_type", "error_param", "message"}]}}``;
* ids: integers, client-chosen strings, UUIDs or natural keys per resource;
* long-running objects advance *lazily*: the response to a create/deploy shows the initial state,
  and the next read of the object (show, index, ``/status``) shows the finished state. This keeps
  tests deterministic while letting an SDK exercise its polling code.

Scoping: a project token sees only its project's objects (listings are filtered, other objects
are 404); user, cluster and system tokens see everything.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import random
import re
import secrets
import time
import traceback
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from .store import DuplicateKeyError, Store, public

__all__ = ["AugerApp", "TokenRegistry", "iso", "now_iso"]

Doc = dict[str, Any]
StartResponse = Callable[..., Any]

TOKEN_KEYS = ("project_api_token", "cluster_api_token", "token", "system_token")
_JSON = "application/json; charset=utf-8"
MAX_LIMIT = 1000
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


# ---------------------------------------------------------------------------- helpers


def iso(dt: datetime) -> str:
    """Format a datetime as ISO 8601 UTC with milliseconds and ``Z``."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    """The current time as ISO 8601 UTC with milliseconds and ``Z``."""
    return iso(datetime.now(timezone.utc))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x"


class ApiError(Exception):
    """An error answered with the recorded error envelope."""

    def __init__(self, status: int, errors: list[dict[str, Any]], **meta: Any) -> None:
        super().__init__(errors[0].get("message", "") if errors else "")
        self.status = status
        self.errors = errors
        self.meta = meta


def invalid(param: str, message: str) -> ApiError:
    """400 invalid_param for one parameter."""
    return ApiError(
        400, [{"error_type": "invalid_param", "error_param": param, "message": message}]
    )


def not_found(model: str) -> ApiError:
    """404 ``Couldn't find <Model>`` (no error_param, as recorded)."""
    return ApiError(404, [{"message": f"Couldn't find {model}", "error_type": "not_found"}])


def unauthenticated(message: str = "User should be logged in") -> ApiError:
    """401 as recorded for the Hub."""
    return ApiError(401, [{"error_type": "unauthenticated", "message": message}])


class _ParamErrors:
    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, param: str, message: str) -> None:
        self.errors.append(
            {"error_type": "invalid_param", "error_param": param, "message": message}
        )

    def raise_if_any(self, **meta: Any) -> None:
        if self.errors:
            raise ApiError(400, self.errors, **meta)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token type and, for project tokens, the project it is scoped to."""

    kind: str
    project_id: int | None = None
    email: str | None = None


class TokenRegistry:
    """Opaque tokens (persisted in the store's settings) plus HS256 user JWTs from ``/tokens``."""

    def __init__(self, store: Store) -> None:
        """Load (or create) the JWT secret from ``store``."""
        self.store = store
        secret = store.get_setting("jwt_secret")
        if secret is None:
            secret = secrets.token_hex(32)
            store.set_setting("jwt_secret", secret)
        self._secret = secret.encode()
        self._cache: dict[str, tuple[str, Principal]] = {}

    @property
    def signing_secret(self) -> bytes:
        """The secret used for JWTs and presigned URLs."""
        return self._secret

    def issue(self, kind: str, project_id: int | None = None, name: str | None = None) -> str:
        """Create and persist an opaque token of ``kind`` (optionally named, to reuse it)."""
        if name is not None:
            existing = self.store.get_setting(f"named_token:{name}")
            if existing is not None:
                return existing
        token = secrets.token_hex(32)
        record = {"kind": kind, "project_id": project_id, "token": token}
        self.store.set_setting(
            f"token:{hashlib.sha256(token.encode()).hexdigest()}", json.dumps(record)
        )
        if name is not None:
            self.store.set_setting(f"named_token:{name}", token)
        return token

    def jwt(self, email: str, ttl: int = 7 * 24 * 3600) -> str:
        """Return a user JWT (HS256, payload ``{email, exp}``) like ``POST /api/v1/tokens``."""
        header = _b64url(json.dumps({"alg": "HS256"}, separators=(",", ":")).encode())
        payload = _b64url(
            json.dumps(
                {"email": email, "exp": int(time.time()) + ttl}, separators=(",", ":")
            ).encode()
        )
        sig = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(sig)}"

    def resolve(self, token: str) -> Principal | None:
        """Return the principal of a token, or None when it is unknown, forged or expired."""
        if not token or len(token) > 4096:
            return None
        if token.count(".") == 2:
            return self._resolve_jwt(token)
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(digest)
        if cached is None:
            raw = self.store.get_setting(f"token:{digest}")
            if raw is None:
                return None
            rec = json.loads(raw)
            cached = (str(rec["token"]), Principal(str(rec["kind"]), rec.get("project_id")))
            self._cache[digest] = cached
        stored, principal = cached
        return principal if hmac.compare_digest(stored.encode(), token.encode()) else None

    def _resolve_jwt(self, token: str) -> Principal | None:
        header, payload, sig = token.split(".")
        expected = hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        try:
            given = _b64url_decode(sig)
            claims = json.loads(_b64url_decode(payload))
        except (ValueError, TypeError):
            return None
        if not hmac.compare_digest(expected, given) or not isinstance(claims, dict):
            return None
        if int(claims.get("exp", 0)) < time.time():
            return None
        return Principal("user", None, str(claims.get("email")))


# ---------------------------------------------------------------------------- resources


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
_TIMESTAMPED = {
    kind for kind, fields in TEMPLATES.items() if any(name == "created_at" for name, _ in fields)
} | {"organization", "component"}

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


# ---------------------------------------------------------------------------- request/response


@dataclass
class Request:
    """A parsed request."""

    method: str
    path: str
    params: dict[str, Any]
    environ: dict[str, Any]
    args: dict[str, str]
    route: str
    body: bytes = b""
    principal: Principal | None = None

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` as seen by the client."""
        env = self.environ
        host = env.get("HTTP_HOST") or f"{env.get('SERVER_NAME')}:{env.get('SERVER_PORT')}"
        return f"{env.get('wsgi.url_scheme', 'http')}://{host}"

    def payload(self) -> dict[str, Any]:
        """The parameters without the auth token keys."""
        return {k: v for k, v in self.params.items() if k not in TOKEN_KEYS}


@dataclass
class Response:
    """A response to serialize."""

    status: int
    body: bytes
    content_type: str = _JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def ok(data: Any, pagination: Mapping[str, int] | None = None) -> Response:
    """The recorded success envelope (data before meta)."""
    meta: dict[str, Any] = {"status": 200}
    if pagination is not None:
        meta["pagination"] = dict(pagination)
    return Response(200, _dumps({"data": data, "meta": meta}))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"unexpected token {name}")


Handler = Callable[[Request], Response]


@dataclass
class Route:
    """One routing-table entry."""

    method: str
    template: str
    handler: Handler
    regex: re.Pattern[str]
    auth: str = "hub"  # "hub" | "none" | "optimizer"


# ---------------------------------------------------------------------------- the app


class AugerApp:
    """WSGI app serving the Auger Hub API and the optimizers service from a :class:`Store`."""

    def __init__(
        self,
        store: Store,
        tokens: TokenRegistry | None = None,
        *,
        clock: Callable[[], str] = now_iso,
    ) -> None:
        """Serve ``store``; ``tokens`` resolves auth tokens (created from the store if None)."""
        self.store = store
        self.tokens = tokens or TokenRegistry(store)
        self.clock = clock
        for kind, name in index_fields():
            store.ensure_index(kind, name)
        self.routes: list[Route] = []
        self._build_routes()

    # -- routing ---------------------------------------------------------------------

    def _add(self, method: str, template: str, handler: Handler, auth: str = "hub") -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        pattern = pattern.replace("(?P<key>[^/]+)", "(?P<key>.+)")
        self.routes.append(Route(method, template, handler, re.compile(f"^{pattern}/?$"), auth))

    def _build_routes(self) -> None:
        v1 = "/api/v1"
        self._add("POST", f"{v1}/tokens", self.create_token, auth="none")
        self._add("GET", f"{v1}/status", self.get_status)
        self._add("PATCH", f"{v1}/projects/{{id}}/deploy", self.deploy_project)
        self._add("PATCH", f"{v1}/projects/{{id}}/undeploy", self.undeploy_project)
        self._add("GET", f"{v1}/projects/{{id}}/logs", self.project_logs)
        self._add("PATCH", f"{v1}/trials", self.bulk_update_trials)
        self._add("POST", f"{v1}/actuals", self.create_actuals)
        self._add("DELETE", f"{v1}/actuals", self.delete_actuals)
        self._add("GET", f"{v1}/endpoints/{{endpoint_id}}/predictions", self.endpoint_predictions)
        self._add(
            "POST", f"{v1}/endpoints/{{endpoint_id}}/predictions", self.create_endpoint_prediction
        )
        self._add(
            "GET", f"{v1}/endpoints/{{endpoint_id}}/predictions/{{id}}", self.endpoint_prediction
        )
        self._add("POST", f"{v1}/endpoints/{{endpoint_id}}/actuals", self.create_actuals)
        self._add("DELETE", f"{v1}/endpoints/{{endpoint_id}}/actuals", self.delete_endpoint_actuals)
        self._add("POST", f"{v1}/endpoints/{{endpoint_id}}/roi_validations", self.roi_validation)
        self._add("POST", f"{v1}/project_file_urls", self.create_project_file_url)
        self._add("GET", f"{v1}/project_file_urls", self.get_project_file_url)
        self._add("POST", "/next_trials", self.next_trials, auth="optimizer")
        self._add("POST", "/v2/next_trials", self.next_trials_v2, auth="optimizer")
        self._add("POST", "/fte", self.fte, auth="optimizer")
        self._add("POST", "/_localhub/s3/{bucket}", self.s3_upload, auth="none")
        self._add("GET", "/_localhub/s3/{bucket}/{key}", self.s3_download, auth="none")
        for spec in SPECS:
            base = f"{v1}/{spec.path}"
            for action in spec.actions:
                if action == "index":
                    self._add("GET", base, self._index_handler(spec))
                elif action == "show":
                    self._add("GET", f"{base}/{{id}}", self._show_handler(spec))
                elif action == "create":
                    self._add("POST", base, self._create_handler(spec))
                elif action == "update":
                    self._add("PATCH", f"{base}/{{id}}", self._update_handler(spec))
                    self._add("PUT", f"{base}/{{id}}", self._update_handler(spec))
                elif action == "delete":
                    self._add("DELETE", f"{base}/{{id}}", self._delete_handler(spec))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Find the route for ``method path`` (``HEAD`` is served as ``GET``)."""
        method = "GET" if method == "HEAD" else method
        for route in self.routes:
            if route.method != method:
                continue
            m = route.regex.match(path)
            if m:
                return route, m.groupdict()
        return None

    def route_key(self, environ: Mapping[str, Any]) -> str:
        """``"METHOD /template"`` of a request, for counters and fault targeting."""
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO") or "/")
        found = self.match(method, path)
        return f"{method} {found[0].template if found else path}"

    # -- WSGI ------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request."""
        try:
            response = self.handle(environ)
        except ApiError as exc:
            response = self._error(exc, optimizer=self._is_optimizer(environ))
        except Exception:  # pragma: no cover - a bug: answer 500, never crash the server
            traceback.print_exc()
            response = Response(
                500,
                _dumps(
                    {
                        "meta": {
                            "status": 500,
                            "errors": [
                                {"error_type": "internal_error", "message": "Internal Server Error"}
                            ],
                        }
                    }
                ),
            )
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
        ]
        headers += response.headers
        headers.append(("X-Request-Id", str(uuid.uuid4())))
        reason = _REASONS.get(response.status, "Unknown")
        start_response(f"{response.status} {reason}", headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else response.body]

    def _is_optimizer(self, environ: Mapping[str, Any]) -> bool:
        return str(environ.get("PATH_INFO", "")) in ("/next_trials", "/v2/next_trials", "/fte")

    def _error(self, exc: ApiError, optimizer: bool = False) -> Response:
        if optimizer:
            errors = [
                {k: e[k] for k in ("error_param", "message", "error_type") if k in e}
                for e in exc.errors
            ]
            if exc.status == 401:
                errors = [
                    {
                        "message": "authentication required",
                        "error_type": "unauthenticated",
                        "error_param": "token",
                    }
                ]
            return Response(
                exc.status,
                _dumps({"meta": {"status": exc.status, "errors": errors}}),
                "application/json",
            )
        meta: dict[str, Any] = {"status": exc.status}
        meta.update(exc.meta)
        meta["errors"] = exc.errors
        return Response(exc.status, _dumps({"meta": meta}))

    def handle(self, environ: dict[str, Any]) -> Response:
        """Route, authenticate and dispatch a request (raises :class:`ApiError`)."""
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = str(environ.get("PATH_INFO") or "/")
        found = self.match(method, path)
        if found is None:
            raise ApiError(
                404,
                [{"message": f'No route matches [{method}] "{path}"', "error_type": "not_found"}],
            )
        route, args = found
        body = self._read_body(environ)
        req = Request(method, path, {}, environ, args, route.template, body)
        if route.auth != "none" or not self._is_multipart(environ):
            req.params = self._parse_params(environ, body)
        if route.auth != "none":
            req.principal = self._authenticate(req.params)
        return route.handler(req)

    @staticmethod
    def _is_multipart(environ: Mapping[str, Any]) -> bool:
        return str(environ.get("CONTENT_TYPE", "")).startswith("multipart/")

    @staticmethod
    def _read_body(environ: Mapping[str, Any]) -> bytes:
        if AugerApp._is_multipart(environ):
            return b""
        stream = environ.get("wsgi.input")
        if stream is None:
            return b""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > 0:
            data = bytes(stream.read(length))
        elif environ.get("wsgi.input_terminated"):
            data = bytes(stream.read())
        else:
            data = b""
        encoding = str(environ.get("HTTP_CONTENT_ENCODING", "")).lower()
        if data and encoding in ("gzip", "x-gzip"):
            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error):
                raise invalid("body", "is not valid gzip data") from None
        elif data and encoding == "deflate":
            try:
                data = zlib.decompress(data)
            except zlib.error:
                raise invalid("body", "is not valid deflate data") from None
        return data

    @staticmethod
    def _parse_params(environ: Mapping[str, Any], body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = dict(
            parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        )
        if not body.strip():
            return params
        ctype = str(environ.get("CONTENT_TYPE", ""))
        if ctype.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
            return params
        try:
            data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            raise invalid("body", f"is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise invalid("body", "must be a JSON object")
        params.update(data)
        return params

    def _authenticate(self, params: Mapping[str, Any]) -> Principal:
        for key in TOKEN_KEYS:
            value = params.get(key)
            if value:
                principal = self.tokens.resolve(str(value))
                if principal is None:
                    raise unauthenticated()
                if key == "token" and principal.kind == "user" and principal.email:
                    users, _ = self.store.query("user", {"email": principal.email}, limit=1)
                    if not users:
                        raise unauthenticated()
                return principal
        raise unauthenticated()

    # -- param helpers -----------------------------------------------------------------

    @staticmethod
    def _int(req: Request, name: str, default: int | None = None) -> int | None:
        value = req.params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise invalid(name, "must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise invalid(name, "must be an integer")

    def _page(self, req: Request) -> tuple[int, int]:
        limit = self._int(req, "limit", 50)
        offset = self._int(req, "offset", 0)
        assert limit is not None and offset is not None
        if limit < 0:
            raise invalid("limit", "must be greater than or equal to 0")
        if offset < 0:
            raise invalid("offset", "must be greater than or equal to 0")
        return min(limit, MAX_LIMIT), offset

    @staticmethod
    def _coerce_id(spec_kind: str, raw: Any) -> Any:
        spec = SPEC_BY_KIND.get(spec_kind)
        id_type = spec.id_type if spec else ("int" if spec_kind in ("component", "user") else "str")
        if id_type == "int":
            if isinstance(raw, bool):
                return None
            if isinstance(raw, int):
                return raw
            if isinstance(raw, str) and re.fullmatch(r"\d+", raw):
                return int(raw)
            return None
        return None if raw is None else str(raw)

    def _scope_filter(self, req: Request, spec: Spec) -> dict[str, Any]:
        p = req.principal
        if p is None or p.project_id is None:
            return {}
        if spec.kind == "project":
            return {"id": p.project_id}
        return {"_project_id": p.project_id} if spec.scoped else {}

    def _visible(self, req: Request, kind: str, doc: Mapping[str, Any]) -> bool:
        p = req.principal
        if p is None or p.project_id is None:
            return True
        if kind == "project":
            return bool(doc.get("id") == p.project_id)
        spec = SPEC_BY_KIND.get(kind)
        if (spec is not None and spec.scoped) or kind in ("component", "actual"):
            return bool(doc.get("_project_id") == p.project_id)
        return True

    def load(
        self, req: Request, kind: str, raw_id: Any, model: str | None = None, advance: bool = True
    ) -> Doc:
        """Fetch a visible object (advancing its lazy state unless told not to) or raise 404."""
        key = self._coerce_id(kind, raw_id)
        doc = None if key is None else self.store.get(kind, key)
        if doc is None or not self._visible(req, kind, doc):
            raise not_found(model or MODEL_BY_KIND.get(kind, kind.title()))
        return self._advance(kind, doc) if advance else doc

    def _project_for_create(self, req: Request, from_parent: Any = None) -> Doc:
        """Resolve the project a new object belongs to (parent, token or ``project_id``)."""
        if from_parent is not None:
            return self.load(req, "project", from_parent)
        p = req.principal
        requested = req.params.get("project_id")
        if p is not None and p.project_id is not None:
            if (
                requested not in (None, "")
                and self._coerce_id("project", requested) != p.project_id
            ):
                raise not_found("Project")
            return self.load(req, "project", p.project_id)
        if requested in (None, ""):
            raise invalid("project_id", "is required")
        return self.load(req, "project", requested)

    # -- lazy state ----------------------------------------------------------------------

    def _advance(self, kind: str, doc: Doc) -> Doc:
        """Apply the pending ``_next`` transition of an object read after its creation."""
        nxt = doc.get("_next")
        if not nxt:
            return doc
        changes = dict(nxt) if isinstance(nxt, dict) else {}
        changes["_next"] = None
        if "updated_at" in doc:
            changes["updated_at"] = self.clock()
        if kind == "project" and "status" in changes:
            for comp in self.store.iter("component", {"project_id": doc["id"]}):
                self.store.update(
                    "component",
                    comp["id"],
                    {
                        "status": "deployed" if changes["status"] == "deployed" else "undeployed",
                        "updated_at": self.clock(),
                    },
                )
        updated = self.store.update(kind, doc["id"], changes)
        return updated if updated is not None else doc

    # -- rendering ---------------------------------------------------------------------

    def render(self, kind: str, doc: Mapping[str, Any]) -> Doc:
        """Public JSON of a stored object, with embedded objects and computed fields."""
        out = public(doc)
        if kind in STATE_MACHINES and "state_machine" in out:
            out["state_machine"] = state_machine(kind, str(out.get("status")))
        if kind == "project":
            comps = [public(c) for c in self.store.iter("component", {"project_id": out["id"]})]
            progress = {
                "undeployed": 0,
                "undeploying": 0,
                "deploying": 0,
                "deployed": 0,
                "running": 0,
            }
            for c in comps:
                progress[str(c["status"])] = progress.get(str(c["status"]), 0) + 1
            progress["running"] = progress.get("deployed", 0)
            out["deploy_progress"] = progress
            out["services_status"] = {"total": len(comps), "running": progress["running"]}
            out["components"] = comps
        elif kind == "experiment":
            dm_id = doc.get("_dataset_manifest_id")
            dm = self.store.get("dataset_manifest", dm_id) if dm_id is not None else None
            out["dataset_manifest"] = public(dm) if dm else None
        elif kind == "experiment_session":
            pipes, _ = self.store.query(
                "pipeline", {"_experiment_session_id": out["id"]}, limit=100
            )
            out["pipelines"] = self._render_many("pipeline", pipes)
        elif kind == "pipeline":
            trial = self.store.get("trial", doc.get("_trial_id")) if doc.get("_trial_id") else None
            out["trial"] = public(trial) if trial else None
        elif kind == "endpoint":
            eps = self.store.iter("endpoint_pipeline", {"endpoint_id": out["id"]})
            out["endpoint_pipelines"] = [public(e) for e in eps]
        elif kind == "cluster":
            user = self.store.get("user", doc.get("_created_by", 1))
            out["created_by"] = public(user) if user else None
            itype = self.store.get("instance_type", doc.get("_instance_type", "c5.large"))
            out["instance_type"] = public(itype) if itype else None
        return out

    def _render_many(self, kind: str, docs: list[Doc]) -> list[Doc]:
        docs = [self._advance(kind, d) if d.get("_next") else d for d in docs]
        if kind == "pipeline":
            trials = self.store.get_many(
                "trial", [d["_trial_id"] for d in docs if d.get("_trial_id")]
            )
            out = []
            for d in docs:
                item = public(d)
                t = trials.get(str(d.get("_trial_id")))
                item["trial"] = public(t) if t else None
                out.append(item)
            return out
        if kind not in (
            "project",
            "experiment",
            "experiment_session",
            "endpoint",
            "cluster",
            "organization",
        ):
            return [public(d) for d in docs]
        return [self.render(kind, d) for d in docs]

    # -- generic CRUD --------------------------------------------------------------------

    def _index_handler(self, spec: Spec) -> Handler:
        def index(req: Request) -> Response:
            limit, offset = self._page(req)
            filters = self._scope_filter(req, spec)
            for param, (fld, typ) in spec.filters.items():
                value = req.params.get(param)
                if value is None or value == "":
                    continue
                if typ is int:
                    value = self._int(req, param)
                elif not isinstance(value, str):
                    value = str(value)
                if fld in filters and filters[fld] != value:
                    return ok([], {"limit": limit, "offset": offset, "count": 0, "total": 0})
                filters[fld] = value
            docs, total = self.store.query(spec.kind, filters, offset=offset, limit=limit)
            items = self._render_many(spec.kind, docs)
            return ok(
                items, {"limit": limit, "offset": offset, "count": len(items), "total": total}
            )

        return index

    def _show_handler(self, spec: Spec) -> Handler:
        def show(req: Request) -> Response:
            doc = self.load(req, spec.kind, req.args["id"])
            return ok(self.render(spec.kind, doc))

        return show

    def _create_handler(self, spec: Spec) -> Handler:
        creator: Callable[[Request], Doc] = getattr(self, f"create_{spec.kind}")

        def create(req: Request) -> Response:
            doc = creator(req)
            return ok(self.render(spec.kind, doc))

        return create

    def _update_handler(self, spec: Spec) -> Handler:
        custom: Callable[[Request, Doc], Doc] | None = getattr(self, f"update_{spec.kind}", None)

        def update(req: Request) -> Response:
            # a trial search must have been observed "done" before it can be continued
            advance = spec.kind != "trial_search"
            doc = self.load(req, spec.kind, req.args["id"], advance=advance)
            if custom is not None:
                new = custom(req, doc)
            else:
                changes = {k: req.params[k] for k in spec.writable if k in req.params}
                if "updated_at" in doc:
                    changes["updated_at"] = self.clock()
                new = self.store.update(spec.kind, doc["id"], changes) or doc
            return ok(self.render(spec.kind, new))

        return update

    def _delete_handler(self, spec: Spec) -> Handler:
        def delete(req: Request) -> Response:
            doc = self.load(req, spec.kind, req.args["id"])
            ts = self.clock()
            if spec.kind == "organization":
                new = self.store.update(
                    spec.kind, doc["id"], {"status": "terminating", "updated_at": ts}
                )
                return ok(self.render(spec.kind, new or doc))
            if spec.kind == "cluster":
                new = self.store.update(
                    spec.kind, doc["id"], {"status": "terminating", "updated_at": ts}
                )
                return ok(self.render(spec.kind, new or doc))
            if spec.kind == "project":
                new = self.store.update(spec.kind, doc["id"], {"deleting": True, "updated_at": ts})
                return ok(self.render(spec.kind, new or doc))
            rendered = self.render(spec.kind, doc)
            rendered["deleted"] = True
            with self.store.transaction():
                if spec.kind == "endpoint":
                    self.store.delete_where("endpoint_pipeline", {"endpoint_id": doc["id"]})
                self.store.delete(spec.kind, doc["id"])
            return ok(rendered)

        return delete

    # -- creates -------------------------------------------------------------------------

    def _require(self, req: Request, *names: str) -> None:
        errors = _ParamErrors()
        for name in names:
            value = req.params.get(name)
            if value is None or value == "":
                errors.add(name, "is required")
        errors.raise_if_any()

    def _new_str_id(self, req: Request, kind: str, size: int = 8) -> str:
        raw = req.params.get("id")
        if raw in (None, ""):
            return secrets.token_hex(size)
        if isinstance(raw, (dict, list, bool)):
            raise invalid("id", "is invalid")
        key = str(raw)
        if self.store.get(kind, key) is not None:
            raise invalid("id", "has already been taken")
        return key

    def _insert(self, kind: str, values: Mapping[str, Any]) -> Doc:
        doc = make(kind, values, self.clock())
        try:
            return self.store.insert(kind, doc)
        except DuplicateKeyError:
            raise invalid("id", "has already been taken") from None

    def _next_id(self, kind: str) -> int:
        return self.store.next_int_id(kind)

    def create_organization(self, req: Request) -> Doc:
        self._require(req, "name")
        name = str(req.params["name"])
        slug = _slug(name)
        return self._insert(
            "organization",
            {
                "id": self._next_id("organization"),
                "name": name,
                "subdomain": slug,
                "main_bucket": f"auger-{slug[:10]}-{secrets.token_hex(3)}",
                "status": "created",
            },
        )

    def create_project(self, req: Request) -> Doc:
        self._require(req, "name", "organization_id")
        org = self.load(req, "organization", req.params["organization_id"])
        name = str(req.params["name"])
        values = {k: req.params[k] for k in SPEC_BY_KIND["project"].writable if k in req.params}
        pid = self._next_id("project")
        values.update(
            {
                "id": pid,
                "name": name,
                "organization_id": org["id"],
                "url": f"https://{_slug(name)}-project.localhub.test/?",
                "_project_id": pid,
            }
        )
        return self._insert("project", values)

    def create_project_file(self, req: Request) -> Doc:
        self._require(req, "name", "url")
        project = self._project_for_create(req)
        url = str(req.params["url"])
        ctype = "text/csv" if url.endswith(".csv") else None
        return self._insert(
            "project_file",
            {
                "id": self._next_id("project_file"),
                "project_id": project["id"],
                "name": str(req.params["name"]),
                "url": url,
                "_project_id": project["id"],
                "_next": {
                    "status": "processed",
                    "content_type": ctype or "application/octet-stream",
                    "statistics": {"count": 0, "stat_data": []},
                },
            },
        )

    def create_dataset_manifest(self, req: Request) -> Doc:
        self._require(req, "id", "name", "statistics")
        if not isinstance(req.params["statistics"], dict):
            raise invalid("statistics", "must be an object")
        key = self._new_str_id(req, "dataset_manifest")
        values = {
            k: req.params[k] for k in SPEC_BY_KIND["dataset_manifest"].writable if k in req.params
        }
        values.setdefault("display_name", str(req.params["name"]))
        values["id"] = key
        return self._insert("dataset_manifest", values)

    def create_experiment(self, req: Request) -> Doc:
        self._require(req, "name")
        project = self._project_for_create(req)
        key = self._new_str_id(req, "experiment", 7)
        values: Doc = {
            "id": key,
            "name": str(req.params["name"]),
            "project_id": project["id"],
            "_project_id": project["id"],
        }
        dm_id = req.params.get("dataset_manifest_id")
        if dm_id not in (None, ""):
            values["_dataset_manifest_id"] = self.load(req, "dataset_manifest", dm_id)["id"]
        pf_id = req.params.get("project_file_id")
        if pf_id not in (None, ""):
            pf = self.load(req, "project_file", pf_id)
            values.update(project_file_id=pf["id"], data_path_url=pf["url"])
        if isinstance(req.params.get("search_space"), (dict, str)):
            values["search_space"] = req.params["search_space"]
        return self._insert("experiment", values)

    def create_experiment_session(self, req: Request) -> Doc:
        self._require(req, "experiment_id")
        exp = self.load(req, "experiment", req.params["experiment_id"])
        key = self._new_str_id(req, "experiment_session", 7)
        dm_id = req.params.get("dataset_manifest_id") or exp.get("_dataset_manifest_id")
        dm = self.load(req, "dataset_manifest", dm_id) if dm_id else None
        number = self.store.count("experiment_session", {"experiment_id": exp["id"]}) + 1
        values: Doc = {
            "id": key,
            "number": number,
            "project_id": exp["project_id"],
            "project_file_id": exp.get("project_file_id"),
            "experiment_id": exp["id"],
            "dataset_manifest_id": dm["id"] if dm else None,
            "notebook_uid": exp["id"],
            "datasource_name": dm["name"] if dm else exp["name"],
            "_project_id": exp["project_id"],
        }
        for name in ("status", "message", "model_type"):
            if isinstance(req.params.get(name), str):
                values[name] = req.params[name]
        for name in ("model_settings", "statistics"):
            if isinstance(req.params.get(name), dict):
                values[name] = req.params[name]
        return self._insert("experiment_session", values)

    def create_hyperparameter(self, req: Request) -> Doc:
        self._require(req, "algorithm_name")
        params = req.params.get("algorithm_params") or {}
        if not isinstance(params, dict):
            raise invalid("algorithm_params", "must be an object")
        return self._insert(
            "hyperparameter",
            {
                "id": self._next_id("hyperparameter"),
                "algorithm_name": str(req.params["algorithm_name"]),
                "algorithm_params": params,
                "algorithm_params_hash": req.params.get("algorithm_params_hash"),
            },
        )

    def create_trial(self, req: Request) -> Doc:
        """``POST /trials {id, refit_data_path}``: refit, i.e. a NEW trial copied from ``id``."""
        self._require(req, "id", "refit_data_path")
        source = self.load(req, "trial", req.params["id"])
        new_id = secrets.token_hex(8)
        raw = dict(source.get("raw_data") or {})
        raw.update({"uid": new_id, "refit_data_path": str(req.params["refit_data_path"])})
        values = {k: v for k, v in source.items() if k not in ("object", "deleted")}
        values.update({"id": new_id, "raw_data": raw, "trial_metrics_count": 0})
        values.pop("created_at", None)
        values.pop("updated_at", None)
        return self._insert("trial", values)

    def create_pipeline(self, req: Request) -> Doc:
        self._require(req, "trial_id")
        trial = self.load(req, "trial", req.params["trial_id"])
        project = self._project_for_create(req, trial["_project_id"])
        session = self.store.get("experiment_session", trial["experiment_session_id"]) or {}
        key = self._new_str_id(req, "pipeline")
        return self._insert(
            "pipeline",
            {
                "id": key,
                "status": "creating_files",
                "project_id": project["id"],
                "organization_id": project["organization_id"],
                "datasource_manifest_name": session.get("datasource_name") or "",
                "_trial_id": trial["id"],
                "_experiment_session_id": trial["experiment_session_id"],
                "_project_id": project["id"],
                "_next": {
                    "status": "ready",
                    "lambda_package_s3_path": f"workspace/pipelines/{key}.zip",
                },
            },
        )

    def create_pipeline_file(self, req: Request) -> Doc:
        self._require(req, "trial_id")
        trial = self.load(req, "trial", req.params["trial_id"])
        pid = self._next_id("pipeline_file")
        return self._insert(
            "pipeline_file",
            {
                "id": pid,
                "experiment_session_id": trial["experiment_session_id"],
                "trial_id": trial["id"],
                "_project_id": trial["_project_id"],
                "_next": {
                    "model_path_status": "success",
                    "model_path": f"workspace/models/{trial['id']}-{pid}.zip",
                },
            },
        )

    def _validate_records(
        self, req: Request, pipeline_id: Any = None
    ) -> tuple[list[Any], list[Any]]:
        self._require(req, "records", "features")
        records, features = req.params["records"], req.params["features"]
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise invalid("features", "should be an array of strings")
        good = isinstance(records, list) and all(
            isinstance(r, list)
            and len(r) == len(features)
            and all(not isinstance(v, (list, dict)) for v in r)
            for r in records
        )
        if not good:
            echo = {k: ("****" if k in TOKEN_KEYS else v) for k, v in req.params.items()}
            if pipeline_id is not None:
                echo["prediction"] = {"pipeline_id": pipeline_id}
            p = req.principal
            if p is not None and p.project_id is not None:
                echo["project_id"] = p.project_id
            raise ApiError(
                400,
                [
                    {
                        "error_type": "invalid_param",
                        "error_param": "records",
                        "message": "records should be an array of arrays of plain values, "
                        "each records "
                        "size should be equal to the features count",
                    }
                ],
                request_params=echo,
            )
        return records, features

    @staticmethod
    def _predict(records: list[Any], features: list[Any]) -> Doc:
        data = []
        for rec in records:
            nums = [v for v in rec if isinstance(v, (int, float)) and not isinstance(v, bool)]
            data.append([*rec, round(sum(nums) / len(nums), 4) if nums else None])
        return {"columns": [*features, "prediction"], "data": data}

    def create_prediction(self, req: Request) -> Doc:
        self._require(req, "pipeline_id")
        records, features = self._validate_records(req, req.params.get("pipeline_id"))
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self._insert(
            "prediction",
            {
                "id": self._next_id("prediction"),
                "pipeline_id": pipe["id"],
                "records_count": len(records),
                "_project_id": pipe["_project_id"],
                "_next": {
                    "status": "processed",
                    "time_consumed_ms": 12 + len(records),
                    "result": self._predict(records, features),
                },
            },
        )

    def create_prediction_group(self, req: Request, endpoint: Doc | None = None) -> Doc:
        if endpoint is None:
            self._require(req, "pipeline_id")
        records, features = self._validate_records(req, req.params.get("pipeline_id"))
        if endpoint is not None:
            pipe = self.load(req, "pipeline", endpoint["primary_pipeline_id"])
        else:
            pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self._insert(
            "prediction_group",
            {
                "id": str(uuid.uuid4()),
                "pipeline_id": pipe["id"],
                "endpoint_id": endpoint["id"] if endpoint else None,
                "status": "running",
                "records_count": len(records),
                "_project_id": pipe["_project_id"],
                "_next": {
                    "status": "processed",
                    "time_consumed_ms": 20 + len(records),
                    "result": self._predict(records, features),
                },
            },
        )

    def create_endpoint(self, req: Request) -> Doc:
        self._require(req, "pipeline_id")
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        eid = str(uuid.uuid4())
        with self.store.transaction():
            doc = self._insert(
                "endpoint",
                {
                    "id": eid,
                    "name": req.params.get("name"),
                    "project_id": pipe["project_id"],
                    "dataset_signature": hashlib.md5(
                        str(pipe["_experiment_session_id"]).encode()
                    ).hexdigest(),
                    "organization_id": pipe["organization_id"],
                    "primary_pipeline_id": pipe["id"],
                    "primary_experiment_session_id": pipe["_experiment_session_id"],
                    "_project_id": pipe["_project_id"],
                },
            )
            self._insert(
                "endpoint_pipeline",
                {
                    "id": self._next_id("endpoint_pipeline"),
                    "endpoint_id": eid,
                    "pipeline_id": pipe["id"],
                    "active": True,
                    "_project_id": pipe["_project_id"],
                },
            )
        return doc

    def create_endpoint_pipeline(self, req: Request) -> Doc:
        self._require(req, "endpoint_id", "pipeline_id")
        endpoint = self.load(req, "endpoint", req.params["endpoint_id"])
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self._insert(
            "endpoint_pipeline",
            {
                "id": self._next_id("endpoint_pipeline"),
                "endpoint_id": endpoint["id"],
                "pipeline_id": pipe["id"],
                "active": bool(req.params.get("active", False)),
                "_project_id": endpoint["_project_id"],
            },
        )

    def update_review_alert(self, req: Request, doc: Doc) -> Doc:
        changes = {
            k: req.params[k] for k in SPEC_BY_KIND["review_alert"].writable if k in req.params
        }
        if "threshold" in changes:
            changes["threshold"] = self._float(changes["threshold"], "threshold")
        changes["updated_at"] = self.clock()
        return self.store.update("review_alert", doc["id"], changes) or doc

    @staticmethod
    def _float(value: Any, name: str) -> float:
        if isinstance(value, bool):
            raise invalid(name, "must be a number")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise invalid(name, "must be a number") from None

    def create_review_alert(self, req: Request) -> Doc:
        self._require(req, "endpoint_id", "kind")
        endpoint = self.load(req, "endpoint", req.params["endpoint_id"])
        values: Doc = {
            "id": self._next_id("review_alert"),
            "endpoint_id": endpoint["id"],
            "kind": str(req.params["kind"]),
            "_project_id": endpoint["_project_id"],
        }
        for name in ("sensitivity", "actions", "notifications", "active"):
            if name in req.params:
                values[name] = req.params[name]
        if "threshold" in req.params:
            values["threshold"] = self._float(req.params["threshold"], "threshold")
        return self._insert("review_alert", values)

    def create_cluster_task(self, req: Request) -> Doc:
        self._require(req, "name")
        project = self._project_for_create(req)
        return self._insert(
            "cluster_task",
            {
                "id": self._next_id("cluster_task"),
                "cluster_id": project.get("cluster_id"),
                "project_id": project["id"],
                "queue": req.params.get("queue"),
                "name": str(req.params["name"]),
                "args": req.params.get("args"),
                "_project_id": project["id"],
            },
        )

    def update_cluster_task(self, req: Request, doc: Doc) -> Doc:
        changes = {
            k: req.params[k] for k in SPEC_BY_KIND["cluster_task"].writable if k in req.params
        }
        if "traceback" in req.params:
            changes["_traceback"] = req.params["traceback"]
        return self.store.update("cluster_task", doc["id"], changes) or doc

    def create_cluster(self, req: Request) -> Doc:
        self._require(req, "name", "organization_id")
        org = self.load(req, "organization", req.params["organization_id"])
        cid = self._next_id("cluster")
        project_name = None
        if req.params.get("project_id") not in (None, ""):
            project = self.load(req, "project", req.params["project_id"])
            project_name = project["name"]
            self.store.update("project", project["id"], {"cluster_id": cid})
        return self._insert(
            "cluster",
            {
                "id": cid,
                "name": str(req.params["name"]),
                "organization_id": org["id"],
                "project_name": project_name,
                "file_uploader_service": {
                    "url": None,
                    "params": {"auger_token": secrets.token_hex(32)},
                },
                "_next": {"status": "running"},
            },
        )

    def create_warm_start_request(self, req: Request) -> Doc:
        self._require(req, "dataset_manifest_id", "score_name")
        self.load(req, "dataset_manifest", req.params["dataset_manifest_id"])
        limit = self._int(req, "limit", 10) or 10
        hps, _ = self.store.query("hyperparameter", limit=limit)
        return self._insert(
            "warm_start_request",
            {
                "id": self._next_id("warm_start_request"),
                "score_name": str(req.params["score_name"]),
                "limit": limit,
                "_next": {
                    "status": "done",
                    "time_consumed_ms": 35,
                    "hyperparameters": [public(h) for h in hps],
                },
            },
        )

    def create_similar_trials_request(self, req: Request) -> Doc:
        self._require(req, "dataset_manifest_id", "algorithm_name", "algorithm_params_hash")
        self.load(req, "dataset_manifest", req.params["dataset_manifest_id"])
        limit = self._int(req, "limit", 5) or 5
        name = str(req.params["algorithm_name"])
        trials, _ = self.store.query("trial", {"hyperparameter.algorithm_name": name}, limit=limit)
        return self._insert(
            "similar_trials_request",
            {
                "id": self._next_id("similar_trials_request"),
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

    def create_trial_search(self, req: Request) -> Doc:
        self._require(req, "trials_total_count", "search_space")
        total = self._int(req, "trials_total_count")
        space = req.params["search_space"]
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        limit = self._int(req, "trials_limit", 10) or 10
        meta = req.params.get("dataset_metafeatures") or {}
        tid = self._next_id("trial_search")
        return self._insert(
            "trial_search",
            {
                "id": tid,
                "trials_total_count": total,
                "trials_limit": limit,
                "search_space": space,
                "dataset_metafeatures": meta,
                "_next": {
                    "status": "done",
                    "next_trials": _sample_trials(space, limit, f"ts{tid}:0"),
                },
            },
        )

    def update_trial_search(self, req: Request, doc: Doc) -> Doc:
        if doc["status"] != "done":
            raise invalid(
                "id", "trial search can be continued only when previous iteration is done"
            )
        limit = self._int(req, "trials_limit", doc["trials_limit"]) or doc["trials_limit"]
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
                "next_trials": _sample_trials(
                    doc["search_space"], limit, f"ts{doc['id']}:{len(seen)}"
                ),
                "_next": {"status": "done"},
            },
        )
        return new or doc

    def create_project_run(self, req: Request) -> Doc:
        self._require(req, "notebook_uid")
        project = self._project_for_create(req)
        values: Doc = {
            "id": self._next_id("project_run"),
            "project_id": project["id"],
            "notebook_uid": str(req.params["notebook_uid"]),
            "_project_id": project["id"],
        }
        for name in ("status", "message", "leaderbord", "model_settings"):
            if name in req.params:
                values[name] = req.params[name]
        return self._insert("project_run", values)

    # -- updates with side effects ------------------------------------------------------

    def update_trial(self, req: Request, doc: Doc) -> Doc:
        """Merge the whole payload into ``raw_data`` (as recorded) and update the scores."""
        payload = req.payload()
        raw = dict(doc.get("raw_data") or {})
        raw.update(payload)
        raw["trial"] = {
            k: payload[k] for k in ("score_name", "score_value", "task_type") if k in payload
        }
        changes: Doc = {"raw_data": raw, "updated_at": self.clock()}
        for name in ("score_name", "task_type"):
            if isinstance(payload.get(name), str):
                changes[name] = payload[name]
        if "score_value" in payload:
            changes["score_value"] = self._float(payload["score_value"], "score_value")
        return self.store.update("trial", doc["id"], changes) or doc

    def bulk_update_trials(self, req: Request) -> Response:
        """``PATCH /trials {experiment_session_id, trials: [...]}``: upsert by ``uid``."""
        self._require(req, "experiment_session_id")
        session = self.load(req, "experiment_session", req.params["experiment_session_id"])
        items = req.params.get("trials")
        if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
            raise invalid("trials", "should be an array of objects")
        out: list[Doc] = []
        ts = self.clock()
        with self.store.transaction():
            for item in items:
                tid = str(item.get("uid") or item.get("id") or secrets.token_hex(8))
                existing = self.store.get("trial", tid)
                if existing is not None and existing.get("experiment_session_id") != session["id"]:
                    raise invalid("trials", f"trial {tid} belongs to another experiment session")
                score = item.get("score", item.get("score_value"))
                if isinstance(score, bool) or not isinstance(score, (int, float, type(None))):
                    raise invalid("trials", "score should be a number")
                hp = (
                    dict(existing["hyperparameter"])
                    if existing
                    else {
                        "object": "hyperparameter",
                        "deleted": False,
                        "id": self._next_id("hyperparameter"),
                    }
                )
                hp.update(
                    {
                        "algorithm_name": str(
                            item.get("algorithm_name") or hp.get("algorithm_name") or ""
                        ),
                        "algorithm_params": item.get("algorithm_params")
                        or hp.get("algorithm_params")
                        or {},
                        "algorithm_params_hash": item.get(
                            "algorithm_params_hash", hp.get("algorithm_params_hash")
                        ),
                    }
                )
                values: Doc = {
                    "experiment_session_id": session["id"],
                    "project_id": session["project_id"],
                    "hyperparameter": hp,
                    "raw_data": item,
                    "updated_at": ts,
                    "_project_id": session["project_id"],
                }
                if score is not None:
                    values["score_value"] = float(score)
                for name in ("score_name", "task_type"):
                    if isinstance(item.get(name), str):
                        values[name] = item[name]
                if existing is None:
                    self.store.upsert("hyperparameter", hp)
                    doc = self.store.insert("trial", make("trial", {"id": tid, **values}, ts))
                else:
                    self.store.upsert("hyperparameter", hp)
                    doc = self.store.update("trial", tid, values) or existing
                out.append(public(doc))
            scores = [
                t["score_value"] for t in out if isinstance(t.get("score_value"), (int, float))
            ]
            if scores:
                best = max(
                    scores
                    + (
                        [session["top_score_value"]]
                        if isinstance(session.get("top_score_value"), (int, float))
                        else []
                    )
                )
                self.store.update("experiment_session", session["id"], {"top_score_value": best})
        return ok(out)

    def update_experiment(self, req: Request, doc: Doc) -> Doc:
        changes = {k: req.params[k] for k in SPEC_BY_KIND["experiment"].writable if k in req.params}
        changes["updated_at"] = self.clock()
        return self.store.update("experiment", doc["id"], changes) or doc

    # -- projects ------------------------------------------------------------------------

    def deploy_project(self, req: Request) -> Response:
        project = self.load(req, "project", req.args["id"])
        if project["status"] != "undeployed":
            raise invalid("status", f"project can't be deployed while {project['status']}")
        ts = self.clock()
        changes: Doc = {"status": "deploying", "updated_at": ts, "_next": {"status": "deployed"}}
        changes["default_worker_type_id"] = self._int(
            req, "worker_type_id", project.get("default_worker_type_id")
        )
        changes["default_workers_count"] = self._int(
            req, "workers_count", project.get("default_workers_count")
        )
        with self.store.transaction():
            existing = {
                c["name"]: c for c in self.store.iter("component", {"project_id": project["id"]})
            }
            for name in COMPONENT_NAMES:
                if name in existing:
                    self.store.update(
                        "component", existing[name]["id"], {"status": "deploying", "updated_at": ts}
                    )
                else:
                    self._insert(
                        "component",
                        {
                            "id": self._next_id("component"),
                            "name": name,
                            "status": "deploying",
                            "project_id": project["id"],
                            "_project_id": project["id"],
                        },
                    )
            new = self.store.update("project", project["id"], changes)
        return ok(self.render("project", new or project))

    def undeploy_project(self, req: Request) -> Response:
        project = self.load(req, "project", req.args["id"])
        if project["status"] not in ("deployed", "deploying"):
            raise invalid("status", f"project can't be undeployed while {project['status']}")
        ts = self.clock()
        with self.store.transaction():
            for comp in self.store.iter("component", {"project_id": project["id"]}):
                self.store.update(
                    "component", comp["id"], {"status": "undeploying", "updated_at": ts}
                )
            new = self.store.update(
                "project",
                project["id"],
                {"status": "undeploying", "updated_at": ts, "_next": {"status": "undeployed"}},
            )
        return ok(self.render("project", new or project))

    def project_logs(self, req: Request) -> Response:
        project = self.load(req, "project", req.args["id"])
        logs, _ = self.store.query("pod_log", {"project_id": project["id"]}, limit=200)
        text = "".join(str(log.get("data", "")) for log in logs)
        return Response(
            200, text.encode(), "text/plain; charset=utf-8", [("Cache-Control", "no-cache")]
        )

    # -- tokens and status --------------------------------------------------------------

    def create_token(self, req: Request) -> Response:
        email, password = req.params.get("email"), req.params.get("password")
        if isinstance(email, str) and isinstance(password, str):
            users, _ = self.store.query("user", {"email": email}, limit=1)
            if users and _check_password(users[0].get("_password", ""), password):
                token = self.tokens.jwt(email)
                return ok({"token": token, "confirmation_required": False})
        raise unauthenticated("Email or password incorrect")

    def get_status(self, req: Request) -> Response:
        name = req.params.get("object")
        if name not in STATUS_OBJECTS:
            allowed = json.dumps(sorted(STATUS_OBJECTS), separators=(", ", ": "))
            raise invalid("object", f"is not in the list {allowed}")
        self._require(req, "id")
        kind = STATUS_OBJECTS[str(name)]
        if kind == "subscription":
            raise not_found("Subscription")
        doc = self.load(req, kind, req.params["id"], model=str(name))
        return ok({"status": doc.get("status")})

    # -- actuals, roi ---------------------------------------------------------------------

    def _task(self, project: Doc, name: str, args: list[Doc], result: Any) -> Doc:
        return self._insert(
            "cluster_task",
            {
                "id": self._next_id("cluster_task"),
                "cluster_id": project.get("cluster_id"),
                "project_id": project["id"],
                "name": name,
                "args": args,
                "_project_id": project["id"],
                "_next": {"status": "success", "result": result},
            },
        )

    def _hub_info(self, project: Doc, pipeline: Doc | None, task_id: int) -> Doc:
        session = exp = pfile = None
        if pipeline is not None:
            session = self.store.get("experiment_session", pipeline.get("_experiment_session_id"))
        if session is not None:
            exp = self.store.get("experiment", session.get("experiment_id"))
            if session.get("project_file_id") is not None:
                pfile = self.store.get("project_file", session["project_file_id"])
        path = f"s3://localhub/workspace/projects/{project['name']}"
        return {
            "dataset_manifest_id": session.get("dataset_manifest_id") if session else None,
            "experiment_id": exp["id"] if exp else None,
            "experiment_name": exp["name"] if exp else None,
            "project_name": project["name"],
            "project_path": path,
            "project_file_id": pfile["id"] if pfile else None,
            "project_file": public(pfile) if pfile else None,
            "experiment_session_id": session["id"] if session else None,
            "experiment_session": public(session) if session else None,
            "pipeline_id": pipeline["id"] if pipeline else None,
            "prediction_id": None,
            "cluster_task_id": task_id,
        }

    def create_actuals(self, req: Request) -> Response:
        endpoint = None
        if "endpoint_id" in req.args:
            endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
            pipeline = self.load(req, "pipeline", endpoint["primary_pipeline_id"])
        else:
            self._require(req, "pipeline_id")
            pipeline = self.load(req, "pipeline", req.params["pipeline_id"])
        actuals = req.params.get("actuals")
        if not isinstance(actuals, list) or not all(isinstance(a, dict) for a in actuals):
            raise invalid("actuals", "should be an array of objects")
        ts = self.clock()
        docs = [
            make(
                "actual",
                {
                    "id": str(uuid.uuid4()),
                    "pipeline_id": pipeline["id"],
                    "endpoint_id": endpoint["id"] if endpoint else None,
                    "prediction_id": a.get("prediction_id"),
                    "actual": a.get("actual", a.get("endpoint_actual")),
                    "created_at": ts,
                    "_project_id": pipeline["_project_id"],
                    "_date": ts[:10],
                },
                ts,
            )
            for a in actuals
        ]
        if docs:
            self.store.insert_many("actual", docs)
        return ok({})

    def _date_range(self, req: Request) -> tuple[str, str]:
        errors = _ParamErrors()
        values = []
        for name in ("from", "to"):
            value = req.params.get(name)
            if value in (None, ""):
                errors.add(name, "is required")
            elif not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
                errors.add(name, "should be a date YYYY-MM-DD")
            values.append(str(value))
        errors.raise_if_any()
        return values[0], values[1]

    def _delete_actuals_for(self, req: Request, pipeline: Doc, begin: str, end: str) -> Doc:
        project = self.load(req, "project", pipeline["_project_id"])
        with_predictions = bool(req.params.get("with_predictions", False))
        with self.store.transaction():
            n = self.store.delete_where(
                "actual", {"pipeline_id": pipeline["id"], "_date__gte": begin, "_date__lte": end}
            )
            task_id = self.store.next_int_id("cluster_task")
            args: list[Doc] = [
                {
                    "data_path": None,
                    "content_type": "text/csv",
                    "provider_info": {"auger": {}},
                    "with_predictions": with_predictions,
                    "begin_date": begin,
                    "end_date": end,
                    "provider": "auger",
                    "hub_info": self._hub_info(project, pipeline, task_id),
                }
            ]
            doc = self._insert(
                "cluster_task",
                {
                    "id": task_id,
                    "cluster_id": project.get("cluster_id"),
                    "project_id": project["id"],
                    "name": "a2ml.tasks_queue.tasks_hub_api.delete_actuals_task",
                    "args": args,
                    "_project_id": project["id"],
                    "_next": {"status": "success", "result": {"deleted_actuals": n}},
                },
            )
        return doc

    def delete_actuals(self, req: Request) -> Response:
        self._require(req, "pipeline_id")
        begin, end = self._date_range(req)
        pipeline = self.load(req, "pipeline", req.params["pipeline_id"])
        return ok(self.render("cluster_task", self._delete_actuals_for(req, pipeline, begin, end)))

    def delete_endpoint_actuals(self, req: Request) -> Response:
        endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
        begin, end = self._date_range(req)
        tasks = []
        for ep in self.store.iter("endpoint_pipeline", {"endpoint_id": endpoint["id"]}):
            pipeline = self.store.get("pipeline", ep["pipeline_id"])
            if pipeline is not None:
                tasks.append(public(self._delete_actuals_for(req, pipeline, begin, end)))
        return ok(tasks)

    def roi_validation(self, req: Request) -> Response:
        endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
        exprs = req.params.get("expressions")
        if not isinstance(exprs, list) or not exprs or not all(isinstance(e, str) for e in exprs):
            raise invalid("expressions", "should be a non-empty array of strings")
        project = self.load(req, "project", endpoint["_project_id"])
        pipeline = self.store.get("pipeline", endpoint["primary_pipeline_id"])
        result = {"expressions": [{"expression": e, "is_valid": _balanced(e)} for e in exprs]}
        with self.store.transaction():
            task_id = self.store.next_int_id("cluster_task")
            args: list[Doc] = [
                {
                    "data_path": None,
                    "content_type": None,
                    "provider_info": {"auger": {}},
                    "expressions": exprs,
                    "provider": "auger",
                    "hub_info": self._hub_info(project, pipeline, task_id),
                }
            ]
            hub_info: Doc = args[0]["hub_info"]
            hub_info.update(experiment_session=None, project_file=None)
            doc = self._insert(
                "cluster_task",
                {
                    "id": task_id,
                    "cluster_id": project.get("cluster_id"),
                    "project_id": project["id"],
                    "name": "a2ml.tasks_queue.tasks_hub_api.validate_roi_syntax_task",
                    "args": args,
                    "_project_id": project["id"],
                    "_next": {"status": "success", "result": result},
                },
            )
        return ok(self.render("cluster_task", doc))

    # -- endpoint predictions --------------------------------------------------------------

    def endpoint_predictions(self, req: Request) -> Response:
        endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
        limit, offset = self._page(req)
        docs, total = self.store.query(
            "prediction_group", {"endpoint_id": endpoint["id"]}, offset=offset, limit=limit
        )
        items = self._render_many("prediction_group", docs)
        return ok(items, {"limit": limit, "offset": offset, "count": len(items), "total": total})

    def endpoint_prediction(self, req: Request) -> Response:
        endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
        doc = self.load(req, "prediction_group", req.args["id"])
        if doc.get("endpoint_id") != endpoint["id"]:
            raise not_found("PredictionGroup")
        return ok(self.render("prediction_group", doc))

    def create_endpoint_prediction(self, req: Request) -> Response:
        endpoint = self.load(req, "endpoint", req.args["endpoint_id"])
        doc = self.create_prediction_group(req, endpoint)
        return ok(self.render("prediction_group", doc))

    # -- project file urls (an S3 stand-in) ---------------------------------------------------

    def _file_key(self, req: Request) -> tuple[Doc, str, str]:
        self._require(req, "project_id", "file_path")
        project = self.load(req, "project", req.params["project_id"])
        org = self.store.get("organization", project["organization_id"]) or {}
        bucket = str(org.get("main_bucket") or "localhub")
        path = str(req.params["file_path"]).lstrip("/")
        if path.startswith("s3://"):
            path = path.split("/", 3)[3] if path.count("/") >= 3 else ""
        if not path.startswith("workspace/"):
            path = f"workspace/projects/{project['name']}/files/{path}"
        return project, bucket, path

    def _sign(self, text: str) -> str:
        return hmac.new(self.tokens.signing_secret, text.encode(), hashlib.sha256).hexdigest()

    def create_project_file_url(self, req: Request) -> Response:
        _, bucket, key = self._file_key(req)
        stamp = datetime.now(timezone.utc)
        expiration = iso(stamp + timedelta(hours=1))
        policy_doc = {
            "expiration": expiration,
            "conditions": [{"bucket": bucket}, {"key": key}, {"success_action_status": "201"}],
        }
        policy = base64.b64encode(_dumps(policy_doc)).decode()
        fields = {
            "key": key,
            "success_action_status": "201",
            "policy": policy,
            "x-amz-credential": f"localhub/{stamp:%Y%m%d}/us-west-1/s3/aws4_request",
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-date": f"{stamp:%Y%m%dT%H%M%SZ}",
            "x-amz-security-token": "localhub",
            "x-amz-signature": self._sign(policy),
        }
        return ok({"fields": fields, "url": f"{req.base_url}/_localhub/s3/{bucket}"})

    def get_project_file_url(self, req: Request) -> Response:
        _, bucket, key = self._file_key(req)
        expires = int(time.time()) + 3600
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Expires": "3600",
                "X-Amz-Date": str(expires),
                "X-Amz-Signature": self._sign(f"{bucket}/{key}:{expires}"),
            }
        )
        return ok({"url": f"{req.base_url}/_localhub/s3/{bucket}/{quote(key)}?{query}"})

    def s3_upload(self, req: Request) -> Response:
        from werkzeug.formparser import parse_form_data

        _, form, files = parse_form_data(req.environ)
        policy, key = form.get("policy", ""), form.get("key", "")
        bucket = req.args["bucket"]
        try:
            conditions = json.loads(base64.b64decode(policy))
        except (ValueError, TypeError):
            conditions = None
        allowed = (
            isinstance(conditions, dict)
            and {"bucket": bucket} in conditions.get("conditions", [])
            and {"key": key} in conditions.get("conditions", [])
        )
        if not allowed or not hmac.compare_digest(
            self._sign(policy), form.get("x-amz-signature", "")
        ):
            return _s3_error(403, "AccessDenied", "Invalid according to Policy")
        if str(conditions.get("expiration", "")) < now_iso():
            return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy expired")
        upload = files.get("file")
        if upload is None:
            return _s3_error(400, "InvalidArgument", "POST requires exactly one file upload")
        data = upload.read()
        self.store.put_blob(f"{bucket}/{key}", data, upload.mimetype or "application/octet-stream")
        status = form.get("success_action_status", "204")
        etag = hashlib.md5(data).hexdigest()
        if status == "201":
            xml = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>'
                f"{req.base_url}/_localhub/s3/{bucket}/{quote(key)}</Location><Bucket>{bucket}"
                f'</Bucket><Key>{key}</Key><ETag>"{etag}"</ETag></PostResponse>'
            )
            return Response(201, xml.encode(), "application/xml", [("ETag", f'"{etag}"')])
        return Response(200 if status == "200" else 204, b"", "text/plain", [("ETag", f'"{etag}"')])

    def s3_download(self, req: Request) -> Response:
        bucket, key = req.args["bucket"], req.args["key"]
        query = dict(parse_qsl(str(req.environ.get("QUERY_STRING", ""))))
        expires = query.get("X-Amz-Date", "0")
        good = hmac.compare_digest(
            self._sign(f"{bucket}/{key}:{expires}"), query.get("X-Amz-Signature", "")
        )
        if not good or not expires.isdigit() or int(expires) < time.time():
            return _s3_error(403, "AccessDenied", "Request has expired or signature does not match")
        blob = self.store.get_blob(f"{bucket}/{key}")
        if blob is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return Response(200, blob[0], blob[1])

    # -- optimizers service ------------------------------------------------------------------

    def _optimizer_ok(self, data: Any) -> Response:
        return Response(200, _dumps({"meta": {"status": 200}, "data": data}), "application/json")

    def next_trials(self, req: Request) -> Response:
        self._require(req, "optimizer_name")
        space = req.params.get("search_space") or {}
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        count = self._int(req, "trial_workers_count", 1) or 1
        context = req.params.get("optimizer_context")
        seed = hashlib.sha256(req.body).hexdigest()
        return self._optimizer_ok(
            [_sample_trials(space, count, seed), context if context is not None else {}]
        )

    def next_trials_v2(self, req: Request) -> Response:
        self._require(req, "search_space")
        space = req.params["search_space"]
        if not isinstance(space, dict):
            raise invalid("search_space", "must be an object")
        limit = self._int(req, "trials_limit", 1) or 1
        context = req.params.get("optimizer_context")
        seed = hashlib.sha256(req.body).hexdigest()
        return self._optimizer_ok(
            {
                "trials": _sample_trials(space, limit, seed),
                "optimizer_context": context if context is not None else {},
            }
        )

    def fte(self, req: Request) -> Response:
        self._require(req, "alg_name", "alg_params")
        if not isinstance(req.params["alg_params"], dict):
            raise invalid("alg_params", "must be an object")
        rows = self._int(req, "nrows", 1000) or 1000
        cols = self._int(req, "ncols", 10) or 10
        h = int(hashlib.sha256(str(req.params["alg_name"]).encode()).hexdigest()[:6], 16) / 0xFFFFFF
        return self._optimizer_ok({"estimated_time": round((0.5 + h) * rows * cols / 1.75e5, 12)})


# ---------------------------------------------------------------------------- module helpers

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def _s3_error(status: int, code: str, message: str) -> Response:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    )
    return Response(status, xml.encode(), "application/xml")


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0 and bool(expr.strip())


def hash_password(password: str, salt: str | None = None) -> str:
    """``salt$hex`` PBKDF2-SHA256 hash of a password."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 20_000).hex()
    return f"{salt}${digest}"


def _check_password(stored: str, password: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return bool(salt) and hmac.compare_digest(hash_password(password, salt), stored)


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


def _sample_trials(space: Any, count: int, seed: str) -> list[Doc]:
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
