"""Projects (deploy, undeploy, logs) and their pod logs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from ..core.actions import Action
from ..core.relations import Children, OptionalParent, Parent
from .base import AugerResource
from .models import Component, StateMachine

if TYPE_CHECKING:
    from .clusters import Cluster, ClusterTask
    from .endpoints import Endpoint
    from .experiments import Experiment, ExperimentSession
    from .files import ProjectFile
    from .organizations import Organization

__all__ = ["PodLog", "Project"]


class Project(
    AugerResource,
    path="projects",
    actions="list get create update delete",
    filters="organization_id",
    object="project",
    create_required="name organization_id",
    read_only=(
        "url status deleting state_machine deploy_progress services_status jobs_status"
        " kube_service_port components default_workers_count default_worker_type_id"
    ),
):
    """A workspace in an organization; deletion is asynchronous (``deleting=True``)."""

    id: int
    name: str | None = None
    url: str | None = None
    status: str | None = None
    deleting: bool | None = None
    state_machine: StateMachine | None = None
    deploy_progress: dict[str, int] | None = None
    services_status: dict[str, int] | None = None
    jobs_status: dict[str, int] | None = None
    kube_service_port: int | None = None
    organization_id: int | None = None
    cluster_id: int | None = None
    components: list[Component] | None = None
    default_worker_nodes_count: int | None = None
    default_workers_per_node_count: int | None = None
    default_instance_type: str | None = None
    default_kubernetes_stack: str | None = None
    cluster_autoterminate_minutes: int | None = None
    default_workers_count: int | None = None
    default_worker_type_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    organization: ClassVar[Parent[Organization]] = Parent("Organization", key="organization_id")
    cluster: ClassVar[OptionalParent[Cluster]] = OptionalParent("Cluster", key="cluster_id")
    experiments: ClassVar[Children[Experiment]] = Children("Experiment", key="project_id")
    experiment_sessions: ClassVar[Children[ExperimentSession]] = Children(
        "ExperimentSession", key="project_id"
    )
    files: ClassVar[Children[ProjectFile]] = Children("ProjectFile", key="project_id")
    endpoints: ClassVar[Children[Endpoint]] = Children("Endpoint", key="project_id")
    cluster_tasks: ClassVar[Children[ClusterTask]] = Children("ClusterTask", key="project_id")
    pod_logs: ClassVar[Children[PodLog]] = Children("PodLog", key="project_id")

    deploy: ClassVar[Action[Project]] = Action(
        "PATCH",
        "deploy",
        doc="Start the project's services (``worker_type_id``, ``workers_count``).",
    )
    undeploy: ClassVar[Action[Project]] = Action(
        "PATCH", "undeploy", doc="Stop the project's services."
    )
    logs: ClassVar[Action[str]] = Action(
        "GET", "logs", returns="text", doc="The project's logs as plain text."
    )


class PodLog(
    AugerResource,
    path="pod_logs",
    actions="list",
    filters="project_id",
    object="pod_log",
    repr_fields="pod_name",
):
    """One log line of a project pod (list them with ``project.pod_logs()``)."""

    id: int
    timestamp: datetime | None = None
    pod_name: str | None = None
    project_id: int | None = None
    data: str | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
