"""Value objects the Auger Hub embeds in its resources (no route of their own)."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict

from ..core.protocol import loads
from ..core.relations import Parent
from .base import AugerResource

if TYPE_CHECKING:
    from .projects import Project

__all__ = [
    "AugerModel",
    "Component",
    "SearchSpace",
    "State",
    "StateMachine",
    "User",
    "parse_search_space",
]


class AugerModel(BaseModel):
    """An embedded value object: typed fields, unknown fields kept."""

    model_config = ConfigDict(extra="allow", defer_build=True, protected_namespaces=())


class State(AugerModel):
    """One state or transition of a state machine: ``{"id": "deploying", "name": "Starting"}``."""

    id: str | None = None
    name: str | None = None


class StateMachine(AugerModel):
    """The ``state_machine`` of an organization, project or cluster."""

    object: str | None = None
    deleted: bool | None = None
    current_state: State | None = None
    possible_transitions: list[State] | None = None


class Component(AugerResource, object="component", repr_fields="name status"):
    """A deployed service of a project (only ever embedded in ``project.components``)."""

    id: int
    name: str | None = None
    status: str | None = None
    cluster_id: int | None = None
    project_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")


class User(AugerResource, object="user", repr_fields="email"):
    """A Hub user (embedded as a legacy cluster's ``created_by``)."""

    id: int
    email: str | None = None
    unconfirmed_email: str | None = None
    name: str | None = None
    company_name: str | None = None
    selected_plan: str | None = None
    confirmation_required: bool | None = None
    created_at: datetime | None = None


def _plain(value: Any) -> Any:
    """A Python literal as JSON-like data: ``...`` (elided content) becomes ``"..."``."""
    if value is Ellipsis:
        return "..."
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)) and value == {Ellipsis}:
        return {"...": "..."}  # reprlib's elided dict
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


# A reprlib-shortened dict ends like ``..., 'some.key...', ...}``: drop the elided tail.
_ELIDED_KEY = re.compile(r",\s*'[^']*\.\.\.'(?=\s*,\s*\.\.\.\s*[}\]])")
_ELIDED_TAIL = re.compile(r",\s*\.\.\.(?=\s*[}\]])")


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        repaired = _ELIDED_TAIL.sub("", _ELIDED_KEY.sub("", text))
        if repaired == text:
            raise
        return ast.literal_eval(repaired)


def parse_search_space(value: Any) -> Any:
    """A search space as sent by any server version: null, an object, or a string holding JSON
    or a Python ``repr`` (parsed to an object; kept as the string if it does not parse)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text.startswith("{"):
        return value
    try:
        parsed = loads(text)
    except ValueError:
        try:
            parsed = _literal(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return value
    return _plain(parsed) if isinstance(parsed, dict) else value


SearchSpace: TypeAlias = Annotated[dict[str, Any] | str | None, BeforeValidator(parse_search_space)]
