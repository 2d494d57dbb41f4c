"""A room of the Auger app: handlers declared with :func:`route`, over the shared store.

Every domain module under ``routes/`` defines one :class:`Room` subclass. Its methods declare
what they serve right where they are defined::

    @route("PATCH", "/api/v1/projects/<id>/deploy")
    def deploy_project(self, req: HubRequest, id: str) -> Response: ...

    @creates("project")                       # POST /api/v1/projects (generic CRUD)
    def create_project(self, req: HubRequest) -> Doc: ...

Rules use werkzeug's syntax; URL variables arrive as keyword arguments. The base class holds the
document helpers every handler shares: scoped loading (a project token sees only its project),
the lazy ``_next`` transitions, inserting with the template, and rendering with embedded
objects.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from werkzeug.wrappers import Response

from ...store import DuplicateKeyError, Store, public
from ..catalogue import MODEL_BY_KIND, SPEC_BY_KIND, Spec, id_type
from ..templates import STATE_MACHINES, Doc, make, state_machine
from .auth import TokenRegistry
from .envelope import invalid, not_found
from .request import HubRequest

__all__ = ["Creator", "Handler", "Room", "Route", "Updater", "creates", "route", "updates"]

Handler = Callable[..., Response]
Creator = Callable[[HubRequest], Doc]
Updater = Callable[[HubRequest, Doc], Doc]
F = TypeVar("F", bound=Callable[..., Any])

_MARKS = "__auger_marks__"
_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")
_DIGITS = re.compile(r"\d+")
# kinds rendered one by one (embedded objects or computed fields); the rest are just public()
_RICH = frozenset(
    ("project", "experiment", "experiment_session", "endpoint", "cluster", "organization")
)


@dataclass(eq=False)
class Route:
    """``METHOD rule`` served by ``handler``; ``auth``: ``"hub"``, ``"optimizer"`` or ``"none"``.

    ``upload``: the route takes file uploads, bounded by the app's larger upload limit.
    """

    method: str
    rule: str
    handler: Handler
    auth: str = "hub"
    upload: bool = False
    template: str = field(init=False)

    def __post_init__(self) -> None:
        """Name the route as fault targets and counters do (``/api/v1/projects/{id}``)."""
        self.template = _VARIABLE.sub(r"{\1}", self.rule)


def _mark(entry: tuple[str, ...]) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        setattr(fn, _MARKS, (*getattr(fn, _MARKS, ()), entry))
        return fn

    return decorate


def route(method: str, rule: str, *, auth: str = "hub", upload: bool = False) -> Callable[[F], F]:
    """Declare the decorated room method as the handler of ``method rule`` (stackable)."""
    return _mark(("route", method, rule, auth, "upload" if upload else ""))


def creates(kind: str) -> Callable[[F], F]:
    """Declare the decorated room method as the builder of a new ``kind`` (its ``POST``)."""
    return _mark(("creates", kind))


def updates(kind: str) -> Callable[[F], F]:
    """Declare the decorated room method as the custom update of a ``kind`` (``PATCH``/``PUT``)."""
    return _mark(("updates", kind))


class Room:
    """A set of handlers over the shared store, with the document helpers they all use."""

    def __init__(self, store: Store, tokens: TokenRegistry, clock: Callable[[], str]) -> None:
        """Serve ``store``; ``tokens`` authenticates, ``clock`` stamps ``updated_at``."""
        self.store = store
        self.tokens = tokens
        self.clock = clock

    # -- declarations ------------------------------------------------------------------------

    def _marked(self, kind: str) -> Iterator[tuple[tuple[str, ...], Any]]:
        for name in dir(type(self)):
            for mark in getattr(getattr(type(self), name), _MARKS, ()):
                if mark[0] == kind:
                    yield mark[1:], getattr(self, name)

    def routes(self) -> list[Route]:
        """The routes this room declares."""
        return [
            Route(method, rule, fn, auth, upload == "upload")
            for (method, rule, auth, upload), fn in self._marked("route")
        ]

    def creators(self) -> dict[str, Creator]:
        """``kind -> builder`` of the kinds this room creates."""
        return {kind: fn for (kind,), fn in self._marked("creates")}

    def updaters(self) -> dict[str, Updater]:
        """``kind -> custom update`` of the kinds this room updates in its own way."""
        return {kind: fn for (kind,), fn in self._marked("updates")}

    # -- loading and scoping -----------------------------------------------------------------

    @staticmethod
    def coerce_id(kind: str, raw: Any) -> Any:
        """``raw`` as a key of ``kind`` (None when it cannot be one)."""
        if id_type(kind) == "int":
            if isinstance(raw, bool):
                return None
            if isinstance(raw, int):
                return raw
            if isinstance(raw, str) and _DIGITS.fullmatch(raw):
                return int(raw)
            return None
        return None if raw is None else str(raw)

    @staticmethod
    def scope_filter(req: HubRequest, spec: Spec) -> dict[str, Any]:
        """The store filter that limits a listing to what the caller may see."""
        p = req.principal
        if p is None or p.project_id is None:
            return {}
        if spec.kind == "project":
            return {"id": p.project_id}
        return {"_project_id": p.project_id} if spec.scoped else {}

    @staticmethod
    def visible(req: HubRequest, kind: str, doc: Mapping[str, Any]) -> bool:
        """Whether the caller may see ``doc``."""
        p = req.principal
        if p is None or p.project_id is None:
            return True
        if kind == "project":
            return bool(doc.get("id") == p.project_id)
        spec = SPEC_BY_KIND.get(kind)
        if (spec is not None and spec.scoped) or kind in ("component", "actual"):
            return bool(doc.get("_project_id") == p.project_id)
        return True

    def load(
        self,
        req: HubRequest,
        kind: str,
        raw_id: Any,
        model: str | None = None,
        advance: bool = True,
    ) -> Doc:
        """Fetch a visible object (advancing its lazy state unless told not to) or raise 404."""
        key = self.coerce_id(kind, raw_id)
        doc = None if key is None else self.store.get(kind, key)
        if doc is None or not self.visible(req, kind, doc):
            raise not_found(model or MODEL_BY_KIND.get(kind, kind.title()))
        return self.advance(kind, doc) if advance else doc

    def project_for_create(self, req: HubRequest, from_parent: Any = None) -> Doc:
        """Resolve the project a new object belongs to (parent, token or ``project_id``)."""
        if from_parent is not None:
            return self.load(req, "project", from_parent)
        p = req.principal
        requested = req.params.get("project_id")
        if p is not None and p.project_id is not None:
            if requested not in (None, "") and self.coerce_id("project", requested) != p.project_id:
                raise not_found("Project")
            return self.load(req, "project", p.project_id)
        if requested in (None, ""):
            raise invalid("project_id", "is required")
        return self.load(req, "project", requested)

    # -- lazy state ----------------------------------------------------------------------------

    def advance(self, kind: str, doc: Doc) -> Doc:
        """Apply the pending ``_next`` transition of an object read after its creation."""
        nxt = doc.get("_next")
        if not nxt:
            return doc
        changes = dict(nxt) if isinstance(nxt, dict) else {}
        changes["_next"] = None
        if "updated_at" in doc:
            changes["updated_at"] = self.clock()
        if kind == "project" and "status" in changes:
            for comp in self.store.iter("component", {"project_id": doc["id"]}):
                self.store.update(
                    "component",
                    comp["id"],
                    {
                        "status": "deployed" if changes["status"] == "deployed" else "undeployed",
                        "updated_at": self.clock(),
                    },
                )
        updated = self.store.update(kind, doc["id"], changes)
        return updated if updated is not None else doc

    # -- writing -------------------------------------------------------------------------------

    def insert(self, kind: str, values: Mapping[str, Any]) -> Doc:
        """Store a new document built from the template (400 when the id is taken)."""
        doc = make(kind, values, self.clock())
        try:
            return self.store.insert(kind, doc)
        except DuplicateKeyError:
            raise invalid("id", "has already been taken") from None

    def next_id(self, kind: str) -> int:
        """The next integer id of ``kind``."""
        return self.store.next_int_id(kind)

    def new_str_id(self, req: HubRequest, kind: str, size: int = 8) -> str:
        """The client-chosen ``id`` parameter, or a random hex id of ``size`` bytes."""
        raw = req.params.get("id")
        if raw in (None, ""):
            return secrets.token_hex(size)
        if isinstance(raw, (dict, list, bool)):
            raise invalid("id", "is invalid")
        key = str(raw)
        if self.store.get(kind, key) is not None:
            raise invalid("id", "has already been taken")
        return key

    # -- rendering -----------------------------------------------------------------------------

    def render(self, kind: str, doc: Mapping[str, Any]) -> Doc:
        """Public JSON of a stored object, with embedded objects and computed fields."""
        out = public(doc)
        if kind in STATE_MACHINES and "state_machine" in out:
            out["state_machine"] = state_machine(kind, str(out.get("status")))
        if kind == "project":
            comps = [public(c) for c in self.store.iter("component", {"project_id": out["id"]})]
            progress = {
                "undeployed": 0,
                "undeploying": 0,
                "deploying": 0,
                "deployed": 0,
                "running": 0,
            }
            for c in comps:
                progress[str(c["status"])] = progress.get(str(c["status"]), 0) + 1
            progress["running"] = progress.get("deployed", 0)
            out["deploy_progress"] = progress
            out["services_status"] = {"total": len(comps), "running": progress["running"]}
            out["components"] = comps
        elif kind == "experiment":
            dm_id = doc.get("_dataset_manifest_id")
            dm = self.store.get("dataset_manifest", dm_id) if dm_id is not None else None
            out["dataset_manifest"] = public(dm) if dm else None
        elif kind == "experiment_session":
            pipes, _ = self.store.query(
                "pipeline", {"_experiment_session_id": out["id"]}, limit=100
            )
            out["pipelines"] = self.render_many("pipeline", pipes)
        elif kind == "pipeline":
            trial = self.store.get("trial", doc.get("_trial_id")) if doc.get("_trial_id") else None
            out["trial"] = public(trial) if trial else None
        elif kind == "endpoint":
            eps = self.store.iter("endpoint_pipeline", {"endpoint_id": out["id"]})
            out["endpoint_pipelines"] = [public(e) for e in eps]
        elif kind == "cluster":
            user = self.store.get("user", doc.get("_created_by", 1))
            out["created_by"] = public(user) if user else None
            itype = self.store.get("instance_type", doc.get("_instance_type", "c5.large"))
            out["instance_type"] = public(itype) if itype else None
        return out

    def render_many(self, kind: str, docs: list[Doc]) -> list[Doc]:
        """Render a page of documents (advancing lazy ones; trials of pipelines in one query)."""
        docs = [self.advance(kind, d) if d.get("_next") else d for d in docs]
        if kind == "pipeline":
            trials = self.store.get_many(
                "trial", [d["_trial_id"] for d in docs if d.get("_trial_id")]
            )
            out = []
            for d in docs:
                item = public(d)
                t = trials.get(str(d.get("_trial_id")))
                item["trial"] = public(t) if t else None
                out.append(item)
            return out
        if kind not in _RICH:
            return [public(d) for d in docs]
        return [self.render(kind, d) for d in docs]
