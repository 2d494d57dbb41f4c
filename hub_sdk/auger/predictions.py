"""Predictions (prediction groups, and the legacy predictions) and actuals."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.connection import Connection
from ..core.relations import OptionalParent, Parent
from ..errors import ValidationError
from .base import AugerResource

if TYPE_CHECKING:
    from .clusters import ClusterTask
    from .endpoints import Endpoint
    from .pipelines import Pipeline

__all__ = ["Actual", "Prediction", "PredictionGroup", "date_range"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RECORDS = {"records": list[list[Any]], "features": list[str]}


class PredictionGroup(
    AugerResource,
    path="prediction_groups",
    actions="list get create",
    filters="pipeline_id endpoint_id",
    object="prediction_group",
    create_required="pipeline_id records features",
    repr_fields="status records_count",
    inputs=_RECORDS,
):
    """A batch of predictions requested from a pipeline (``pipeline.predict(records, features)``).

    ``result`` is filled in once ``status`` is final; :meth:`refresh` polls it.
    """

    id: str
    pipeline_id: str | None = None
    endpoint_id: str | None = None
    status: str | None = None
    records_count: int | None = None
    time_consumed_ms: int | None = None
    result: Any = None
    error_message: str | None = None
    created_at: dt.datetime | None = None
    predicted_at: dt.datetime | None = None

    pipeline: ClassVar[Parent[Pipeline]] = Parent("Pipeline", key="pipeline_id")
    endpoint: ClassVar[OptionalParent[Endpoint]] = OptionalParent("Endpoint", key="endpoint_id")


class Prediction(
    AugerResource,
    path="predictions",
    actions="list get create",
    filters="pipeline_id",
    object="prediction",
    create_required="pipeline_id records features",
    repr_fields="status records_count",
    inputs=_RECORDS,
):
    """LEGACY prediction request against a pipeline (superseded by :class:`PredictionGroup`)."""

    id: int
    pipeline_id: str | None = None
    status: str | None = None
    records_count: int | None = None
    time_consumed_ms: int | None = None
    result: Any = None

    pipeline: ClassVar[Parent[Pipeline]] = Parent("Pipeline", key="pipeline_id")


def date_range(from_date: dt.date | str, to_date: dt.date | str) -> dict[str, str]:
    """``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}``, or ValidationError naming the bad date."""
    out: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for wire, name, value in (("from", "from_date", from_date), ("to", "to_date", to_date)):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            out[wire] = value.isoformat()
        elif isinstance(value, str) and _DATE.match(value):
            out[wire] = value
        else:
            problems.append((name, "must be a date or a 'YYYY-MM-DD' string"))
    if problems:
        raise ValidationError.from_fields("invalid date range", problems)
    return out


class Actual(
    AugerResource,
    path="actuals",
    actions="create",
    create_required="pipeline_id actuals",
    repr_fields="pipeline_id",
    inputs={"actuals": list[dict[str, Any]]},
):
    """Ground truth for earlier predictions: ``Actual.create(pipeline_id=..., actuals=[...])``.

    Each actual is ``{"prediction_id": ..., "actual": ...}``; the server answers with an empty
    object. :meth:`delete_range` deletes a pipeline's actuals between two dates.
    """

    pipeline_id: str | None = None
    endpoint_id: str | None = None
    prediction_id: str | None = None
    actual: Any = None
    created_at: dt.datetime | None = None

    pipeline: ClassVar[Parent[Pipeline]] = Parent("Pipeline", key="pipeline_id")

    @classmethod
    def delete_range(
        cls,
        *,
        pipeline_id: str,
        from_date: dt.date | str,
        to_date: dt.date | str,
        with_predictions: bool = False,
        connection: Connection | None = None,
    ) -> ClusterTask:
        """``DELETE /actuals``: delete a pipeline's actuals in a date range (asynchronously)."""
        from .clusters import ClusterTask

        if not pipeline_id:
            raise ValidationError(
                "pipeline_id is required", field_errors=[("pipeline_id", "is required")]
            )
        body: dict[str, Any] = {"pipeline_id": pipeline_id, **date_range(from_date, to_date)}
        body["with_predictions"] = bool(with_predictions)
        conn = cls._conn(connection)
        return ClusterTask._from_response(conn.request("DELETE", "actuals", body=body), conn)
