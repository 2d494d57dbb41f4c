"""Endpoints (model serving) with their pipelines, predictions, actuals and ROI validations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.relations import Children, OptionalParent, Parent
from .base import AugerResource
from .predictions import PredictionGroup, date_range
from .relations import Embedded

if TYPE_CHECKING:
    from .clusters import ClusterTask
    from .experiments import ExperimentSession
    from .organizations import Organization
    from .pipelines import Pipeline
    from .projects import Project
    from .reviews import ReviewAlert, ReviewAlertItem

__all__ = ["Endpoint", "EndpointActual", "EndpointPipeline", "EndpointPrediction"]


class EndpointPipeline(
    AugerResource,
    path="endpoint_pipelines",
    actions="create update delete",
    object="endpoint_pipeline",
    create_required="endpoint_id pipeline_id",
    writable="active",
    repr_fields="pipeline_id active",
):
    """A pipeline attached to an endpoint (``endpoint.pipelines()``), ``active`` or not."""

    id: int
    endpoint_id: str | None = None
    pipeline_id: str | None = None
    active: bool | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    endpoint: ClassVar[Parent[Endpoint]] = Parent("Endpoint", key="endpoint_id")
    pipeline: ClassVar[Parent[Pipeline]] = Parent("Pipeline", key="pipeline_id")


class Endpoint(
    AugerResource,
    path="endpoints",
    actions="list get create update delete",
    filters="project_id",
    object="endpoint",
    create_required="pipeline_id",
    writable="name",
    inputs={"pipeline_id": str},
):
    """A model-serving endpoint of a project (created from a pipeline)."""

    id: str
    name: str | None = None
    project_id: int | None = None
    organization_id: int | None = None
    dataset_signature: str | None = None
    primary_pipeline_id: str | None = None
    primary_experiment_session_id: str | None = None
    avg_prediction_time_ms: float | None = None
    endpoint_pipelines: list[EndpointPipeline] | None = None
    stats: Any = None
    daily_model_performance: Any = None
    daily_feature_distribution: Any = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")
    organization: ClassVar[Parent[Organization]] = Parent("Organization", key="organization_id")
    primary_pipeline: ClassVar[OptionalParent[Pipeline]] = OptionalParent(
        "Pipeline", key="primary_pipeline_id"
    )
    primary_experiment_session: ClassVar[OptionalParent[ExperimentSession]] = OptionalParent(
        "ExperimentSession", key="primary_experiment_session_id"
    )
    pipelines: ClassVar[Embedded[EndpointPipeline]] = Embedded(
        "EndpointPipeline", key="endpoint_id", field="endpoint_pipelines"
    )
    predictions: ClassVar[Children[EndpointPrediction]] = Children(
        "EndpointPrediction", key="endpoint_id"
    )
    actuals: ClassVar[Children[EndpointActual]] = Children("EndpointActual", key="endpoint_id")
    review_alerts: ClassVar[Children[ReviewAlert]] = Children("ReviewAlert", key="endpoint_id")
    review_alert_items: ClassVar[Children[ReviewAlertItem]] = Children(
        "ReviewAlertItem", key="endpoint_id"
    )

    def predict(self, records: Sequence[Sequence[Any]], features: Sequence[str]) -> PredictionGroup:
        """Request predictions from the endpoint's active pipeline."""
        return self.predictions.create(records=records, features=features)

    def delete_actuals(
        self, from_date: dt.date | str, to_date: dt.date | str, *, with_predictions: bool = False
    ) -> list[ClusterTask]:
        """Delete the endpoint's actuals in a date range; returns one task per pipeline."""
        from .clusters import ClusterTask

        body: dict[str, Any] = {**date_range(from_date, to_date)}
        body["with_predictions"] = bool(with_predictions)
        conn = type(self)._conn(self.connection)
        resp = conn.request("DELETE", f"{self._item_path(self.id)}/actuals", body=body)
        return ClusterTask._many(resp, conn)

    def validate_roi(self, expressions: Sequence[str]) -> ClusterTask:
        """Check ROI expressions; returns the cluster task whose ``result`` holds the verdicts."""
        from .clusters import ClusterTask

        body = EndpointRoiValidation.validate_input(
            {"endpoint_id": self.id, "expressions": expressions},
            required=("endpoint_id", "expressions"),
        )
        conn = type(self)._conn(self.connection)
        resp = conn.request("POST", f"{self._item_path(self.id)}/roi_validations", body=body)
        return ClusterTask._from_response(resp, conn)


class EndpointPrediction(
    PredictionGroup,
    path="endpoints/{endpoint_id}/predictions",
    actions="list get create",
    create_required="endpoint_id records features",
):
    """A prediction group made through an endpoint (``endpoint.predictions()``)."""


class EndpointActual(
    AugerResource,
    path="endpoints/{endpoint_id}/actuals",
    actions="create",
    create_required="endpoint_id actuals",
    inputs={"actuals": list[dict[str, Any]], "prediction_group_id": str},
):
    """Ground truth sent to an endpoint: ``endpoint.actuals.create(actuals=[...])``."""

    endpoint_id: str | None = None


class EndpointRoiValidation(
    AugerResource,
    path="endpoints/{endpoint_id}/roi_validations",
    inputs={"expressions": list[str]},
):
    """The arguments of an ROI validation (see :meth:`Endpoint.validate_roi`)."""

    endpoint_id: str | None = None
