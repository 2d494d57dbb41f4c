"""The resource base: a pydantic v2 model with declared active-record verbs.

A resource is a page of declarations::

    class ExperimentSession(AugerResource, path="experiment_sessions",
                            actions="list get create update"):
        id: str
        status: str | None = None
        experiment_id: str | None = None

        experiment: ClassVar[Parent[Experiment]] = Parent("Experiment", key="experiment_id")
        trials: ClassVar[Children[Trial]] = Children("Trial", key="experiment_session_id")

Relations are declared ``ClassVar`` so type checkers apply the descriptor (``session.experiment``
is an ``Experiment``; an ``OptionalParent`` is ``X | None``); target classes are named as
strings and resolved lazily. What is sent is strict (unknown fields, filters and wrong types
are :class:`~hub_sdk.errors.ValidationError` before any request); what comes back is lenient.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Optional, TypeVar, overload
from urllib.parse import quote

import pydantic
import pydantic_core
from pydantic import BaseModel, ConfigDict, PrivateAttr
from typing_extensions import Self

from ..errors import (
    ResponseDecodeError,
    UnsupportedActionError,
    ValidationError,
    describe,
    suggest,
)
from . import context
from ._pydantic import (
    copier,
    field_errors,
    install_fast_post_init,
    pickle_state,
    private_attributes,
    set_private,
    take_state,
)
from .exports import api_exports
from .filters import FilterRules, check_filters
from .pagination import Consistency, LazyList
from .protocol import ApiResponse, Page, Snapshot, snippet
from .relations import Children, OptionalParent, Parent
from .secret import redact
from .text import lone_surrogate
from .walk import Keyset

if TYPE_CHECKING:
    from .connection import Connection

VERBS = frozenset({"list", "get", "create", "update", "delete"})
READ_ONLY = frozenset({"id", "object", "deleted", "created_at", "updated_at"})

T = TypeVar("T")
R = TypeVar("R", bound="Resource")

_registry: dict[str, dict[str, type[Resource]]] = {}
_registry_lock = threading.Lock()
_input_models: dict[type[Any], type[BaseModel]] = {}
_known_inputs: dict[type[Any], frozenset[str]] = {}
_filter_rules: dict[type[Any], FilterRules] = {}


@dataclass(frozen=True)
class ResourceSpec:
    """What a resource class declares about its place in the API."""

    api: str = ""
    path: str | None = None
    actions: frozenset[str] = frozenset()
    id_field: str = "id"
    writable: frozenset[str] | None = None
    read_only: frozenset[str] = READ_ONLY
    create_required: tuple[str, ...] = ()
    update_method: str = "PATCH"
    repr_fields: tuple[str, ...] = ("name", "status")
    # Request-only arguments (name -> type), validated before sending like the fields.
    inputs: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # The filters its listing takes (besides the placeholders of its path).
    filters: frozenset[str] = frozenset()


def resource_class(api: str, name: str) -> type[Resource]:
    """The resource class of ``api`` called ``name`` (class name or object type)."""
    cls = _registry.get(api, {}).get(name)
    if cls is None:
        # Resource modules import lazily: load the one declaring it, through the exports
        # its API package registered.
        exports = api_exports(api)
        if exports is not None and name in exports.lazy:
            exports.load(name)
            cls = _registry.get(api, {}).get(name)
    if cls is None:
        raise LookupError(f"no {api} resource named {name!r}")
    return cls


def resources(api: str) -> dict[str, type[Resource]]:
    """Every resource class of ``api`` by class name, sorted (its modules are imported first)."""
    exports = api_exports(api)
    if exports is None:
        raise LookupError(f"no API package registered as {api!r} (import it first)")
    for name in exports.lazy:
        exports.load(name)
    classes = _registry.get(api, {})
    return {name: cls for name, cls in sorted(classes.items()) if name == cls.__name__}


class Frozen:
    """The server's copy of one object, as a connection cache keeps it.

    Holds the object's raw JSON (a :class:`Snapshot` or a decoded dict) and, from the first
    read on, a template validated from it that nobody else sees. Every read gets a deep copy
    of the template: what one caller edits (saved or not) never reaches another.
    """

    __slots__ = ("_make", "cls", "raw")

    def __init__(self, cls: type[Resource], raw: Any) -> None:
        self.cls = cls
        self.raw = raw
        self._make: Callable[[], Any] | None = None

    def thaw(self, conn: Connection) -> Resource:
        """A copy of the object of its own, bound to ``conn``."""
        make = self._make
        if make is None:  # a race builds two equal templates: harmless
            raw = self.raw
            data = raw.load() if isinstance(raw, Snapshot) else raw
            template = self.cls._from_data(data, None, raw)
            make = self._make = copier(template)
            assert make is not None
        obj: Resource = make()
        private_attributes(obj)["_connection"] = conn
        return obj


class Action(Generic[T]):
    """A custom verb: ``deploy: ClassVar[Action[Project]] = Action("PATCH", "deploy")``.

    ``returns``: ``"self"`` (refresh the object from the answer and return it), ``"data"``
    (the envelope's payload), ``"text"`` (the body as text) or a resource class name.
    """

    __slots__ = ("doc", "method", "name", "path", "returns")

    def __init__(self, method: str, path: str, *, returns: str = "self", doc: str = "") -> None:
        self.method = method.upper()
        self.path = path
        self.returns = returns
        self.doc = doc
        self.name = path

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Action[T]: ...

    @overload
    def __get__(self, obj: Resource, owner: type[Any]) -> Callable[..., T]: ...

    def __get__(self, obj: Resource | None, owner: type[Any]) -> Action[T] | Callable[..., T]:
        if obj is None:
            return self
        resource = obj

        def call(**params: Any) -> Any:
            return resource._run_action(self, params)

        call.__name__ = self.name
        call.__doc__ = self.doc or f"{self.method} {owner.__name__}/<id>/{self.path}"
        return call

    def __repr__(self) -> str:
        return f"Action({self.method!r}, {self.path!r})"


class Resource(BaseModel):
    """Base of every typed API object; see the module docstring for how to declare one."""

    model_config = ConfigDict(
        extra="allow",
        defer_build=True,
        validate_assignment=True,
        populate_by_name=True,
        protected_namespaces=(),
        ignored_types=(Parent, OptionalParent, Children, Action),
        ser_json_inf_nan="constants",
    )

    __resource__: ClassVar[ResourceSpec] = ResourceSpec()

    _connection: Any = PrivateAttr(default=None)
    _raw: Any = PrivateAttr(default=None)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        install_fast_post_init(cls)

    def __init_subclass__(
        cls,
        *,
        api: str | None = None,
        path: str | None = None,
        actions: str | Iterable[str] | None = None,
        object: str | None = None,
        id_field: str | None = None,
        writable: str | Iterable[str] | None = None,
        read_only: str | Iterable[str] | None = None,
        create_required: str | Iterable[str] | None = None,
        update_method: str | None = None,
        repr_fields: str | Iterable[str] | None = None,
        inputs: Mapping[str, Any] | None = None,
        filters: str | Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if "__inputs__" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: declare request-only arguments with inputs=")
        base = cls.__resource__

        def names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
            if value is None:
                return None
            return tuple(value.split()) if isinstance(value, str) else tuple(value)

        verbs = names(actions)
        if verbs is not None and not set(verbs) <= VERBS:
            raise TypeError(f"{cls.__name__}: unknown actions {sorted(set(verbs) - VERBS)}")
        wr = names(writable)
        ro = names(read_only)
        spec = ResourceSpec(
            api=api or base.api,
            path=path if path is not None else (None if verbs else base.path),
            actions=frozenset(verbs) if verbs is not None else base.actions,
            id_field=id_field or base.id_field,
            writable=frozenset(wr) if wr is not None else None,
            read_only=READ_ONLY | frozenset(ro or ()) | ({id_field} if id_field else set()),
            create_required=names(create_required) or (),
            update_method=(update_method or base.update_method).upper(),
            repr_fields=names(repr_fields) or base.repr_fields,
            inputs=dict(inputs) if inputs is not None else base.inputs,
            filters=frozenset(names(filters) or ()) if filters is not None else base.filters,
        )
        cls.__resource__ = spec
        if spec.api:
            with _registry_lock:
                classes = _registry.setdefault(spec.api, {})
                classes[cls.__name__] = cls
                if object:
                    classes.setdefault(object, cls)

    # -- identity, equality, repr ------------------------------------------------------------

    @property
    def pk(self) -> Any:
        """The object's id (whatever the API calls its id field)."""
        return getattr(self, self.__resource__.id_field, None)

    @property
    def connection(self) -> Connection | None:
        """The connection this object came from (None for an object built locally)."""
        conn: Connection | None = self._connection
        return conn

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        if type(self) is not type(other):
            return False
        if self.pk is None or other.pk is None:
            return self is other
        return bool(self.pk == other.pk)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.pk))

    def __repr__(self) -> str:
        from .display import shown_values

        values = shown_values(self)  # fields, extra fields and the declared properties
        parts = [f"{self.__resource__.id_field}={self.pk!r}"]
        for name in self.__resource__.repr_fields:
            value = values.get(name)
            if value is not None and not isinstance(value, (dict, list)):
                text = repr(value)
                parts.append(f"{name}={text if len(text) <= 60 else text[:57] + '...'}")
        return f"<{type(self).__name__} {' '.join(parts)}>"

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """A table of the key fields, for notebooks."""
        from .display import resource_html

        return resource_html(self)

    def __rich_repr__(self) -> Iterable[tuple[str, Any]]:
        """Key fields for rich's pretty printer."""
        from .display import rich_fields

        yield from rich_fields(self)

    def __getstate__(self) -> dict[Any, Any]:
        # Plain JSON for the server's copy: no response (or request) objects.
        return pickle_state(self, _connection=None, _raw=self._pristine())

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        """Independent data bound to the same connection (which is never copied)."""
        make = copier(self)
        assert make is not None
        twin: Self = make()
        if memo is not None:
            memo[id(self)] = twin
        return twin

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign a field (validated); an unknown name or a wrong type is a ValidationError."""
        cls = type(self)
        if name[:1] != "_" and name not in cls.model_fields:
            extra = self.__pydantic_extra__
            if (extra is None or name not in extra) and not hasattr(cls, name):
                problem = (name, cls._unknown_field(name, f"save(extra={{{name!r}: ...}})"))
                raise ValidationError.from_fields(f"cannot set {cls.__name__}.{name}", [problem])
        try:
            super().__setattr__(name, value)
        except pydantic.ValidationError as exc:
            raise ValidationError.from_fields(
                f"invalid value for {cls.__name__}.{name}", field_errors(exc)
            ) from None

    @classmethod
    def cache_key(cls, id: Any) -> tuple[str, str, str]:
        """The connection-cache key of the object ``id`` of this class."""
        return (cls.__resource__.api, cls.__name__, str(id))

    @classmethod
    def _key_of(cls, id: Any) -> tuple[str, str, str] | None:
        """The cache key of the object ``id`` (None without an id)."""
        if isinstance(id, Resource):
            id = id.pk
        return None if id is None or id == "" else cls.cache_key(id)

    # -- building objects from responses ------------------------------------------------------

    @classmethod
    def _conn(cls, connection: Connection | None) -> Connection:
        return context.resolve(cls.__resource__.api, connection)

    @classmethod
    def _require(cls, verb: str) -> None:
        if verb not in cls.__resource__.actions:
            allowed = ", ".join(sorted(cls.__resource__.actions)) or "none"
            raise UnsupportedActionError(
                f"{cls.__name__} does not support {verb!r} (supported: {allowed})"
            )

    @classmethod
    def _from_data(cls, data: Any, conn: Connection | None, raw: Any = None) -> Self:
        """Validate one server object into a model bound to ``conn``."""
        if not isinstance(data, Mapping):
            raise ResponseDecodeError(
                f"expected a {cls.__name__} object, got {type(data).__name__}",
                snippet=repr(data)[:200],
            )
        try:
            obj = cls.model_validate(data)
        except pydantic.ValidationError as exc:
            errors = field_errors(exc)
            raise ResponseDecodeError(
                f"the server sent a {cls.__name__} that does not validate: {describe(errors[:5])}",
                snippet=str(errors[:5])[:200],
            ) from None
        obj._bind(conn, raw if raw is not None else data)
        return obj

    def _bind(self, conn: Connection | None, raw: Any) -> None:
        """Tie this object to ``conn``, with ``raw`` as the server's copy of it."""
        set_private(self, _connection=conn, _raw=raw)

    @classmethod
    def _bound(cls, page: Page[Self], conn: Connection) -> Page[Self]:
        """``page`` with its objects tied to ``conn``; their server copies stay bytes."""
        body = page.body
        assert body is not None
        for index, obj in enumerate(page.items):
            private = private_attributes(obj)
            private["_connection"] = conn
            private["_raw"] = Snapshot(body, index)
        return page

    @classmethod
    def _from_response(
        cls, resp: ApiResponse, conn: Connection, *, identified: bool = False
    ) -> Self:
        """The object a response carries; ``identified``: it must have its id (a read)."""
        try:
            obj = cls._from_data(resp.data, conn, Snapshot(resp.raw_body()))
            if identified and (obj.pk is None or obj.pk == ""):
                raise ResponseDecodeError(
                    f"the server sent a {cls.__name__} without its {cls.__resource__.id_field}",
                    snippet=snippet(resp.content),
                    retryable=False,
                )
            return obj
        except ResponseDecodeError as exc:
            exc.method = resp.http.request.method if resp.http is not None else None
            exc.path = redact(resp.http.request.path_url) if resp.http is not None else None
            exc.status, exc.request_id = resp.status, resp.request_id
            raise

    @classmethod
    def _many(cls, resp: ApiResponse, conn: Connection) -> builtins.list[Self]:
        """Objects from a response whose payload is a list (pristine copies decoded lazily)."""
        items = resp.data
        if not isinstance(items, builtins.list):
            raise ResponseDecodeError(
                f"expected a list of {cls.__name__} objects, got {type(items).__name__}",
                snippet=snippet(resp.content),
                status=resp.status,
                request_id=resp.request_id,
            )
        body = resp.raw_body()
        return [cls._from_data(d, conn, Snapshot(body, i)) for i, d in enumerate(items)]

    # -- paths -------------------------------------------------------------------------------

    @classmethod
    def _collection_path(cls, values: Mapping[str, Any]) -> str:
        path = cls.__resource__.path
        if path is None:
            raise UnsupportedActionError(f"{cls.__name__} has no collection path")
        if "{" not in path:
            return path
        try:
            return path.format_map({k: _quote(v, k) for k, v in values.items()})
        except KeyError as exc:
            name = exc.args[0]
            raise ValidationError(
                f"{cls.__name__} needs {name!r} to build its path {path!r}",
                field_errors=[(name, "is required")],
            ) from None

    @classmethod
    def _item_path(cls, id: Any, values: Mapping[str, Any] | None = None) -> str:
        if id is None or id == "":
            raise ValidationError(
                f"{cls.__name__} id is required",
                field_errors=[(cls.__resource__.id_field, "is required")],
            )
        if isinstance(id, Resource):
            id = id.pk
        return f"{cls._collection_path(values or {})}/{_quote(id, cls.__resource__.id_field)}"

    def _path_values(self) -> dict[str, Any]:
        return {**(self.__pydantic_extra__ or {}), **self.__dict__}

    # -- filters -----------------------------------------------------------------------------

    @classmethod
    def filter_rules(cls) -> FilterRules:
        """The filters (and ``order_by`` keys) this resource's listing takes."""
        rules = _filter_rules.get(cls)
        if rules is None:
            rules = _filter_rules[cls] = cls._build_filter_rules()
        return rules

    @classmethod
    def _build_filter_rules(cls) -> FilterRules:
        """The declared ``filters=`` and the path's placeholders; no ordering (API hook)."""
        return FilterRules(names=cls.__resource__.filters | cls._path_params())

    # -- input validation --------------------------------------------------------------------

    @classmethod
    def _path_params(cls) -> frozenset[str]:
        """The placeholders of the resource's path (``endpoint_id`` of ``endpoints/{...}``)."""
        path = cls.__resource__.path or ""
        return frozenset(part.split("}", 1)[0] for part in path.split("{")[1:])

    @classmethod
    def _known(cls) -> frozenset[str]:
        """The argument names ``create``/``update`` take: fields, aliases, inputs, path."""
        known = _known_inputs.get(cls)
        if known is None:
            cls.model_rebuild()
            names = {n for n, info in cls.model_fields.items()}
            names |= {info.alias for info in cls.model_fields.values() if info.alias}
            known = frozenset(names | set(cls.__resource__.inputs) | cls._path_params())
            _known_inputs[cls] = known
        return known

    @classmethod
    def _unknown_field(cls, name: str, escape: str | None) -> str:
        """Why ``name`` is refused: not a field (the nearest one), and the escape hatch."""
        reason = f"is not a {cls.__name__} field{suggest(name, cls._known())}"
        if escape is None:
            return reason
        return f"{reason}; to send a field the server knows but the SDK does not, use {escape}"

    @classmethod
    def _extra_fields(cls, extra: Mapping[str, Any] | None, action: str) -> dict[str, Any]:
        """``extra=``: fields the SDK does not declare, sent as given (checked: not declared)."""
        if extra is None:
            return {}
        what = f"invalid arguments for {cls.__name__}.{action}"
        if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
            raise ValidationError.from_fields(
                what, [("extra", "must be a mapping of field names to values")]
            )
        known = cls._known()
        declared = [
            (f"extra.{k}", f"is a declared field: pass it as {k}=... (validated)")
            for k in extra
            if k in known
        ]
        if declared:
            raise ValidationError.from_fields(what, declared)
        return dict(extra)

    @classmethod
    def _input_model(cls) -> type[BaseModel]:
        model = _input_models.get(cls)
        if model is None:
            cls.model_rebuild()
            # Declared fields, plus the request-only arguments declared with ``inputs=``.
            types = {name: info.annotation for name, info in cls.model_fields.items()}
            types.update(cls.__resource__.inputs)
            fields: dict[str, Any] = {
                name: (Optional[tp], None)  # noqa: UP045 - runtime type object
                for name, tp in types.items()
            }
            model = pydantic.create_model(
                f"{cls.__name__}Input",
                # NaN/Infinity stay floats so the JSON encoder refuses them (not silent nulls)
                __config__=ConfigDict(
                    extra="allow", arbitrary_types_allowed=True, ser_json_inf_nan="constants"
                ),
                **fields,
            )
            _input_models[cls] = model
        return model

    @classmethod
    def validate_input(
        cls, fields: Mapping[str, Any], *, required: Iterable[str] = (), action: str = "create"
    ) -> dict[str, Any]:
        """Check arguments against the declared field types; return them as JSON-ready values.

        Raises :class:`~hub_sdk.errors.ValidationError` naming every bad or missing field.
        """
        known = cls._known()
        escape = "extra={%r: ...}" if action in ("create", "update") else None
        problems: builtins.list[tuple[str, str]] = [
            (name, cls._unknown_field(name, escape and escape % name))
            for name in fields
            if name not in known
        ]
        problems += [(name, "is required") for name in required if fields.get(name) is None]
        what = f"invalid arguments for {cls.__name__}.{action}"
        try:
            model = cls._input_model().model_validate(dict(fields))
        except pydantic.ValidationError as exc:
            problems.extend(field_errors(exc))
            model = None
        if problems:
            raise ValidationError.from_fields(what, problems)
        assert model is not None
        try:
            dumped = model.model_dump(mode="json", exclude_unset=True)
        except (pydantic_core.PydanticSerializationError, ValueError, TypeError):
            bad = []
            for name in fields:
                try:
                    model.model_dump(mode="json", include={name})
                except (pydantic_core.PydanticSerializationError, ValueError, TypeError) as exc:
                    bad.append((name, f"is not JSON-serialisable ({exc})"))
            bad = bad or [("(body)", "is not JSON-serialisable")]
            raise ValidationError.from_fields(what, bad) from None
        return {k: dumped.get(k, v) for k, v in fields.items()}

    # -- class-level verbs ---------------------------------------------------------------------

    @classmethod
    def get(
        cls, id: Any, *, connection: Connection | None = None, cached: bool = False, **path: Any
    ) -> Self:
        """Fetch one object by id (``cached=True`` serves it from the connection cache)."""
        cls._require("get")
        conn = cls._conn(connection)
        key = cls.cache_key(id)
        if cached:
            hit = conn.cache.get(key)
            if hit is not None:
                return hit.thaw(conn)  # type: ignore[no-any-return]
        generation = conn.cache.generation
        resp = conn.request("GET", cls._item_path(id, path))
        obj = cls._from_response(resp, conn, identified=True)
        conn.cache.put_read(key, Frozen(cls, obj._raw), generation)
        return obj

    @classmethod
    def list(
        cls,
        *,
        connection: Connection | None = None,
        page_size: int | None = None,
        limit: int | None = None,
        order_by: str | None = None,
        prefetch: bool = True,
        progress: bool = False,
        consistency: Consistency = "strict",
        **filters: Any,
    ) -> LazyList[Self]:
        """A lazy listing, narrowed by ``filters`` (sent as the API expects).

        ``page_size``: new items per request (default: growing pages); ``limit``: at most
        this many items in all; ``consistency``: what to do when the collection changes in a
        way the listing cannot repair (see :class:`~hub_sdk.core.LazyList`).
        """
        cls._require("list")
        check_filters(cls, filters, order_by)
        conn = cls._conn(connection)
        path = conn.protocol.collection(cls._collection_path(filters))

        codec = conn.protocol

        def fetch(offset: int, size: int) -> Callable[[], Page[Self]]:
            # Validated when the listing reaches the page: pages fetched ahead stay bytes.
            request = codec.page_request(path, filters, offset, size, order_by)
            later = conn.send_page(request, item=cls)
            return lambda: cls._bound(later(), conn)

        keyset: Keyset[Self] | None = None
        order = codec.key_order(order_by, filters)
        if order is not None and order.field in cls.model_fields:
            key_of, read = order.key, attrgetter(order.field)

            def seek(bound: Any, offset: int, size: int) -> Callable[[], Page[Self]]:
                narrowed = {**filters, **order.after(bound)}
                request = codec.page_request(path, narrowed, offset, size, order_by)
                later = conn.send_page(request, item=cls)
                return lambda: cls._bound(later(), conn)

            keyset = Keyset(lambda obj: key_of(read(obj)), seek, order.descending)

        return LazyList(
            fetch,
            page_size=page_size,
            limit=limit,
            prefetch=prefetch,
            describe=cls.__name__,
            progress=progress,
            item_type=cls,
            identity=attrgetter(cls.__resource__.id_field),
            keyset=keyset,
            consistency=consistency,
            max_page_size=codec.max_page_size,
        )

    @classmethod
    def create(
        cls,
        *,
        connection: Connection | None = None,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Self:
        """Create an object; arguments are validated before anything is sent.

        An unknown argument is refused; ``extra`` sends fields the SDK does not declare as
        given (for a server newer than the SDK).
        """
        cls._require("create")
        more = cls._extra_fields(extra, "create")
        conn = cls._conn(connection)
        body = {**cls._create_body(fields, conn), **more}
        with conn.cache.writing(cls._key_of(fields.get(cls.__resource__.id_field))):
            resp = conn.request(
                "POST", conn.protocol.collection(cls._collection_path(fields)), body=body
            )
            obj = cls._from_response(resp, conn)
        obj._remember()
        return obj

    @classmethod
    def _create_body(cls, fields: dict[str, Any], conn: Connection) -> dict[str, Any]:
        """The body ``create`` sends: the validated fields (a hook for API-specific parts)."""
        return cls.validate_input(fields, required=cls.__resource__.create_required)

    @classmethod
    def update(
        cls,
        id: Any,
        *,
        connection: Connection | None = None,
        extra: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Self:
        """Update the object ``id`` with ``fields`` (validated first); returns the new state.

        ``extra`` sends fields the SDK does not declare, as given.
        """
        cls._require("update")
        more = cls._extra_fields(extra, "update")
        body = {**cls.validate_input(fields, action="update"), **more}
        conn = cls._conn(connection)
        path = cls._item_path(id, fields)
        with conn.cache.writing(cls._key_of(id)):
            resp = conn.request(cls.__resource__.update_method, path, body=body)
            obj = cls._from_response(resp, conn)
        obj._remember()
        return obj

    @classmethod
    def delete_id(cls, id: Any, *, connection: Connection | None = None, **path: Any) -> Any:
        """Delete the object ``id``; returns what the server answered."""
        cls._require("delete")
        conn = cls._conn(connection)
        with conn.cache.writing(cls._key_of(id)):
            resp = conn.request("DELETE", cls._item_path(id, path))
        conn.cache.invalidate(cls.cache_key(id))
        return resp.data

    # -- instance verbs ------------------------------------------------------------------------

    def _remember(self) -> None:
        """Cache the server's copy of this object (just read or written): never the object."""
        conn = self._connection
        if conn is not None and self.pk is not None:
            conn.cache.put_write(self.cache_key(self.pk), Frozen(type(self), self._raw))

    def _absorb(self, fresh: Resource) -> None:
        """Take over the state of ``fresh`` (a newer copy of this object)."""
        take_state(self, fresh)
        self._bind(fresh._connection or self._connection, fresh._raw)

    def _writable(self) -> Iterable[str]:
        spec = self.__resource__
        if spec.writable is not None:
            return spec.writable
        return [n for n in type(self).model_fields if n not in spec.read_only]

    def _pristine(self) -> Any:
        """The server's copy of this object (decoded now if it was kept as bytes)."""
        raw = self._raw
        if isinstance(raw, Snapshot):
            raw = raw.load()
            set_private(self, _raw=raw)
        return raw

    def changes(self) -> dict[str, Any]:
        """The writable fields changed since the object was loaded, as JSON-ready values."""
        raw = self._pristine()
        if raw is None:
            return self.model_dump(mode="json", exclude_unset=True)
        original = type(self).model_validate(raw)
        spec = self.__resource__
        changed = {
            n for n in self._writable() if getattr(self, n, None) != getattr(original, n, None)
        }
        extra, orig_extra = self.__pydantic_extra__ or {}, original.__pydantic_extra__ or {}
        changed |= {
            k for k, v in extra.items() if k not in spec.read_only and orig_extra.get(k) != v
        }
        if not changed:
            return {}
        dumped = self.model_dump(mode="json", include=changed)
        return {k: dumped[k] for k in sorted(changed) if k in dumped}

    def save(self, *, extra: Mapping[str, Any] | None = None) -> Self:
        """Send the changed writable fields (or create an object built locally).

        ``extra`` sends fields the SDK does not declare as well, as given.
        """
        cls = type(self)
        if self._raw is None:
            cls._require("create")
            more = cls._extra_fields(extra, "create")
            body = self.model_dump(mode="json", exclude_unset=True, exclude_none=True)
            known = cls._known()
            problems = [
                (n, cls._unknown_field(n, f"save(extra={{{n!r}: ...}})"))
                for n in body
                if n not in known
            ]
            problems += [
                (n, "is required") for n in self.__resource__.create_required if body.get(n) is None
            ]
            if problems:
                raise ValidationError.from_fields(f"invalid {cls.__name__} to create", problems)
            conn = cls._conn(self._connection)
            path = conn.protocol.collection(cls._collection_path(body))
            body.update(more)
            method = "POST"
        else:
            cls._require("update")
            more = cls._extra_fields(extra, "update")
            conn = cls._conn(self._connection)
            body = {**self.changes(), **more}
            if not body:
                return self
            path = cls._item_path(self.pk, self._path_values())
            method = self.__resource__.update_method
        with conn.cache.writing(self._key_of(self.pk)):
            resp = conn.request(method, path, body=body)
            fresh = cls._from_response(resp, conn)
        self._absorb(fresh)
        self._remember()
        return self

    def refresh(self) -> Self:
        """Reload the object from the server (bypassing the cache)."""
        type(self)._require("get")
        conn = type(self)._conn(self._connection)
        resp = conn.request("GET", type(self)._item_path(self.pk, self._path_values()))
        self._absorb(type(self)._from_response(resp, conn, identified=True))
        self._remember()
        return self

    def delete(self) -> None:
        """Delete the object on the server."""
        cls = type(self)
        cls._require("delete")
        conn = cls._conn(self._connection)
        path = cls._item_path(self.pk, self._path_values())
        with conn.cache.writing(self._key_of(self.pk)):
            resp = conn.request("DELETE", path)
        conn.cache.invalidate(cls.cache_key(self.pk))
        if isinstance(resp.data, Mapping) and resp.data.get(self.__resource__.id_field) == self.pk:
            try:
                self._absorb(cls._from_response(resp, conn))
            except ResponseDecodeError:
                pass

    def _run_action(self, action: Action[Any], params: Mapping[str, Any]) -> Any:
        cls = type(self)
        conn = cls._conn(self._connection)
        path = f"{cls._item_path(self.pk, self._path_values())}/{action.path}"
        body = dict(params) if params else None
        expect: Literal["json", "text"] = "text" if action.returns == "text" else "json"
        with conn.cache.writing(self._key_of(self.pk) if action.method != "GET" else None):
            resp = conn.request(action.method, path, body=body, expect=expect)
        if action.method != "GET":
            conn.cache.invalidate(cls.cache_key(self.pk))
        if action.returns == "self":
            self._absorb(cls._from_response(resp, conn))
            self._remember()
            return self
        if action.returns in ("data", "text"):
            return resp.data
        target = resource_class(self.__resource__.api, action.returns)
        if isinstance(resp.data, list):
            return target._many(resp, conn)
        return target._from_response(resp, conn)

    @classmethod
    def call(
        cls,
        method: str,
        path: str,
        *,
        connection: Connection | None = None,
        expect: str = "json",
        **kwargs: Any,
    ) -> ApiResponse:
        """Send a custom request on behalf of this resource's API (for declared helpers)."""
        conn = cls._conn(connection)
        return conn.request(method, path, expect=expect, **kwargs)  # type: ignore[call-overload,no-any-return]


def _quote(value: Any, name: str) -> str:
    """``value`` as one URL path segment; a lone surrogate (no UTF-8 for it) is refused."""
    text = str(value)
    if not text.isascii() and lone_surrogate(text) is not None:
        raise ValidationError.from_fields(
            "invalid path", [(name, "contains a lone surrogate (text that is not valid Unicode)")]
        )
    return quote(text, safe="")
