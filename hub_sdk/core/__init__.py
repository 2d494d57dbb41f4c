"""The API-independent core: connection, retries, errors, pagination, resources, relations."""

from __future__ import annotations

from .auth import Auth, BodyTokenAuth, HeaderTokenAuth
from .connection import DEFAULT_TIMEOUT, Connection, InsecureConnectionWarning, ResourceCache
from .context import clear_default, get_default, set_default
from .log import configure_from_env
from .pagination import DEFAULT_PAGE_SIZE, LazyList, PageFetcher
from .protocol import ApiResponse, Page, WireProtocol
from .relations import ChildManager, Children, Parent
from .resource import Action, Resource, ResourceSpec, resource_class
from .retry import Decision, Outcome, RetryPolicy, backoff_delay, decide, parse_retry_after
from .secret import Secret, redact

configure_from_env()

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "Action",
    "ApiResponse",
    "Auth",
    "BodyTokenAuth",
    "ChildManager",
    "Children",
    "Connection",
    "Decision",
    "HeaderTokenAuth",
    "InsecureConnectionWarning",
    "LazyList",
    "Outcome",
    "Page",
    "PageFetcher",
    "Parent",
    "Resource",
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
    "set_default",
]
