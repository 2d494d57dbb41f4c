"""Dataset manifests: a dataset's description and statistics, under a client-chosen id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..core.relations import Children
from .base import AugerResource

if TYPE_CHECKING:
    from .search import SimilarTrialsRequest, WarmStartRequest

__all__ = ["DatasetManifest"]


class DatasetManifest(
    AugerResource,
    path="dataset_manifests",
    actions="list get create update",
    object="dataset_manifest",
    create_required="id name statistics",
):
    """A dataset manifest; its id is chosen by the client (a numeric id comes back as a string)."""

    id: str | int
    name: str | None = None
    display_name: str | None = None
    description: str | None = None
    industry: str | None = None
    image_url: str | None = None
    dataset_url: str | None = None
    statistics: dict[str, Any] | None = None
    metafeatures: dict[str, Any] | None = None
    metafeatures_preprocess: dict[str, Any] | None = None
    correlation_matrix: list[list[Any]] | None = None
    correlation_to_target: list[list[Any]] | None = None

    warm_start_requests: ClassVar[Children[WarmStartRequest]] = Children(
        "WarmStartRequest", key="dataset_manifest_id"
    )
    similar_trials_requests: ClassVar[Children[SimilarTrialsRequest]] = Children(
        "SimilarTrialsRequest", key="dataset_manifest_id"
    )
