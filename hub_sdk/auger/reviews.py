"""Review alerts (monitoring rules of an endpoint) and the alert items they fire."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from ..core.relations import Children, OptionalParent, Parent
from .base import AugerResource

if TYPE_CHECKING:
    from .endpoints import Endpoint

__all__ = ["ReviewAlert", "ReviewAlertItem"]


class ReviewAlert(
    AugerResource,
    path="review_alerts",
    actions="list get create update delete",
    filters="endpoint_id",
    object="review_alert",
    create_required="endpoint_id kind",
    read_only="endpoint_id",
    repr_fields="kind threshold active",
):
    """A monitoring rule of an endpoint (``endpoint.review_alerts.create(kind=...)``)."""

    id: int
    endpoint_id: str | None = None
    kind: str | None = None
    threshold: float | None = None
    sensitivity: int | None = None
    actions: str | None = None
    notifications: str | None = None
    active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    endpoint: ClassVar[Parent[Endpoint]] = Parent("Endpoint", key="endpoint_id")
    items: ClassVar[Children[ReviewAlertItem]] = Children("ReviewAlertItem", key="review_alert_id")


class ReviewAlertItem(
    AugerResource,
    path="review_alert_items",
    actions="list get",
    filters="endpoint_id review_alert_id",
    object="review_alert_item",
    repr_fields="kind opened_at",
):
    """A fired alert: the values that crossed the rule's threshold (read-only)."""

    id: int
    endpoint_id: str | None = None
    review_alert_id: int | None = None
    opened_at: datetime | None = None
    kind: str | None = None
    threshold: float | None = None
    sensitivity: int | None = None
    values: list[float | None] | None = None
    action_results: Any = None
    notification_results: Any = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    endpoint: ClassVar[Parent[Endpoint]] = Parent("Endpoint", key="endpoint_id")
    review_alert: ClassVar[OptionalParent[ReviewAlert]] = OptionalParent(
        "ReviewAlert", key="review_alert_id"
    )
