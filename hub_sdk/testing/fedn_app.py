"""LocalHub's FEDn controller API: a WSGI app speaking the FEDn 0.33.0 REST contract.

Routes, shapes, status codes, header pagination (``X-Limit``, ``X-Skip``, ``X-Sort-Key``,
``X-Sort-Order``), query filters with ``__gt __lt __gte __lte __ne __eq`` suffixes, ``/list`` and
``/count`` POSTs, uploads and downloads, the 308 for a missing trailing slash, the 410 legacy
routes and optional HS256 JWT auth with roles behave as observed on a real controller (see
``tests/fedn/test_fedn_api_shapes.py``, which runs against both). Where the real server crashes
(a 500) on a client mistake, this app answers 400 with a clear message instead; the response
shapes stay the same. Sessions run on the simulated network of :mod:`.fedn_sim`.

Dates render as the real controller does: RFC 1123 for ``committed_at``, ``updated_at``,
``last_seen`` and ``completed_at``; ISO 8601 with microseconds and ``Z`` for status, validation
and prediction ``timestamp``. Internally every date is a float (epoch seconds).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from .fedn_sim import FednSimulator, npz_arrays
from .hs256 import TokenError, make_token
from .hs256 import verify as decode_token
from .http_json import flask_json
from .store import Store

__all__ = ["FednApp", "FednData", "decode_token", "make_token"]

Doc = dict[str, Any]
StartResponse = Callable[..., Any]

# --------------------------------------------------------------------------- entities

_RFC_DATES = ("committed_at", "updated_at", "last_seen", "completed_at")


@dataclass(frozen=True)
class Entity:
    """One FEDn collection: route name, store kind, id field, field types, date rendering."""

    name: str
    id_field: str
    fields: Mapping[str, type]
    iso_timestamp: bool = False

    @property
    def kind(self) -> str:
        """The document kind in the store."""
        return "fedn_" + self.name


_NODE: Mapping[str, type] = {}
_SESSION_CONFIG: dict[str, type] = {
    "aggregator": str, "aggregator_kwargs": str, "round_timeout": int, "buffer_size": int,
    "rounds": int, "delete_models_storage": bool, "clients_required": int,
    "requested_clients": int, "validate": bool, "helper_type": str, "model_id": str,
    "server_functions": str,
}
_COMMON: dict[str, type] = {"committed_at": float, "updated_at": float}

ENTITIES: dict[str, Entity] = {e.name: e for e in (
    Entity("clients", "client_id", {"client_id": str, "name": str, "combiner": str,
           "combiner_preferred": str, "ip": str, "status": str, "last_seen": float,
           "package": str, **_COMMON}),
    Entity("combiners", "combiner_id", {"combiner_id": str, "name": str, "address": str,
           "fqdn": str, "ip": str, "parent": dict, "port": int, **_COMMON}),
    Entity("models", "model_id", {"model_id": str, "name": str, "parent_model": str,
           "session_id": str, **_COMMON}),
    Entity("packages", "package_id", {"package_id": str, "description": str, "file_name": str,
           "helper": str, "name": str, "storage_file_name": str, "active": bool, **_COMMON}),
    Entity("rounds", "round_id", {"round_id": str, "status": str, "round_config": dict,
           "round_data": dict, "combiners": list, **_COMMON}),
    Entity("sessions", "session_id", {"session_id": str, "name": str, "status": str,
           "session_config": dict, "seed_model_id": str, **_COMMON}),
    Entity("statuses", "status_id", {"status_id": str, "status": str, "timestamp": float,
           "log_level": str, "data": str, "correlation_id": str, "type": str, "extra": str,
           "session_id": str, "sender": dict, **_COMMON}, iso_timestamp=True),
    Entity("validations", "validation_id", {"validation_id": str, "model_id": str, "data": str,
           "correlation_id": str, "timestamp": float, "session_id": str, "meta": str,
           "sender": dict, "receiver": dict, **_COMMON}, iso_timestamp=True),
    Entity("predictions", "prediction_id", {"prediction_id": str, "model_id": str, "data": str,
           "correlation_id": str, "timestamp": float, "meta": str, "sender": dict,
           "receiver": dict, **_COMMON}, iso_timestamp=True),
    Entity("metrics", "metric_id", {"metric_id": str, "key": str, "value": float,
           "timestamp": float, "sender": dict, "model_id": str, "step": int, "round_id": str,
           "session_id": str, **_COMMON}),
    Entity("runs", "run_id", {"run_id": str, "session_id": str, "model_id": str,
           "completed_at_model_id": str, "round_timeout": int, "rounds": int,
           "completed_at": float, **_COMMON}),
    Entity("telemetry", "telemetry_id", {"telemetry_id": str, "key": str, "value": float,
           "timestamp": float, "sender": dict, **_COMMON}),
    Entity("attributes", "attribute_id", {"attribute_id": str, "key": str, "value": str,
           "timestamp": float, "sender": dict, **_COMMON}),
)}

_PAGINATION_PARAMS = ("limit", "skip", "sort_key", "sort_order")


def rfc1123(ts: float | None) -> str | None:
    """``Mon, 23 Nov 2026 12:51:48 GMT`` (what Flask's jsonify makes of a datetime)."""
    if ts is None:
        return None
    return format_datetime(datetime.fromtimestamp(ts, timezone.utc), usegmt=True)


def iso_z(ts: float | None) -> str | None:
    """``2026-11-23T13:02:07.978078Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_date(value: Any) -> float | None:
    """Epoch seconds from an ISO 8601 or RFC 1123 string (or a number); None if unparseable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        try:
            dt = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


class FednData:
    """FEDn entities on top of the generic :class:`Store` (ids, dates, filters, blobs)."""

    def __init__(self, store: Store) -> None:
        """Wrap ``store``; FEDn documents live under kinds ``fedn_<entity>``."""
        self.store = store
        for kind, field in (("models", "session_id"), ("statuses", "session_id"),
                            ("validations", "session_id"), ("metrics", "session_id"),
                            ("clients", "status"), ("packages", "active")):
            store.ensure_index(ENTITIES[kind].kind, field)

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def render(entity: Entity, doc: Mapping[str, Any]) -> Doc:
        """The public JSON object of a stored document (dates formatted, keys sorted)."""
        out: Doc = {}
        for key in sorted(entity.fields):
            value = doc.get(key)
            if key in _RFC_DATES or (key == "timestamp" and not entity.iso_timestamp):
                value = rfc1123(value)
            elif key == "timestamp":
                value = iso_z(value)
            out[key] = value
        if entity.name == "models":
            out["model"] = out["model_id"]
            out = dict(sorted(out.items()))
        return out

    # ------------------------------------------------------------------ CRUD

    def add(self, name: str, doc: Mapping[str, Any]) -> Doc:
        """Insert a document (id generated when missing; dates set) and return it."""
        entity = ENTITIES[name]
        now = time.time()
        full: Doc = {k: None for k in entity.fields}
        full.update(doc)
        if not full.get(entity.id_field):
            full[entity.id_field] = str(uuid.uuid4())
        full["committed_at"] = now
        full["updated_at"] = now
        self.store.insert(entity.kind, full, id=full[entity.id_field])
        return full

    def get(self, name: str, id: str) -> Doc | None:
        """The stored document or None."""
        return self.store.get(ENTITIES[name].kind, id)

    def update(self, name: str, id: str, changes: Mapping[str, Any]) -> Doc | None:
        """Merge ``changes`` (and bump ``updated_at``); None if the document does not exist."""
        return self.store.update(ENTITIES[name].kind, id, {**changes, "updated_at": time.time()})

    def delete(self, name: str, id: str) -> bool:
        """Delete a document; whether it existed."""
        return self.store.delete(ENTITIES[name].kind, id) is not None

    def count(self, name: str, filters: Mapping[str, Any] | None = None) -> int:
        """Number of documents matching already-typed store filters."""
        return self.store.count(ENTITIES[name].kind, filters)

    def list(
        self,
        name: str,
        filters: Mapping[str, Any] | None = None,
        *,
        limit: int = 0,
        skip: int = 0,
        sort_key: str | None = None,
        descending: bool = True,
        strict_ne: Mapping[str, Any] | None = None,
    ) -> tuple[list[Doc], int]:
        """``(page, total)`` with the real controller's ordering and paging semantics.

        Default order is insertion (= ``committed_at``) descending; ``sort_key`` must be a plain
        column of the entity, otherwise it is ignored; ties fall back to insertion order in the
        same direction; NULLs sort first ascending, last descending (SQLite's rule).
        ``strict_ne`` holds ``__ne`` filters with SQL semantics (NULL never matches).
        """
        entity = ENTITIES[name]
        order_by = None
        if sort_key and sort_key != "committed_at" and entity.fields.get(sort_key) not in (
            None, dict, list,
        ):
            order_by = sort_key
        if strict_ne:
            docs, _ = self.store.query(entity.kind, filters, order_by=order_by,
                                       descending=descending)
            docs = [d for d in docs if all(
                _get_path(d, f) is not None and _get_path(d, f) != v
                for f, v in strict_ne.items())]
            total = len(docs)
            end = skip + limit if limit else None
            return docs[skip:end], total
        return self.store.query(entity.kind, filters, offset=skip, limit=limit or None,
                                order_by=order_by, descending=descending)

    # ------------------------------------------------------------------ FEDn specifics

    def latest_round_id(self) -> int:
        """The highest numeric round id so far (0 when none)."""
        docs, _ = self.store.query(ENTITIES["rounds"].kind)
        ids = [int(d["round_id"]) for d in docs if str(d.get("round_id", "")).isdigit()]
        return max(ids, default=0)

    def model_bytes(self, model_id: str) -> bytes | None:
        """The stored bytes of a model."""
        blob = self.store.get_blob(f"fedn/models/{model_id}")
        return None if blob is None else blob[0]

    def add_model_bytes(self, payload: bytes, *, name: str | None = None,
                        parent_model: str | None = None, session_id: str | None = None) -> str:
        """Store a model's bytes and its record; return its id."""
        model_id = str(uuid.uuid4())
        self.store.put_blob(f"fedn/models/{model_id}", payload)
        self.add("models", {"model_id": model_id, "name": name, "parent_model": parent_model,
                            "session_id": session_id})
        return model_id

    def active_package(self) -> Doc | None:
        """The active package or None."""
        docs, _ = self.store.query(ENTITIES["packages"].kind, {"active": True}, limit=1)
        return docs[0] if docs else None

    def set_active_package(self, package_id: str | None) -> bool:
        """Make one package active (None: none); False if the package does not exist."""
        if package_id is not None and self.get("packages", package_id) is None:
            return False
        with self.store.transaction():
            for doc in self.store.iter(ENTITIES["packages"].kind, {"active": True}):
                if doc["package_id"] != package_id:
                    self.update("packages", doc["package_id"], {"active": False})
            if package_id is not None:
                self.update("packages", package_id, {"active": True})
        return True


def _get_path(doc: Mapping[str, Any], path: str) -> Any:
    """``doc["a"]["b"]`` for ``"a.b"`` (None when absent)."""
    value: Any = doc
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


# --------------------------------------------------------------------------- filters


class StoreError(Exception):
    """The statestore failed (the real server answers 500 "An unexpected error occurred")."""


class BadRequest(Exception):
    """A client mistake answered with 400 ``{"message": str(exc)}``."""


_SUFFIXES = ("gt", "lt", "gte", "lte", "ne", "eq")


def _coerce(raw: Any, typ: type | None) -> Any:
    """Typed filter value, as SQLite would compare it against a column of type ``typ``."""
    if isinstance(raw, str) and raw.lower() == "null":
        return None
    if typ in (int, float) and isinstance(raw, str):
        for conv in (int, float):
            try:
                return conv(raw)
            except ValueError:
                pass
        return raw
    if typ is bool and isinstance(raw, str):
        low = raw.lower()
        if low in ("1", "true"):
            return True
        if low in ("0", "false"):
            return False
        return raw
    if typ is str and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return raw


def build_filters(entity: Entity, params: Mapping[str, Any]) -> tuple[Doc, Doc]:
    """``(store filters, strict __ne filters)`` from request parameters; unknown keys ignored."""
    filters: Doc = {}
    strict_ne: Doc = {}
    for key, raw in params.items():
        field, op = key, "eq"
        head, sep, tail = key.rpartition("__")
        if sep and tail in _SUFFIXES:
            field, op = head, tail
        if field == "model" and entity.name == "models":
            field = "model_id"
        top = field.split(".", 1)[0]
        typ = entity.fields.get(top)
        if typ is None or (("." in field) != (typ is dict)):
            continue  # unknown columns are ignored, as on the real SQL store
        if "." in field:
            sub = field.split(".", 1)[1]
            typ = _SESSION_CONFIG.get(sub, str) if top == "session_config" else str
        if isinstance(raw, Mapping) and "$in" in raw:
            values = raw["$in"] if isinstance(raw["$in"], list) else [raw["$in"]]
            filters[f"{field}__in"] = [_coerce(v, typ) for v in values]
            continue
        if field in _RFC_DATES or field == "timestamp":
            value: Any = parse_date(raw)
            if value is None and not (isinstance(raw, str) and raw.lower() == "null"):
                raise BadRequest(f"Invalid date for filter {key!r}: {raw!r}")
        else:
            value = _coerce(raw, typ)
        if op == "ne" and value is not None:
            strict_ne[field] = value
        else:
            filters[field if op == "eq" else f"{field}__{op}"] = value
    return filters, strict_ne


def _post_kwargs(request: Request) -> Doc:
    """Filters from a POST body (form or JSON); comma lists become ``{"$in": [...]}``."""
    data: Any = request.form.to_dict() if request.form else None
    if not data:
        data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    out: Doc = {}
    for key, value in data.items():
        if isinstance(value, str) and "," in value:
            out[key] = {"$in": value.split(",")}
        else:
            out[key] = value
    return out


def _positive(text: str | None) -> int:
    """A header value that is a positive integer, else 0 (bad values are silently ignored)."""
    return int(text) if text is not None and text.isdigit() and int(text) > 0 else 0


# --------------------------------------------------------------------------- validation of bodies

_HELPERS = ("numpyhelper", "binaryhelper", "androidhelper")
_PACKAGE_EXT = ("gz", "bz2", "tar", "zip", "tgz")

_LEGACY: dict[str, tuple[str, tuple[str, ...], str, int]] = {
    # path: (role, methods, message, status)
    "/add_combiner": ("combiner", ("POST",), "", 410),
    "/get_model_trail": ("admin", ("GET",), "Use /api/v1/models or the GraphQL API instead.", 410),
    "/get_model_ancestors": ("admin", ("GET",),
                             "Use /api/v1/models/<id>/ancestors or the GraphQL API instead.", 410),
    "/get_model_descendants": ("admin", ("GET",),
                               "Use /api/v1/models/<id>/descendants or the GraphQL API instead.",
                               410),
    "/list_models": ("admin", ("GET",), "Use /api/v1/models or the GraphQL API instead.", 410),
    "/get_model": ("admin", ("GET",), "Use /api/v1/models/<id> or the GraphQL API instead.", 410),
    "/list_clients": ("admin", ("GET",), "Use /api/v1/clients instead.", 410),
    "/get_active_clients": ("admin", ("GET",), "Use /api/v1/clients instead.", 410),
    "/list_combiners": ("admin", ("GET",), "Use /api/v1/combiners instead.", 410),
    "/get_combiner": ("admin", ("GET",), "Use /api/v1/combiners/<id> instead.", 410),
    "/list_rounds": ("admin", ("GET",), "Use /api/v1/rounds instead.", 410),
    "/get_round": ("admin", ("GET",), "Use /api/v1/rounds/<id> instead.", 410),
    "/start_session": ("admin", ("GET", "POST"),
                       "Use /api/v1/sessions and /api/v1/sessions/start instead.", 410),
    "/list_sessions": ("admin", ("GET",), "Use /api/v1/sessions or the GraphQL API instead.", 410),
    "/get_session": ("admin", ("GET",), "Use /api/v1/sessions<id> or the GraphQL API instead.",
                     410),
    "/set_active_package": ("admin", ("PUT",), "Use /api/v1/packages/active instead.", 410),
    "/set_package": ("admin", ("POST",), "Use /api/v1/packages instead.", 410),
    "/get_package": ("admin", ("GET",),
                     "Use /api/v1/packages/active or /api/v1/packages/<id> instead.", 410),
    "/list_compute_packages": ("admin", ("GET",), "Use /api/v1/packages instead.", 410),
    "/download_package": ("client", ("GET",), "Use /api/v1/packages/download instead.", 410),
    "/get_package_checksum": ("client", ("GET",), "Use /api/v1/packages/checksum instead.", 410),
    "/get_latest_model": ("admin", ("GET",), "Use /api/v1/models instead.", 410),
    "/set_current_model": ("admin", ("PUT",), "Use /api/v1/models instead.", 410),
    "/get_initial_model": ("admin", ("GET",), "Use /api/v1/models instead.", 410),
    "/set_initial_model": ("admin", ("POST",), "Use /api/v1/models instead.", 410),
    "/get_client_config": ("admin", ("GET",), "Use /api/v1/clients/config instead.", 410),
    "/get_events": ("admin", ("GET",), "Use /api/v1/statuses instead.", 410),
    "/list_validations": ("admin", ("GET",),
                          "Use /api/v1/validations or the GraphQL API instead.", 410),
    "/add_client": ("client", ("POST",), "Use /api/v1/clients/add instead.", 410),
    "/list_combiners_data": ("admin", ("POST",),
                             "Use /api/v1/combiners/clients/count instead.", 410),
    "/delete_model_trail": ("admin", ("GET", "POST"), "Not implemented", 501),
}


def _missing(cls: str, field: str) -> BadRequest:
    return BadRequest(f"Class '{cls}' is missing field {field}")


def _invalid(field: str, message: str) -> BadRequest:
    return BadRequest(f"Validation failed for field '{field}' with message: {message}")


def validate_session_config(raw: Any) -> Doc:
    """A complete session_config, validated like SessionConfigDTO (plus ``rounds`` required)."""
    if not isinstance(raw, dict):
        raise BadRequest("Missing required field: session_config (an object)")
    unknown = [k for k in raw if k not in _SESSION_CONFIG]
    if unknown:
        raise BadRequest("Invalid object")
    optional = {"aggregator_kwargs", "rounds", "requested_clients", "server_functions"}
    for field in _SESSION_CONFIG:
        if field not in optional and field not in raw:
            raise _missing("SessionConfigDTO", field)
    cfg: Doc = {k: raw.get(k) for k in _SESSION_CONFIG}
    checks = (
        ("aggregator", "Aggregator is required"),
        ("round_timeout", "Round timeout is required"),
        ("buffer_size", "Buffer size is required"),
        ("model_id", "Model ID is required"),
    )
    for field, message in checks:
        if not cfg[field]:
            raise _invalid(field, message)
    if cfg["delete_models_storage"] is None:
        raise _invalid("delete_models_storage", "Delete models storage is required")
    if not cfg["clients_required"]:
        raise _invalid("clients_required", "Clients required is required")
    if cfg["validate"] is None:
        raise _invalid("validate", "Validate is required")
    if not cfg["helper_type"]:
        raise _invalid("helper_type", "Helper type is required")
    # The real SQL store needs rounds (NOT NULL) and answers 500 without it; say so clearly.
    if cfg["rounds"] is None:
        raise _invalid("rounds", "Rounds is required")
    for field in ("round_timeout", "buffer_size", "rounds", "clients_required"):
        if not isinstance(cfg[field], int) or isinstance(cfg[field], bool):
            raise _invalid(field, "must be an integer")
    if cfg["aggregator_kwargs"] is not None and not isinstance(cfg["aggregator_kwargs"], str):
        # The SQL stores keep it in a text column; anything else fails the insert (a 500).
        raise StoreError("aggregator_kwargs is not text")
    return cfg


# --------------------------------------------------------------------------- the app

Handler = Callable[..., Response]


def _json(payload: Any, status: int = 200) -> Response:
    """A JSON response formatted like Flask's jsonify (compact, keys sorted, trailing newline)."""
    return flask_json(payload, status)


def _message(message: str, status: int) -> Response:
    return _json({"message": message}, status)


class FednApp:
    """WSGI app serving the FEDn controller REST API from a :class:`Store` (see module doc)."""

    def __init__(
        self,
        store: Store,
        *,
        clients: int = 3,
        combiners: int = 1,
        jwt_secret: str | None = None,
        round_seconds: float = 0.05,
        network_id: str = "fedn-network",
    ) -> None:
        """Serve ``store``; simulate ``clients`` clients and ``combiners`` combiners."""
        self.data = FednData(store)
        self.jwt_secret = jwt_secret or None
        self.network_id = network_id
        self.sim = FednSimulator(self.data, clients=clients, combiners=combiners,
                                 round_seconds=round_seconds)
        self._handlers: dict[str, tuple[Handler, str]] = {}
        self.url_map = Map(self._rules(), strict_slashes=True, merge_slashes=False)

    # ------------------------------------------------------------------ routing

    def _rules(self) -> list[Rule]:
        """Every route, each bound to (handler, role)."""
        rules: list[Rule] = []

        def add(path: str, methods: Iterable[str], handler: Handler, role: str = "admin",
                endpoint: str | None = None) -> None:
            ep = endpoint or f"{path}|{','.join(methods)}"
            self._handlers[ep] = (handler, role)
            rules.append(Rule(path, methods=list(methods), endpoint=ep))

        add("/health", ["GET"], lambda req: Response("OK", mimetype="text/html"), role="")
        add("/get_controller_status", ["GET"],
            lambda req: _json({"state": self.sim.state}))
        for path, (role, methods, message, status) in _LEGACY.items():
            add(path, methods, self._legacy(path, message, status), role=role)
        base = "/api/v1"
        for name in ENTITIES:
            p = f"{base}/{name}"
            add(p + "/", ["GET"], self._list_get(name))
            add(p + "/list", ["POST"], self._list_post(name))
            add(p + "/count", ["GET"], self._count_get(name))
            add(p + "/count", ["POST"], self._count_post(name))
            add(p + "/<string:id>", ["GET"], self._get_one(name))
        add(f"{base}/clients/<string:id>", ["DELETE"], self._delete("clients", "Client"))
        add(f"{base}/clients/add", ["POST"], self.add_client, role="client")
        add(f"{base}/clients/config", ["GET"], self.client_config)
        add(f"{base}/clients/<string:id>/attributes", ["GET"], self.client_attributes)
        add(f"{base}/combiners/<string:id>", ["DELETE"], self._delete("combiners", "Combiner"))
        add(f"{base}/combiners/clients/count", ["POST"], self.clients_per_combiner)
        add(f"{base}/models/", ["POST"], self.upload_model)
        add(f"{base}/models/<string:id>", ["PATCH"], self._patch("models", ("model", "model_id")))
        add(f"{base}/models/<string:id>", ["PUT"], self._patch("models", ("model", "model_id")))
        add(f"{base}/models/<string:id>/ancestors", ["GET"], self.ancestors)
        add(f"{base}/models/<string:id>/descendants", ["GET"], self.descendants)
        add(f"{base}/models/leaf-nodes", ["GET"], self.leaf_nodes)
        add(f"{base}/models/<string:id>/download", ["GET"], self.download_model)
        add(f"{base}/models/<string:id>/parameters", ["GET"], self.model_parameters)
        add(f"{base}/models/active", ["GET", "PUT"], self.active_model_gone)
        add(f"{base}/packages/", ["POST"], self.upload_package)
        add(f"{base}/packages/active", ["GET"], self.get_active_package)
        add(f"{base}/packages/active", ["PUT"], self.put_active_package)
        add(f"{base}/packages/active", ["DELETE"], self.delete_active_package)
        add(f"{base}/packages/download", ["GET"], self.download_package, role="client")
        add(f"{base}/packages/checksum", ["GET"], self.package_checksum, role="client")
        add(f"{base}/helpers/active", ["GET"], self.get_active_helper)
        add(f"{base}/helpers/active", ["PUT"], self.put_active_helper)
        add(f"{base}/sessions/", ["POST"], self.create_session)
        add(f"{base}/sessions/start", ["POST"], self.start_session)
        add(f"{base}/sessions/<string:id>", ["PATCH"], self._patch("sessions", ("session_id",)))
        add(f"{base}/sessions/<string:id>", ["PUT"], self._patch("sessions", ("session_id",)))
        add(f"{base}/predictions/start", ["POST"], self.start_predictions)
        add(f"{base}/attributes/", ["POST"], self._add_node_record("attributes", "AttributeDTO",
                                                                  ("key", "value")))
        add(f"{base}/attributes/current", ["POST"], self.current_attributes)
        add(f"{base}/telemetry/", ["POST"], self._add_node_record("telemetry", "TelemetryDTO",
                                                                 ("key", "value")))
        return rules

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """WSGI entry point."""
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route, authorize and run one request."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:  # 404, 405 and the 308 for a missing trailing slash
            return exc.get_response(request.environ)
        handler, role = self._handlers[str(endpoint)]
        if role and self.jwt_secret:
            denied = self._authorize(request, role)
            if denied is not None:
                return denied
        try:
            return handler(request, **args)
        except BadRequest as exc:
            return _message(str(exc), 400)
        except StoreError:
            return _message("An unexpected error occurred", 500)
        except Exception:  # pragma: no cover - a bug here; keep the real server's shape
            return _message("An unexpected error occurred", 500)

    def _authorize(self, request: Request, role: str) -> Response | None:
        """None when the request carries a valid token for ``role``, else the 401 response."""
        assert self.jwt_secret is not None
        header = request.headers.get("Authorization")
        if not header:
            return _message("Missing token", 401)
        if not header.startswith("Bearer"):
            return _message("Invalid token scheme, expected Bearer", 401)
        parts = header.split(" ")
        try:
            if len(parts) < 2:
                raise TokenError("Invalid token")
            claims = decode_token(parts[1], self.jwt_secret)
        except TokenError as exc:
            return _message(str(exc), 401)
        if claims.get("role") != role:
            return _message("Invalid token", 401)
        return None

    def close(self) -> None:
        """Stop simulated sessions."""
        self.sim.close()

    # ------------------------------------------------------------------ generic handlers

    def _legacy(self, path: str, message: str, status: int) -> Handler:
        def handler(request: Request) -> Response:
            if path == "/add_combiner":
                return _json({"success": False, "status": "abort", "message":
                              "Adding combiner via REST API is obsolete. Include statestore and "
                              "object store config in combiner config."}, 410)
            if status == 501:
                return _message(message, 501)
            return _message("This endpoint is deprecated. " + message, status)

        return handler

    def _page(self, name: str, request: Request, params: Mapping[str, Any]) -> Response:
        entity = ENTITIES[name]
        filters, strict_ne = build_filters(entity, params)
        h = request.headers
        order = h.get("X-Sort-Order")
        descending = order is None or order.lower() != "asc"
        sort_key = h.get("X-Sort-Key")
        docs, total = self.data.list(name, filters, limit=_positive(h.get("X-Limit")),
                                     skip=_positive(h.get("X-Skip")), sort_key=sort_key,
                                     descending=descending, strict_ne=strict_ne)
        return _json({"count": total, "result": [self.data.render(entity, d) for d in docs]})

    def _count(self, name: str, params: Mapping[str, Any]) -> Response:
        entity = ENTITIES[name]
        filters, strict_ne = build_filters(entity, params)
        if strict_ne:
            return _json(self.data.list(name, filters, strict_ne=strict_ne)[1])
        return _json(self.data.count(name, filters))

    @staticmethod
    def _query_params(request: Request) -> Doc:
        args = request.args.to_dict()
        bad = [p for p in _PAGINATION_PARAMS if p in args]
        if bad:
            raise BadRequest(
                f"Pagination goes in the X-Limit, X-Skip, X-Sort-Key and X-Sort-Order headers, "
                f"not in the query string ({', '.join(bad)})"
            )
        return args

    def _list_get(self, name: str) -> Handler:
        return lambda request: self._page(name, request, self._query_params(request))

    def _list_post(self, name: str) -> Handler:
        return lambda request: self._page(name, request, _post_kwargs(request))

    def _count_get(self, name: str) -> Handler:
        return lambda request: self._count(name, self._query_params(request))

    def _count_post(self, name: str) -> Handler:
        return lambda request: self._count(name, _post_kwargs(request))

    def _get_one(self, name: str) -> Handler:
        def handler(request: Request, id: str) -> Response:
            doc = self.data.get(name, id)
            if doc is None:
                return _message(f"Entity with id: {id} not found", 404)
            return _json(self.data.render(ENTITIES[name], doc))

        return handler

    def _delete(self, name: str, label: str) -> Handler:
        def handler(request: Request, id: str) -> Response:
            if not self.data.delete(name, id):
                return _message(f"Entity with id: {id} not found", 404)
            return _message(f"{label} deleted", 200)

        return handler

    def _patch(self, name: str, protected: tuple[str, ...]) -> Handler:
        entity = ENTITIES[name]

        def handler(request: Request, id: str) -> Response:
            doc = self.data.get(name, id)
            if doc is None:
                return _message(f"Entity with id: {id} not found", 404)
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise BadRequest("Invalid object")
            changes = {k: v for k, v in body.items()
                       if k in entity.fields and k not in protected
                       and k not in ("committed_at", "updated_at")}
            if "session_config" in changes:
                changes["session_config"] = validate_session_config(
                    {**doc["session_config"], **(changes["session_config"] or {})})
            status = changes.get("status")
            if name == "sessions" and "status" in changes and not isinstance(status, str):
                raise BadRequest("Invalid object")
            updated = self.data.update(name, id, changes)
            if updated is None:
                return _message(f"Entity with id: {id} not found", 404)
            return _json(self.data.render(entity, updated))

        return handler

    def _add_node_record(self, name: str, cls: str, required: tuple[str, ...]) -> Handler:
        entity = ENTITIES[name]

        def handler(request: Request) -> Response:
            body: Any = request.get_json(silent=True)
            if body is None:
                body = request.form.to_dict()
            if not isinstance(body, dict):
                raise BadRequest("Invalid object")
            if any(k not in entity.fields or k in ("committed_at", "updated_at") for k in body):
                raise BadRequest("Invalid object")
            for field in required:
                if field not in body:
                    raise _missing(cls, field)
            doc = dict(body)
            sender = doc.get("sender") or {}
            if not isinstance(sender, dict):
                raise BadRequest("Invalid object")
            doc["sender"] = {"name": sender.get("name"), "role": sender.get("role"),
                             "client_id": sender.get("client_id")}
            if doc.get("timestamp") is not None:
                ts = parse_date(doc["timestamp"])
                if ts is None:
                    raise _invalid("timestamp", "Invalid date")
                doc["timestamp"] = ts
            if name == "attributes":
                doc["value"] = None if doc["value"] is None else str(doc["value"])
            elif not isinstance(doc["value"], (int, float)) or isinstance(doc["value"], bool):
                raise _invalid("value", "must be a number")
            added = self.data.add(name, doc)
            return _json(self.data.render(entity, added), 201)

        return handler

    # ------------------------------------------------------------------ clients and combiners

    def add_client(self, request: Request) -> Response:
        """``POST /clients/add``: assign a client to a combiner (role ``client``)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("Invalid object")
        package = body.get("package", "local")
        helper_type = ""
        if package == "remote":
            active = self.data.active_package()
            if active is None:
                return _json({"success": False, "status": "retry", "message":
                              "No compute package found. Set package in controller."}, 203)
            helper_type = active["helper"]
        preferred = body.get("combiner_preferred")
        combiners = self.sim.combiner_names()
        if preferred:
            if preferred not in combiners:
                return _json({"success": False, "message":
                              f"Combiner {preferred} not found or unavailable."}, 400)
            combiner_name = preferred
        elif combiners:
            combiner_name = combiners[0]
        else:
            return _json({"success": False, "message": "No combiner available."}, 400)
        combiner = self.data.get("combiners", combiner_name) or {}
        client_id = body.get("client_id") or None
        fields = {"name": body.get("name"), "combiner": combiner_name,
                  "combiner_preferred": preferred, "ip": request.remote_addr,
                  "status": "available", "package": package, "last_seen": time.time()}
        if client_id and self.data.get("clients", client_id) is not None:
            self.data.update("clients", client_id, fields)
        else:
            client_id = self.data.add("clients", {"client_id": client_id, **fields})["client_id"]
        return _json({"status": "assigned", "host": combiner.get("address"),
                      "fqdn": combiner.get("fqdn"), "package": package, "ip": combiner.get("ip"),
                      "port": combiner.get("port"), "helper_type": helper_type,
                      "client_id": client_id})

    def client_config(self, request: Request) -> Response:
        """``GET /clients/config``: where clients discover the controller."""
        host, _, port = request.host.rpartition(":")
        if not host:
            host, port = request.host, "80"
        payload: Doc = {"network_id": self.network_id, "discover_host": host,
                        "discover_port": int(port) if port.isdigit() else port}
        if request.args.get("checksum", "true").lower() == "true":
            checksum = self._active_checksum()
            if checksum is not None:
                payload["checksum"] = checksum
        return _json(payload)

    def client_attributes(self, request: Request, id: str) -> Response:
        """``GET /clients/<id>/attributes``: the client's current attribute values."""
        if self.data.get("clients", id) is None:
            return _message(f"Entity with id: {id} not found", 404)
        return _json(self._current_attributes(id))

    def _current_attributes(self, client_id: str) -> Doc:
        docs, _ = self.data.list("attributes", {"sender.client_id": client_id})
        out: Doc = {}
        for doc in reversed(docs):  # oldest first, so the newest value wins
            out[doc["key"]] = doc["value"]
        return out

    def current_attributes(self, request: Request) -> Response:
        """``POST /attributes/current {"client_ids": [...]}``."""
        body = request.get_json(silent=True)
        ids = body.get("client_ids") if isinstance(body, dict) else None
        if not ids:
            raise BadRequest("Missing required field: client_ids")
        out: Doc = {}
        for cid in ids:
            if self.data.get("clients", cid) is None:
                out[cid] = f"Entity with client_id: {cid} not found"
            else:
                out[cid] = self._current_attributes(cid)
        return _json(out)

    def clients_per_combiner(self, request: Request) -> Response:
        """``POST /combiners/clients/count``: connected clients per combiner."""
        body = request.get_json(silent=True)
        wanted = body.get("combiners", "") if isinstance(body, dict) else ""
        names = [n for n in str(wanted).split(",") if n] if wanted else []
        counts: dict[str, int] = {}
        for c in self.sim.online_clients():
            if not names or c["combiner"] in names:
                counts[c["combiner"]] = counts.get(c["combiner"], 0) + 1
        return _json({"result": [{"combiner": k, "count": v} for k, v in counts.items()]})

    # ------------------------------------------------------------------ models

    def upload_model(self, request: Request) -> Response:
        """``POST /models/`` multipart ``file`` (+ ``name``): a seed model."""
        file = request.files.get("file")
        if file is None:
            raise BadRequest("Missing required field: file")
        payload = file.read()
        active = self.data.active_package()
        helper = active["helper"] if active else None
        ok = helper is not None
        if helper == "numpyhelper":
            try:
                npz_arrays(payload)
            except ValueError:
                ok = False
        if not ok:
            return _json({"success": False, "message": "Failed to add model."}, 400)
        self.data.add_model_bytes(payload, name=request.form.get("name") or None)
        return _json({"success": True, "message": "Model added successfully"})

    def _lineage_limit(self, request: Request) -> int:
        return _positive(request.headers.get("X-Limit")) or 10

    def ancestors(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/ancestors[?include_self=true]``: parents, nearest first."""
        model = self.data.get("models", id)
        if model is None:
            return _message(f"Entity with id: {id} not found", 404)
        include_self = request.args.get("include_self", "").lower() == "true"
        limit = self._lineage_limit(request)
        chain: list[Doc] = [model] if include_self else []
        current = model.get("parent_model")
        while current and len(chain) < limit + (1 if include_self else 0):
            parent = self.data.get("models", current)
            if parent is None:
                break
            chain.append(parent)
            current = parent.get("parent_model")
        if request.headers.get("X-Reverse", "").lower() == "true":
            chain.reverse()
        return _json([self.data.render(ENTITIES["models"], d) for d in chain])

    def descendants(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/descendants``: children, breadth first."""
        if self.data.get("models", id) is None:
            return _message(f"Entity with id: {id} not found", 404)
        limit = self._lineage_limit(request)
        out: list[Doc] = []
        frontier = [id]
        while frontier and len(out) < limit:
            children, _ = self.data.list("models", {"parent_model__in": frontier},
                                         descending=False)
            out.extend(children)
            frontier = [c["model_id"] for c in children]
        return _json([self.data.render(ENTITIES["models"], d) for d in out[:limit]])

    def leaf_nodes(self, request: Request) -> Response:
        """``GET /models/leaf-nodes``: models nobody descends from."""
        docs, _ = self.data.list("models", descending=False)
        parents = {d.get("parent_model") for d in docs}
        return _json([self.data.render(ENTITIES["models"], d) for d in docs
                      if d["model_id"] not in parents])

    def download_model(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/download``: the bytes, as an attachment named by the id."""
        if self.data.get("models", id) is None:
            return _message(f"Entity with id: {id} not found", 404)
        payload = self.data.model_bytes(id)
        if payload is None:
            return _message("An unexpected error occurred", 500)
        return self._attachment(request, payload, id, "application/octet-stream")

    def model_parameters(self, request: Request, id: str) -> Response:
        """``GET /models/<id>/parameters``: ``{"array": [[...], ...]}`` for numpy models."""
        if self.data.get("models", id) is None:
            return _message(f"Entity with id: {id} not found", 404)
        try:
            arrays = npz_arrays(self.data.model_bytes(id) or b"")
        except ValueError as exc:
            raise BadRequest(f"Model parameters cannot be read: {exc}") from None
        return _json({"array": arrays})

    def active_model_gone(self, request: Request) -> Response:
        """``/models/active``: the real controller removed the concept (410)."""
        if request.method == "GET":
            msg = ("This endpoint has been deprecated and is no longer available.The active "
                   "model concept is no longer used in Fedn. Please use the /models endpoint to "
                   "retrieve models.")
        else:
            msg = ("This endpoint has been deprecated and is no longer available. The active "
                   "model concept is no longer used in Fedn.")
        return _json({"error": msg}, 410)

    @staticmethod
    def _attachment(request: Request, payload: bytes, filename: str, mimetype: str) -> Response:
        import io

        body = wrap_file(request.environ, io.BytesIO(payload))
        resp = Response(body, mimetype=mimetype, direct_passthrough=True)
        resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
        resp.content_length = len(payload)
        return resp

    # ------------------------------------------------------------------ packages and helpers

    def upload_package(self, request: Request) -> Response:
        """``POST /packages/`` multipart ``file``, ``helper``, ``name``, ``description``."""
        file = request.files.get("file")
        if file is None:
            raise BadRequest("Missing required field: file")
        form = request.form.to_dict()
        unknown = [k for k in form if k not in ("helper", "name", "description", "file_name")]
        if unknown:
            raise BadRequest("Invalid object")
        file_name = file.filename or ""
        for field, value in (("description", form.get("description")), ("file_name", file_name),
                             ("helper", form.get("helper")), ("name", form.get("name"))):
            if value is None:
                raise _missing("PackageDTO", field)
        if not file_name:
            raise _invalid("file_name", "File name is required")
        ext = file_name.rsplit(".", 1)[1].lower() if "." in file_name else ""
        if ext not in _PACKAGE_EXT:
            raise _invalid("file_name", "File extension not allowed")
        if form["helper"] not in _HELPERS:
            raise _invalid("helper", "Helper is required or is invalid")
        payload = file.read()
        storage_name = f"{uuid.uuid4()}.{ext}"
        self.data.store.put_blob(f"fedn/packages/{storage_name}", payload)
        doc = self.data.add("packages", {
            "description": form["description"], "file_name": file_name,
            "helper": form["helper"], "name": form["name"], "storage_file_name": storage_name,
            "active": False,
        })
        self.data.set_active_package(doc["package_id"])
        return _message("Package uploaded", 200)

    def get_active_package(self, request: Request) -> Response:
        """``GET /packages/active``."""
        active = self.data.active_package()
        if active is None:
            return _message("Entity not found", 404)
        return _json(self.data.render(ENTITIES["packages"], active))

    def put_active_package(self, request: Request) -> Response:
        """``PUT /packages/active {"id"}``."""
        body = request.get_json(silent=True)
        package_id = body.get("id") if isinstance(body, dict) else None
        if not package_id:
            raise BadRequest("Missing required field: id")
        if not self.data.set_active_package(str(package_id)):
            return _message(f"Entity with id: {package_id} not found", 404)
        return _message("Active package set", 200)

    def delete_active_package(self, request: Request) -> Response:
        """``DELETE /packages/active``: no package is active afterwards."""
        if self.data.active_package() is None:
            return _message("Entity not found", 404)
        self.data.set_active_package(None)
        return _message("Active package deleted", 200)

    def _package_bytes(self, storage_name: str) -> bytes | None:
        blob = self.data.store.get_blob(f"fedn/packages/{storage_name}")
        return None if blob is None else blob[0]

    def download_package(self, request: Request) -> Response:
        """``GET /packages/download[?name=]``: the active (or named) package file."""
        name = request.args.get("name")
        if name is None:
            active = self.data.active_package()
            if active is None:
                return _message("No active package", 404)
            name = active["storage_file_name"]
        payload = self._package_bytes(name)
        if payload is None:
            return _message(f"Package file {name} not found", 404)
        ext = name.rsplit(".", 1)[-1].lower()
        mimetype = {"tgz": "application/x-tar", "tar": "application/x-tar",
                    "zip": "application/zip", "gz": "application/gzip",
                    "bz2": "application/x-bzip2"}.get(ext, "application/octet-stream")
        return self._attachment(request, payload, name, mimetype)

    def _active_checksum(self, name: str | None = None) -> str | None:
        if name is None:
            active = self.data.active_package()
            if active is None:
                return None
            name = active["storage_file_name"]
        payload = self._package_bytes(name)
        return None if payload is None else hashlib.sha256(payload).hexdigest()

    def package_checksum(self, request: Request) -> Response:
        """``GET /packages/checksum[?name=]``: sha256 of the package file."""
        name = request.args.get("name")
        if name is None and self.data.active_package() is None:
            return _json({"message": "No compute package uploaded", "checksum": None}, 404)
        checksum = self._active_checksum(name)
        if checksum is None:
            return _json({"message": "File not found.", "checksum": None}, 404)
        return _json({"message": "Checksum created.", "checksum": checksum})

    def get_active_helper(self, request: Request) -> Response:
        """``GET /helpers/active``: the active package's helper name."""
        active = self.data.active_package()
        if active is None:
            return _message("No active helper", 404)
        return _json(active["helper"])

    def put_active_helper(self, request: Request) -> Response:
        """``PUT /helpers/active {"helper"}``: change the active package's helper."""
        body = request.get_json(silent=True)
        helper = body.get("helper") if isinstance(body, dict) else None
        if helper not in _HELPERS:
            return _message("Helper is required to be either 'numpyhelper', 'binaryhelper' "
                            "or 'androidhelper'", 400)
        active = self.data.active_package()
        if active is None:
            return _message("No active package", 404)
        self.data.update("packages", active["package_id"], {"helper": helper})
        return _message("Active helper set", 200)

    # ------------------------------------------------------------------ sessions

    @staticmethod
    def _body(request: Request) -> Doc:
        data: Any = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        if not isinstance(data, dict):
            raise BadRequest("Invalid object")
        return data

    def create_session(self, request: Request) -> Response:
        """``POST /sessions/ {name, seed_model_id, session_config}`` → 201."""
        data = dict(self._body(request))
        if "session_config" not in data:
            raise BadRequest("Missing required field: session_config")
        config = validate_session_config(data.pop("session_config"))
        allowed = {"session_id", "name", "status", "seed_model_id", "committed_at", "updated_at"}
        if any(k not in allowed for k in data):
            raise BadRequest("Invalid object")
        doc = self.data.add("sessions", {
            "session_id": None, "name": data.get("name"),
            "status": data.get("status") or "Created", "session_config": config,
            "seed_model_id": data.get("seed_model_id"),
        })
        return _json(self.data.render(ENTITIES["sessions"], doc), 201)

    def start_session(self, request: Request) -> Response:
        """``POST /sessions/start {session_id[, rounds, round_timeout, model_name_prefix]}``."""
        data = self._body(request)
        session_id = data.get("session_id")
        rounds = data.get("rounds", "")
        round_timeout = data.get("round_timeout")
        prefix = data.get("model_name_prefix")
        raw_ids = data.get("client_ids")
        client_ids: list[str] | None = None
        if raw_ids is not None:
            if not isinstance(raw_ids, str) or not raw_ids:
                return _message("client_ids must be a comma separated string", 400)
            client_ids = raw_ids.split(",")
        if not isinstance(prefix, str) or not prefix:
            prefix = None
        if not session_id:
            return _message("Session ID is required", 400)
        session = self.data.get("sessions", str(session_id))
        if session is None:
            return _message("Session with specified ID does not exist", 400)
        config = session["session_config"]
        if self.sim.state == "monitoring":
            return _message("A session is already running!", 400)
        if not rounds or not isinstance(rounds, int) or isinstance(rounds, bool):
            rounds = config.get("rounds")
        if round_timeout is not None and (not isinstance(round_timeout, (int, float))
                                          or isinstance(round_timeout, bool)):
            raise BadRequest("round_timeout must be a number")
        required = config.get("clients_required") or 1
        if len(self.sim.online_clients(client_ids)) < required:
            return _message("Number of available clients is lower than the required minimum "
                            f"of {required}", 400)
        if self.data.get("models", config.get("model_id") or "") is None:
            return _message("Session seed model not found", 400)
        if not self.sim.try_start(str(session_id), int(rounds or 1),
                                  None if round_timeout is None else int(round_timeout),
                                  prefix, client_ids):
            return _message("A session is already running!", 400)
        return _message("Session started", 200)

    def start_predictions(self, request: Request) -> Response:
        """``POST /predictions/start {"prediction_id"[, "model_id"]}``."""
        data = self._body(request)
        prediction_id = data.get("prediction_id")
        if not prediction_id:
            return _message("prediction_id is required", 400)
        model_id = data.get("model_id")
        if model_id is None:
            if self.data.count("models") == 0:
                return _message("No models available", 400)
        elif self.data.get("models", str(model_id)) is None:
            return _message(f"Model {model_id} not found", 404)
        self.sim.predict(str(prediction_id), None if model_id is None else str(model_id))
        return _message("Prediction session started", 200)
