"""Experiments, their sessions (AutoML runs), and the legacy project runs they replaced."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from ..core.relations import Children, OptionalParent, Parent
from .base import AugerResource
from .datasets import DatasetManifest
from .models import SearchSpace
from .pipelines import Pipeline

if TYPE_CHECKING:
    from .files import ProjectFile
    from .pipelines import PipelineFile
    from .projects import Project
    from .trials import Trial

__all__ = ["Experiment", "ExperimentSession", "ProjectRun"]


class Experiment(
    AugerResource,
    path="experiments",
    actions="list get create update delete",
    filters="project_id",
    object="experiment",
    create_required="name",
    read_only="dataset_manifest data_path_url",
    inputs={"dataset_manifest_id": str},
):
    """An experiment in a project (ex "notebook"); ``search_space`` parses in all three shapes."""

    id: str
    name: str | None = None
    project_id: int | None = None
    project_file_id: int | None = None
    data_path_url: str | None = None
    search_space: SearchSpace = None
    search_space_status: str | None = None
    dataset_manifest: DatasetManifest | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    project_file: ClassVar[OptionalParent[ProjectFile]] = OptionalParent(
        "ProjectFile", key="project_file_id"
    )
    sessions: ClassVar[Children[ExperimentSession]] = Children(
        "ExperimentSession", key="experiment_id"
    )


class ExperimentSession(
    AugerResource,
    path="experiment_sessions",
    actions="list get create update",
    filters="project_id experiment_id status",
    object="experiment_session",
    create_required="experiment_id",
    read_only="number notebook_uid embedded_pipelines starter_user_id",
    inputs={"leaderbord": dict[str, Any]},
):
    """One AutoML run of an experiment (ex "project_run").

    ``session.pipelines`` is the child collection (``session.pipelines.create(trial_id=...)``);
    the pipelines some server versions embed are kept in ``embedded_pipelines``.
    """

    id: str
    number: int | None = None
    experiment_id: str | None = None
    notebook_uid: str | None = None
    project_id: int | None = None
    project_file_id: int | None = None
    dataset_manifest_id: str | int | None = None
    starter_user_id: int | None = None
    status: str | None = None
    message: str | None = None
    model_type: str | None = None
    model_settings: dict[str, Any] | None = None
    top_score_value: float | None = None
    search_space: SearchSpace = None
    statistics: dict[str, Any] | None = None
    dataset_statistics: dict[str, Any] | None = None
    correlation_to_target: Any = None
    correlation_to_target_status: str | None = None
    correlation_matrix: Any = None
    correlation_matrix_status: str | None = None
    datasource_name: str | None = None
    providers: list[str] | None = None
    providers_data: dict[str, Any] | None = None
    embedded_pipelines: list[Pipeline] | None = Field(default=None, alias="pipelines")
    created_at: datetime | None = None
    updated_at: datetime | None = None

    experiment: ClassVar[Parent[Experiment]] = Parent("Experiment", key="experiment_id")
    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    project_file: ClassVar[OptionalParent[ProjectFile]] = OptionalParent(
        "ProjectFile", key="project_file_id"
    )
    dataset_manifest: ClassVar[Parent[DatasetManifest]] = Parent(
        "DatasetManifest", key="dataset_manifest_id"
    )
    trials: ClassVar[Children[Trial]] = Children("Trial", key="experiment_session_id")
    pipelines: ClassVar[Children[Pipeline]] = Children("Pipeline", key="experiment_session_id")
    pipeline_files: ClassVar[Children[PipelineFile]] = Children(
        "PipelineFile", key="experiment_session_id"
    )

    def update_trials(self, trials: Sequence[Mapping[str, Any]]) -> list[Trial]:
        """Create or update many trials of this session in one request (upsert by ``uid``)."""
        from .trials import Trial

        return Trial.bulk_update(self.id, trials, connection=self.connection)


class ProjectRun(
    AugerResource,
    path="project_runs",
    actions="list get create update",
    filters="project_id",
    object="project_run",
    create_required="notebook_uid",
):
    """LEGACY (before 2018-11): the predecessor of :class:`ExperimentSession`."""

    id: int
    project_id: int | None = None
    notebook_uid: str | None = None
    status: str | None = None
    message: str | None = None
    leaderbord: dict[str, Any] | None = None
    model_settings: dict[str, Any] | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    experiment: ClassVar[Parent[Experiment]] = Parent("Experiment", key="notebook_uid")
