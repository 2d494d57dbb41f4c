"""The base class of every Auger Hub resource."""

from __future__ import annotations

from ..core.resource import Resource


class AugerResource(Resource, api="auger"):
    """An Auger Hub object: ``object``/``deleted`` on every stored object, unknown fields kept."""

    object: str | None = None
    deleted: bool | None = None
