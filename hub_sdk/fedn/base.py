"""The base class of every FEDn controller resource."""

from __future__ import annotations

from ..core.resource import Resource


class FednResource(Resource, api="fedn"):
    """A FEDn controller object; unknown fields are kept."""
