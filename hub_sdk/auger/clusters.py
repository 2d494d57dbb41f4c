"""Cluster tasks, cluster statuses, instance types and the legacy clusters."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.relations import Children, OptionalParent, Parent
from .base import AugerResource
from .models import StateMachine, User

if TYPE_CHECKING:
    from .organizations import Organization
    from .projects import Project

__all__ = ["Cluster", "ClusterStatus", "ClusterTask", "InstanceType"]


class ClusterTask(
    AugerResource,
    path="cluster_tasks",
    actions="list get create update",
    filters="project_id status",
    object="cluster_task",
    create_required="name",
    read_only="project_id cluster_id",
    inputs={"traceback": str},
):
    """An asynchronous job run on the project's cluster (also what deleting actuals returns)."""

    id: int
    name: str | None = None
    status: str | None = None
    queue: str | None = None
    args: list[dict[str, Any]] | None = None
    result: Any = None
    exception: Any = None
    external_uid: str | None = None
    project_id: int | None = None
    cluster_id: int | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    cluster: ClassVar[OptionalParent[Cluster]] = OptionalParent("Cluster", key="cluster_id")


class InstanceType(
    AugerResource,
    path="instance_types",
    actions="list",
    object="instance_type",
    repr_fields="description",
):
    """A machine type (its id is the provider's name, e.g. ``"c5.large"``)."""

    id: str
    description: str | None = None


class Cluster(
    AugerResource,
    path="clusters",
    actions="list get create delete",
    filters="organization_id",
    object="cluster",
    create_required="name organization_id",
    inputs={"project_id": int},
):
    """LEGACY (client <= 0.6): a compute cluster of an organization."""

    id: int
    name: str | None = None
    status: str | None = None
    error_message: str | None = None
    organization_id: int | None = None
    created_by: User | None = None
    worker_nodes_count: int | None = None
    workers_per_node_count: int | None = None
    total_memory_mb: int | None = None
    instance_type: InstanceType | None = None
    uptime_seconds: int | None = None
    seconds_since_created: int | None = None
    ip_address: str | None = None
    file_uploader_service: dict[str, Any] | None = None
    components: list[Any] | None = None
    docker_image_tag: str | None = None
    platform: str | None = None
    project_name: str | None = None
    autoterminate_minutes: int | None = None
    state_machine: StateMachine | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    organization: ClassVar[Parent[Organization]] = Parent("Organization", key="organization_id")
    statuses: ClassVar[Children[ClusterStatus]] = Children("ClusterStatus", key="cluster_id")


class ClusterStatus(
    AugerResource,
    path="cluster_statuses",
    actions="list",
    filters="cluster_id",
    object="cluster_status",
    repr_fields="cpu_status memory_status",
):
    """A CPU/memory sample of a cluster (``cluster.statuses()``)."""

    id: int
    cluster_id: int | None = None
    cpu: float | None = None
    cpu_status: str | None = None
    memory: float | None = None
    memory_status: str | None = None
    slave_data: dict[str, Any] | None = None
    pods_data: list[dict[str, Any]] | None = None
    created_at: datetime | None = None

    cluster: ClassVar[Parent[Cluster]] = Parent("Cluster", key="cluster_id")
