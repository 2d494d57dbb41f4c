"""The base class of every Auger Hub resource."""

from __future__ import annotations

from ..core.resource import Resource


class AugerResource(Resource, api="auger"):
    """An Auger Hub object: ``object``/``deleted`` on every stored object, unknown fields kept.

    The class keyword ``inputs=`` declares request-only arguments (such as a pipeline's
    ``trial_id``) with their types, so that they are validated before sending like the
    declared fields.
    """

    object: str | None = None
    deleted: bool | None = None
