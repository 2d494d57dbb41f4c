"""What a FEDn request may carry: the errors a client mistake gets, and session settings.

Where the real controller crashes (a 500) on a client mistake, LocalHub answers 400 with a clear
:class:`BadRequest` message instead; where it crashes on what its statestore refuses, a
:class:`StoreError` gives the same 500 it sends. The messages of the DTO checks are the
controller's (``Class 'X' is missing field f``, ``Validation failed for field ...``).
"""

from __future__ import annotations

from typing import Any

from .catalogue import SESSION_CONFIG, Doc

__all__ = ["BadRequest", "StoreError", "invalid", "missing", "validate_session_config"]


class StoreError(Exception):
    """The statestore failed (the real server answers 500 "An unexpected error occurred")."""


class BadRequest(Exception):
    """A client mistake answered with 400 ``{"message": str(exc)}``."""


def missing(cls: str, field: str) -> BadRequest:
    """The controller's message for a DTO field that was not sent."""
    return BadRequest(f"Class '{cls}' is missing field {field}")


def invalid(field: str, message: str) -> BadRequest:
    """The controller's message for a DTO field whose value is refused."""
    return BadRequest(f"Validation failed for field '{field}' with message: {message}")


def validate_session_config(raw: Any) -> Doc:
    """A complete session_config, validated like SessionConfigDTO (plus ``rounds`` required)."""
    if not isinstance(raw, dict):
        raise BadRequest("Missing required field: session_config (an object)")
    unknown = [k for k in raw if k not in SESSION_CONFIG]
    if unknown:
        raise BadRequest("Invalid object")
    optional = {"aggregator_kwargs", "rounds", "requested_clients", "server_functions"}
    for field in SESSION_CONFIG:
        if field not in optional and field not in raw:
            raise missing("SessionConfigDTO", field)
    cfg: Doc = {k: raw.get(k) for k in SESSION_CONFIG}
    checks = (
        ("aggregator", "Aggregator is required"),
        ("round_timeout", "Round timeout is required"),
        ("buffer_size", "Buffer size is required"),
        ("model_id", "Model ID is required"),
    )
    for field, message in checks:
        if not cfg[field]:
            raise invalid(field, message)
    if cfg["delete_models_storage"] is None:
        raise invalid("delete_models_storage", "Delete models storage is required")
    if not cfg["clients_required"]:
        raise invalid("clients_required", "Clients required is required")
    if cfg["validate"] is None:
        raise invalid("validate", "Validate is required")
    if not cfg["helper_type"]:
        raise invalid("helper_type", "Helper type is required")
    # The real SQL store needs rounds (NOT NULL) and answers 500 without it; say so clearly.
    if cfg["rounds"] is None:
        raise invalid("rounds", "Rounds is required")
    for field in ("round_timeout", "buffer_size", "rounds", "clients_required"):
        if not isinstance(cfg[field], int) or isinstance(cfg[field], bool):
            raise invalid(field, "must be an integer")
    if cfg["aggregator_kwargs"] is not None and not isinstance(cfg["aggregator_kwargs"], str):
        # The SQL stores keep it in a text column; anything else fails the insert (a 500).
        raise StoreError("aggregator_kwargs is not text")
    return cfg
