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
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import quote

import pydantic
from pydantic import BaseModel, ConfigDict, PrivateAttr
from typing_extensions import Self

from ..errors import (
    ResponseDecodeError,
    UnsupportedActionError,
    ValidationError,
)
from . import context, inputs
from ._pydantic import (
    copier,
    field_errors,
    install_fast_post_init,
    pickle_state,
    set_private,
    take_state,
)
from .actions import Action
from .decoding import Frozen, bind_page, from_response, many
from .filters import FilterRules, check_filters, filter_rules
from .pagination import Consistency, LazyList
from .protocol import ApiResponse, Page, Snapshot
from .registry import READ_ONLY, VERBS, ResourceSpec, register, resource_class
from .relations import Children, OptionalParent, Parent
from .text import lone_surrogate
from .walk import Keyset

if TYPE_CHECKING:
    from .connection import Connection


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
        register(cls, object)

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

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy bound to the same connection; ``update`` is assigned field by field, so it
        is checked like an assignment (pydantic would store it unchecked)."""
        twin = super().model_copy(deep=deep)
        for name, value in (update or {}).items():
            setattr(twin, name, value)
        return twin

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign a field (validated); an unknown name or a wrong type is a ValidationError."""
        cls = type(self)
        if name in cls.__resource__.read_only and self._raw is not None:
            # Read from the server: save() never sends it, and the id picks what is saved.
            raise ValidationError.from_fields(
                f"cannot set {cls.__name__}.{name}",
                [(name, "is read-only: the server sets it (save() would not send it)")],
            )
        if name[:1] != "_" and name not in cls.model_fields:
            extra = self.__pydantic_extra__
            if extra is None or name not in extra:
                problem = inputs.unassignable(cls, name)
                if problem is not None:
                    raise ValidationError.from_fields(
                        f"cannot set {cls.__name__}.{name}", [(name, problem)]
                    )
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

    # -- building objects from responses (decoding.py) ----------------------------------------

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

    def _bind(self, conn: Connection | None, raw: Any) -> None:
        """Tie this object to ``conn``, with ``raw`` as the server's copy of it."""
        set_private(self, _connection=conn, _raw=raw)

    @classmethod
    def _from_response(
        cls, resp: ApiResponse, conn: Connection, *, identified: bool = False
    ) -> Self:
        """The object a response carries; ``identified``: it must have its id (a read)."""
        return from_response(cls, resp, conn, identified=identified)

    @classmethod
    def _many(cls, resp: ApiResponse, conn: Connection) -> builtins.list[Self]:
        """Objects from a response whose payload is a list (pristine copies decoded lazily)."""
        return many(cls, resp, conn)

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

    @classmethod
    def _path_params(cls) -> frozenset[str]:
        """The placeholders of the resource's path (``endpoint_id`` of ``endpoints/{...}``)."""
        path = cls.__resource__.path or ""
        return frozenset(part.split("}", 1)[0] for part in path.split("{")[1:])

    # -- what is sent: checked at the edge (inputs.py, filters.py) ----------------------------

    @classmethod
    def filter_rules(cls) -> FilterRules:
        """The filters (and ``order_by`` keys) this resource's listing takes."""
        return filter_rules(cls)

    @classmethod
    def _build_filter_rules(cls) -> FilterRules:
        """The declared ``filters=`` and the path's placeholders; no ordering (API hook)."""
        return FilterRules(names=cls.__resource__.filters | cls._path_params())

    @classmethod
    def validate_input(
        cls, fields: Mapping[str, Any], *, required: Iterable[str] = (), action: str = "create"
    ) -> dict[str, Any]:
        """Check arguments against the declared field types; return them as JSON-ready values.

        Raises :class:`~hub_sdk.errors.ValidationError` naming every bad or missing field.
        """
        return inputs.validate_input(cls, fields, required=required, action=action)

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
            if conn.closed:  # a closed connection serves nothing, cached or not
                conn.check_open("GET", cls._item_path(id, path))
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
            return lambda: bind_page(later(), conn)

        keyset: Keyset[Self] | None = None
        order = codec.key_order(order_by, filters)
        if order is not None and order.field in cls.model_fields:
            key_of, read = order.key, attrgetter(order.field)

            def seek(bound: Any, offset: int, size: int) -> Callable[[], Page[Self]]:
                narrowed = {**filters, **order.after(bound)}
                request = codec.page_request(path, narrowed, offset, size, order_by)
                later = conn.send_page(request, item=cls)
                return lambda: bind_page(later(), conn)

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
        more = inputs.extra_fields(cls, extra, "create")
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
        more = inputs.extra_fields(cls, extra, "update")
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
            more = inputs.extra_fields(cls, extra, "create")
            body = self.model_dump(mode="json", exclude_unset=True, exclude_none=True)
            inputs.check_unsaved(cls, body)
            conn = cls._conn(self._connection)
            path = conn.protocol.collection(cls._collection_path(body))
            body.update(more)
            method = "POST"
        else:
            cls._require("update")
            more = inputs.extra_fields(cls, extra, "update")
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
