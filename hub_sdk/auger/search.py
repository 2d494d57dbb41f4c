"""Hyperparameter search helpers: warm starts, similar trials and server-side trial searches."""

from __future__ import annotations

from typing import Any

from .base import AugerResource
from .trials import Hyperparameter, Trial

__all__ = ["SimilarTrialsRequest", "TrialSearch", "WarmStartRequest"]


class WarmStartRequest(
    AugerResource,
    path="warm_start_requests",
    actions="get create",
    object="warm_start_request",
    create_required="dataset_manifest_id score_name",
    repr_fields="score_name status",
    inputs={"dataset_manifest_id": str},
):
    """Asks for good starting hyperparameters for a dataset; ``refresh()`` until ``done``."""

    id: int
    score_name: str | None = None
    limit: int | None = None
    status: str | None = None
    time_consumed_ms: int | None = None
    hyperparameters: list[Hyperparameter] | None = None


class SimilarTrialsRequest(
    AugerResource,
    path="similar_trials_requests",
    actions="get create",
    object="similar_trials_request",
    create_required="dataset_manifest_id algorithm_name algorithm_params_hash",
    repr_fields="algorithm_name status",
    inputs={"dataset_manifest_id": str},
):
    """Asks for trials similar to an algorithm setting; ``refresh()`` until ``done``."""

    id: int
    algorithm_name: str | None = None
    algorithm_params_hash: str | None = None
    limit: int | None = None
    status: str | None = None
    time_consumed_ms: int | None = None
    trials: list[Trial] | None = None


class TrialSearch(
    AugerResource,
    path="trial_searches",
    actions="list get create update",
    filters="status",
    object="trial_search",
    create_required="trials_total_count search_space",
    repr_fields="status trials_limit",
):
    """A server-side optimizer session: create it, then :meth:`continue_with` the history."""

    id: int
    status: str | None = None
    trials_total_count: int | None = None
    trials_limit: int | None = None
    search_space: dict[str, Any] | None = None
    dataset_metafeatures: dict[str, Any] | None = None
    trials_history: list[Any] | None = None
    next_trials: list[dict[str, Any]] | None = None

    def continue_with(
        self, trials_history: list[dict[str, Any]], trials_limit: int | None = None
    ) -> TrialSearch:
        """Ask for the next trials given the evaluated ``trials_history`` (the search must be
        ``done``); updates this object in place and returns it."""
        fields: dict[str, Any] = {"trials_history": trials_history}
        if trials_limit is not None:
            fields["trials_limit"] = trials_limit
        fresh = type(self).update(self.id, connection=self.connection, **fields)
        self._absorb(fresh)
        return self
