"""The API-independent core: connection, retries, errors, pagination, resources, relations.

The resource layer (pydantic models) is imported on first use, so importing the core, or an
API package to connect, stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .auth import Auth, BodyTokenAuth, HeaderTokenAuth
from .cache import ResourceCache
from .connection import DEFAULT_TIMEOUT, Connection, InsecureConnectionWarning
from .context import clear_default, get_default, set_default
from .exports import LazyExports
from .log import configure_from_env
from .pagination import Consistency, LazyList, PageFetcher
from .protocol import ApiResponse, KeyOrder, Page, WireProtocol
from .relations import ChildManager, Children, OptionalParent, Parent
from .request import Request
from .retry import Decision, Outcome, RetryPolicy, backoff_delay, decide, parse_retry_after
from .secret import Secret, redact
from .walk import FIRST_PAGE_SIZE, MAX_PAGE_SIZE, CollectionChangedWarning, Keyset

if TYPE_CHECKING:
    from .actions import Action
    from .registry import ResourceSpec, resource_class, resources
    from .resource import Resource

configure_from_env()

_exports = LazyExports(
    __name__,
    globals(),
    actions="Action",
    registry="ResourceSpec resource_class resources",
    resource="Resource",
)
if not TYPE_CHECKING:  # type checkers see the real names above, not an Any fallback
    __getattr__, __dir__ = _exports.load, _exports.names

__all__ = [
    "DEFAULT_TIMEOUT",
    "FIRST_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Action",
    "ApiResponse",
    "Auth",
    "BodyTokenAuth",
    "ChildManager",
    "Children",
    "CollectionChangedWarning",
    "Connection",
    "Consistency",
    "Decision",
    "HeaderTokenAuth",
    "InsecureConnectionWarning",
    "KeyOrder",
    "Keyset",
    "LazyList",
    "OptionalParent",
    "Outcome",
    "Page",
    "PageFetcher",
    "Parent",
    "Resource",
    "Request",
    "ResourceCache",
    "ResourceSpec",
    "RetryPolicy",
    "Secret",
    "WireProtocol",
    "backoff_delay",
    "clear_default",
    "decide",
    "get_default",
    "parse_retry_after",
    "redact",
    "resource_class",
    "resources",
    "set_default",
]
