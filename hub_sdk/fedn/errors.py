"""Errors specific to the FEDn controller API (all derive from :class:`hub_sdk.errors.HubError`)."""

from __future__ import annotations

from typing import Any

from ..errors import BadRequestError, HubError, ValidationError

__all__ = [
    "NoActivePackageError",
    "SessionFailedError",
    "SessionStalledError",
    "SessionStartError",
    "SessionTimeoutError",
]


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


class SessionFailedError(HubError):
    """The session ended, but some of the rounds ``wait()`` followed did not finish.

    ``session`` is the session's last state; ``rounds`` the rounds of this run as
    :class:`~hub_sdk.fedn.RoundResult` (``status`` says ``"Failed"``, ``"Terminated"``...);
    ``failed`` the ones that did not finish. FEDn marks such a session "Finished" anyway
    (for example when training fails on every client).
    """

    def __init__(
        self, message: str, *, session: Any = None, rounds: Any = (), **kw: Any
    ) -> None:
        super().__init__(message, **kw)
        self.session = session
        self.rounds = list(rounds)

    @property
    def failed(self) -> list[Any]:
        """The rounds that did not finish."""
        return [r for r in self.rounds if not r.succeeded]


class SessionStalledError(HubError):
    """``Session.wait()`` saw no progress it could expect to come; ``cause`` says why.

    ``cause`` is ``"not_started"`` (still in its old state long after the start: the
    controller's session thread did not run, e.g. an aggregator it does not ship),
    ``"no_clients"`` (no client is online, so no round can finish) or ``"no_progress"``
    (nothing changed for longer than a round may take). ``session`` is its last state.
    """

    def __init__(self, message: str, *, cause: str, session: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.cause = cause
        self.session = session
