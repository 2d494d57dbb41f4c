"""Errors specific to the FEDn controller API (all derive from :class:`hub_sdk.errors.HubError`)."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequestError, HubError, ValidationError

__all__ = ["NoActivePackageError", "SessionStartError", "SessionTimeoutError"]


class NoActivePackageError(ValidationError):
    """A model upload was refused before sending: no compute package is active.

    The controller needs the package (and its helper) first; uploading a model without one
    leaves FEDn 0.33.0 in a broken state. Call ``Package.upload(...)`` first.
    """


class SessionStartError(BadRequestError):
    """The controller refused to start a session; ``session`` is the (created) session."""

    def __init__(self, message: str, *, session: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.session = session


class SessionTimeoutError(HubError, TimeoutError):
    """``Session.wait()`` gave up before the session finished; ``session`` is its last state."""

    def __init__(self, message: str, *, session: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.session = session
