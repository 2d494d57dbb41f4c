"""Organizations: the top-level tenant that owns projects, clusters and a bucket."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from ..core.relations import Children
from .base import AugerResource
from .models import StateMachine

if TYPE_CHECKING:
    from .clusters import Cluster
    from .projects import Project

__all__ = ["Organization"]


class Organization(
    AugerResource,
    path="organizations",
    actions="list get create update delete",
    object="organization",
    create_required="name",
    read_only="subdomain main_bucket status state_machine is_demo error_message",
    inputs={"role_to_assume_arn": str},
):
    """An organization; deleting one is asynchronous (it answers ``status="terminating"``).

    ``role_to_assume_arn`` is written (``update``) but never read back.
    """

    id: int
    name: str | None = None
    subdomain: str | None = None
    main_bucket: str | None = None
    status: str | None = None
    state_machine: StateMachine | None = None
    is_demo: bool | None = None
    is_jupyter_enabled: bool | None = None
    error_message: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    projects: ClassVar[Children[Project]] = Children("Project", key="organization_id")
    clusters: ClassVar[Children[Cluster]] = Children("Cluster", key="organization_id")
