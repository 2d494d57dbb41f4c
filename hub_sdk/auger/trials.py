"""Trials (one evaluated model of a session) and their hyperparameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.connection import Connection
from ..core.relations import Children, OptionalParent, Parent
from ..errors import ValidationError
from .base import AugerResource

if TYPE_CHECKING:
    from .experiments import ExperimentSession
    from .pipelines import Pipeline, PipelineFile
    from .projects import Project

__all__ = ["Hyperparameter", "Trial"]


class Hyperparameter(
    AugerResource,
    path="hyperparameters",
    actions="list get create",
    object="hyperparameter",
    create_required="algorithm_name",
    repr_fields="algorithm_name",
):
    """An algorithm and its parameters (embedded in every trial as ``trial.hyperparameter``)."""

    id: int | None = None
    algorithm_name: str | None = None
    algorithm_params: dict[str, Any] | None = None
    algorithm_params_hash: str | None = None


class Trial(
    AugerResource,
    path="trials",
    actions="list get create update",
    filters="experiment_session_id project_id",
    object="trial",
    create_required="id refit_data_path",
    read_only="raw_data metrics metrics_status pdf_data pdf_data_status trial_metrics_count",
    repr_fields="score_name score_value",
    inputs={"refit_data_path": str, "evaluation_type": str},
):
    """One evaluated model of an experiment session.

    ``Trial.create`` is the server's *refit* (a new trial copied from ``id``); see :meth:`refit`.
    Many trials are written at once with ``session.update_trials([...])``.
    """

    id: str | int
    experiment_session_id: str | None = None
    project_id: int | None = None
    hyperparameter: Hyperparameter | None = None
    score_name: str | None = None
    score_value: float | None = None
    task_type: str | None = None
    raw_data: dict[str, Any] | None = None
    metrics: Any = None
    metrics_status: str | None = None
    pdf_data: Any = None
    pdf_data_status: str | None = None
    trial_metrics_count: int | None = None
    provider: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    experiment_session: ClassVar[Parent[ExperimentSession]] = Parent(
        "ExperimentSession", key="experiment_session_id"
    )
    project: ClassVar[OptionalParent[Project]] = OptionalParent("Project", key="project_id")
    pipelines: ClassVar[Children[Pipeline]] = Children("Pipeline", key="trial_id")
    pipeline_files: ClassVar[Children[PipelineFile]] = Children("PipelineFile", key="trial_id")

    def refit(self, refit_data_path: str) -> Trial:
        """Refit this trial on other data; the server answers with a NEW trial."""
        return Trial.create(id=self.id, refit_data_path=refit_data_path, connection=self.connection)

    @classmethod
    def bulk_update(
        cls,
        experiment_session_id: str,
        trials: Sequence[Mapping[str, Any]],
        *,
        connection: Connection | None = None,
    ) -> list[Trial]:
        """``PATCH /trials``: create or update ``trials`` of a session in one request."""
        problems = [("experiment_session_id", "is required")] if not experiment_session_id else []
        if isinstance(trials, (str, bytes, Mapping)) or not isinstance(trials, Sequence):
            problems.append(("trials", "must be a list of objects"))
        else:
            problems += [
                (f"trials.{i}", "must be an object")
                for i, t in enumerate(trials)
                if not isinstance(t, Mapping)
            ]
        if problems:
            raise ValidationError.from_fields("invalid arguments for Trial.bulk_update", problems)
        conn = cls._conn(connection)
        items = [dict(t) for t in trials]
        body = {"experiment_session_id": experiment_session_id, "trials": items}
        try:
            resp = conn.request("PATCH", "trials", body=body)
        except BaseException:  # some of them may have been written: forget them all
            for trial in items:
                if trial.get("id") is not None:
                    conn.cache.invalidate(cls.cache_key(trial["id"]))
            raise
        for item in resp.data if isinstance(resp.data, list) else ():
            if isinstance(item, Mapping) and "id" in item:
                conn.cache.invalidate(cls.cache_key(item["id"]))
        return cls._many(resp, conn)
