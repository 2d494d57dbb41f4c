"""Pipelines (packaged models built from a trial) and pipeline files (exported model files)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.relations import Children, Parent
from .base import AugerResource
from .trials import Trial

if TYPE_CHECKING:
    from .clusters import ClusterTask
    from .experiments import ExperimentSession
    from .organizations import Organization
    from .predictions import Actual, Prediction, PredictionGroup
    from .projects import Project

__all__ = ["Pipeline", "PipelineFile"]


class Pipeline(
    AugerResource,
    path="pipelines",
    actions="list get create update",
    filters="project_id trial_id experiment_session_id status",
    object="pipeline",
    create_required="trial_id",
    read_only="trial datasource_manifest_name organization_id project_id",
    inputs={"trial_id": str, "experiment_session_id": str},
):
    """A deployable model built from a trial (``trial.pipelines.create()``); embeds its trial."""

    id: str
    status: str | None = None
    lambda_package_s3_path: str | None = None
    project_id: int | None = None
    organization_id: int | None = None
    trial: Trial | None = None
    datasource_manifest_name: str | None = None
    error_message: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    organization: ClassVar[Parent[Organization]] = Parent("Organization", key="organization_id")
    prediction_groups: ClassVar[Children[PredictionGroup]] = Children(
        "PredictionGroup", key="pipeline_id"
    )
    predictions: ClassVar[Children[Prediction]] = Children("Prediction", key="pipeline_id")
    actuals: ClassVar[Children[Actual]] = Children("Actual", key="pipeline_id")

    @property
    def trial_id(self) -> str | int | None:
        """The id of the trial the pipeline was built from."""
        return self.trial.id if self.trial is not None else None

    @property
    def experiment_session(self) -> ExperimentSession | None:
        """The session of the pipeline's trial (cached lookup)."""
        return self.trial.experiment_session if self.trial is not None else None

    def predict(self, records: Sequence[Sequence[Any]], features: Sequence[str]) -> PredictionGroup:
        """Request predictions for ``records`` (rows of values in the order of ``features``)."""
        return self.prediction_groups.create(records=records, features=features)

    def delete_actuals(
        self, from_date: dt.date | str, to_date: dt.date | str, *, with_predictions: bool = False
    ) -> ClusterTask:
        """Delete this pipeline's actuals in a date range; returns the task doing it."""
        from .predictions import Actual

        return Actual.delete_range(
            pipeline_id=self.id,
            from_date=from_date,
            to_date=to_date,
            with_predictions=with_predictions,
            connection=self.connection,
        )


class PipelineFile(
    AugerResource,
    path="pipeline_files",
    actions="list get create",
    filters="trial_id experiment_session_id",
    object="pipeline_file",
    create_required="trial_id",
    repr_fields="model_path_status",
):
    """A request to export a trial's model file; poll ``model_path_status`` until ``success``."""

    id: int
    trial_id: str | int | None = None
    experiment_session_id: str | None = None
    model_path: str | None = None
    model_path_status: str | None = None
    s3_model_path: str | None = None
    s3_model_path_status: str | None = None
    signed_s3_model_path: str | None = None
    signed_s3_model_path_status: str | None = None
    error_message: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    trial: ClassVar[Parent[Trial]] = Parent("Trial", key="trial_id")
    experiment_session: ClassVar[Parent[ExperimentSession]] = Parent(
        "ExperimentSession", key="experiment_session_id"
    )
