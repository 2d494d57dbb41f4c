"""A small, API-agnostic SQLite document store shared by LocalHub's Auger and FEDn apps.

Data model
----------
* ``docs``: one row per JSON document, keyed by ``(kind, id)``. ``kind`` is a short name such as
  ``"trial"`` or ``"fedn_model"``; ``id`` is the document's key (an ``int`` or a ``str``; it is
  stored as text, so ``5`` and ``"5"`` are the same key within a kind). Documents keep their JSON
  key order. Rows also carry ``seq``, a global insertion counter that is the default ordering.
* Keys of a document that start with ``_`` are *private*: stored and filterable, but meant to be
  stripped before a document leaves the server (see :func:`public`). Apps use them for hidden
  foreign keys (``_project_id``) and lazy state.
* ``seqs``: per-kind integer id sequences (:meth:`Store.next_int_id`). Inserting a document with an
  explicit integer id bumps the sequence past it, so generated ids never collide with seeded ones.
* ``blobs``: uploaded files by key (:meth:`put_blob` / :meth:`get_blob`).
* ``kv``: small string settings (tokens, secrets) that must survive restarts.

Filtering
---------
:meth:`Store.query` and :meth:`Store.count` take ``filters``: a mapping of field → value. A field
is a top-level key or a dotted path into nested objects (``"sender.name"``). Suffixes select the
operator: ``__eq`` (default), ``__ne``, ``__gt``, ``__gte``, ``__lt``, ``__lte``, ``__in`` (value is
a sequence). ``None`` matches a missing or null field. Values compare with their JSON types: the
integer ``5`` does not match the string ``"5"``, so coerce request parameters first.

Speed
-----
Call :meth:`Store.ensure_index` for each ``(kind, field)`` you filter on; it creates a partial
expression index so that listing one page of 100,000 documents filtered by a foreign key, and
counting them, stays in the millisecond range. Bulk loads should use :meth:`insert_many` inside
one :meth:`transaction`.

Thread safety
-------------
One connection guarded by a re-entrant lock (WAL journal). :meth:`transaction` groups several
writes atomically; write counters (:meth:`stats`) are only incremented once a transaction commits,
so they prove that nothing was written twice or lost.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["DuplicateKeyError", "Store", "coerce_filters", "public"]

Doc = dict[str, Any]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z0-9_$-]+)*$")
_OPS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "in": "IN"}


class DuplicateKeyError(KeyError):
    """Raised by :meth:`Store.insert` when ``(kind, id)`` already exists."""


def public(doc: Mapping[str, Any]) -> Doc:
    """Return a copy of ``doc`` without its private (``_``-prefixed) keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def _key(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise TypeError(f"invalid document id: {value!r}")
    if isinstance(value, (int, str)):
        return str(value)
    raise TypeError(f"invalid document id type: {type(value).__name__}")


def _kind(kind: str) -> str:
    if not _NAME.match(kind):
        raise ValueError(f"invalid kind name: {kind!r}")
    return kind


def _dump(doc: Mapping[str, Any]) -> str:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _expr(field: str) -> str:
    if not _FIELD.match(field):
        raise ValueError(f"invalid field name: {field!r}")
    return f"json_extract(doc, '$.{field}')"


_INT64 = 2**63 - 1  # SQLite's integers; a larger Python int overflows the binding


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not -_INT64 <= value <= _INT64:
        return float(value)  # compares as the number it is, matches no stored integer
    if isinstance(value, (dict, list)):
        return _dump(value)  # type: ignore[arg-type]
    return value


class Store:
    """SQLite document store (see the module docstring for the model and the filter syntax)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        """Open (or create) the SQLite file ``path``; None: a temporary file removed on close."""
        self._temp: str | None = None
        if path is None:
            fd, name = tempfile.mkstemp(prefix="localhub-", suffix=".sqlite")
            os.close(fd)
            self._temp = name
            path = name
        self.path = os.fspath(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._depth = 0
        self._pending: Counter[str] = Counter()
        self._writes: Counter[str] = Counter()
        self._indexes: set[tuple[str, str]] = set()
        self._closed = False
        c = self._conn
        if self.path != ":memory:":
            c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=" + ("OFF" if self._temp else "NORMAL"))
        c.execute("PRAGMA temp_store=MEMORY")
        c.execute("PRAGMA cache_size=-32000")
        c.execute("PRAGMA busy_timeout=5000")
        c.executescript(
            """
            CREATE TABLE IF NOT EXISTS docs (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                doc TEXT NOT NULL,
                UNIQUE (kind, id)
            );
            CREATE INDEX IF NOT EXISTS ix_docs_kind_seq ON docs (kind, seq);
            CREATE TABLE IF NOT EXISTS seqs (kind TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS blobs (
                key TEXT PRIMARY KEY, data BLOB NOT NULL, content_type TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        )

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the connection (and delete the temporary file, if any)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._conn.close()
        if self._temp:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(self._temp + suffix)
                except FileNotFoundError:
                    pass

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes atomically (re-entrant; the outermost block commits or rolls back)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
                self._pending.clear()
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                    self._pending.clear()
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")
                self._writes.update(self._pending)
                self._pending.clear()

    def _wrote(self, kind: str, n: int = 1) -> None:
        self._pending[kind] += n

    # ------------------------------------------------------------------ indexes / ids

    def ensure_index(self, kind: str, field: str) -> None:
        """Create (once) a partial expression index for filtering ``kind`` by ``field``."""
        if (kind, field) in self._indexes:
            return
        name = "ix_" + _kind(kind) + "__" + re.sub(r"[^A-Za-z0-9_]", "_", field)
        sql = (
            f'CREATE INDEX IF NOT EXISTS "{name}" ON docs ({_expr(field)}, seq) '
            f"WHERE kind = '{kind}'"
        )
        with self._lock:
            self._conn.execute(sql)
            self._indexes.add((kind, field))

    def next_int_id(self, kind: str) -> int:
        """Return the next integer id of ``kind`` (1, 2, ...), never reusing one."""
        with self.transaction():
            row = self._conn.execute(
                "INSERT INTO seqs (kind, value) VALUES (?, 1) "
                "ON CONFLICT(kind) DO UPDATE SET value = value + 1 RETURNING value",
                (_kind(kind),),
            ).fetchone()
        return int(row[0])

    def _bump(self, kind: str, value: int) -> None:
        self._conn.execute(
            "INSERT INTO seqs (kind, value) VALUES (?, ?) "
            "ON CONFLICT(kind) DO UPDATE SET value = max(value, excluded.value)",
            (kind, value),
        )

    # ------------------------------------------------------------------ documents

    def insert(self, kind: str, doc: Mapping[str, Any], id: Any = None) -> Doc:
        """Insert ``doc`` under ``id`` (default ``doc["id"]``); raise DuplicateKeyError if taken."""
        key = doc["id"] if id is None else id
        data = dict(doc)
        with self.transaction():
            try:
                self._conn.execute(
                    "INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?)",
                    (_kind(kind), _key(key), _dump(data)),
                )
            except sqlite3.IntegrityError:
                raise DuplicateKeyError(f"{kind} {key!r} already exists") from None
            if isinstance(key, int) and not isinstance(key, bool):
                self._bump(kind, key)
            self._wrote(kind)
        return data

    def insert_many(
        self, kind: str, docs: Iterable[Mapping[str, Any]], id_field: str = "id"
    ) -> int:
        """Insert many documents in one statement (keys from ``id_field``); return the count."""
        rows: list[tuple[str, str, str]] = []
        top = 0
        for doc in docs:
            key = doc[id_field]
            if isinstance(key, int) and not isinstance(key, bool):
                top = max(top, key)
            rows.append((kind, _key(key), _dump(doc)))
        with self.transaction():
            try:
                self._conn.executemany("INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?)", rows)
            except sqlite3.IntegrityError as exc:
                raise DuplicateKeyError(f"{kind}: {exc}") from None
            if top:
                self._bump(_kind(kind), top)
            self._wrote(kind, len(rows))
        return len(rows)

    def upsert(self, kind: str, doc: Mapping[str, Any], id: Any = None) -> Doc:
        """Insert ``doc`` or replace the existing document with the same id (keeps its ``seq``)."""
        key = doc["id"] if id is None else id
        data = dict(doc)
        with self.transaction():
            self._conn.execute(
                "INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?) "
                "ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc",
                (_kind(kind), _key(key), _dump(data)),
            )
            if isinstance(key, int) and not isinstance(key, bool):
                self._bump(kind, key)
            self._wrote(kind)
        return data

    def get(self, kind: str, id: Any) -> Doc | None:
        """Return the document ``(kind, id)`` or None."""
        try:
            key = _key(id)
        except TypeError:
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT doc FROM docs WHERE kind = ? AND id = ?", (kind, key)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def get_many(self, kind: str, ids: Iterable[Any]) -> dict[str, Doc]:
        """Return ``{str(id): doc}`` for the ids that exist."""
        keys = sorted({_key(i) for i in ids})
        out: dict[str, Doc] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, text in self._conn.execute(
                    f"SELECT id, doc FROM docs WHERE kind = ? AND id IN ({marks})", (kind, *chunk)
                ):
                    out[key] = json.loads(text)
        return out

    def replace(self, kind: str, id: Any, doc: Mapping[str, Any]) -> Doc | None:
        """Overwrite an existing document; return it, or None if it does not exist."""
        data = dict(doc)
        with self.transaction():
            cur = self._conn.execute(
                "UPDATE docs SET doc = ? WHERE kind = ? AND id = ?", (_dump(data), kind, _key(id))
            )
            if cur.rowcount == 0:
                return None
            self._wrote(kind)
        return data

    def update(self, kind: str, id: Any, changes: Mapping[str, Any]) -> Doc | None:
        """Shallow-merge ``changes`` into a document; return the new document or None."""
        with self.transaction():
            doc = self.get(kind, id)
            if doc is None:
                return None
            doc.update(changes)
            self._conn.execute(
                "UPDATE docs SET doc = ? WHERE kind = ? AND id = ?", (_dump(doc), kind, _key(id))
            )
            self._wrote(kind)
        return doc

    def delete(self, kind: str, id: Any) -> Doc | None:
        """Delete a document; return it, or None if it did not exist."""
        with self.transaction():
            doc = self.get(kind, id)
            if doc is None:
                return None
            self._conn.execute("DELETE FROM docs WHERE kind = ? AND id = ?", (kind, _key(id)))
            self._wrote(kind)
        return doc

    def delete_where(self, kind: str, filters: Mapping[str, Any] | None = None) -> int:
        """Delete every document of ``kind`` matching ``filters``; return how many."""
        where, params = self._where(kind, filters)
        with self.transaction():
            n = self._conn.execute(f"DELETE FROM docs WHERE {where}", params).rowcount
            if n:
                self._wrote(kind, n)
        return int(n)

    # ------------------------------------------------------------------ queries

    def _where(self, kind: str, filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
        # The kind is inlined as a literal (validated) so partial indexes can be used.
        clauses = [f"kind = '{_kind(kind)}'"]
        params: list[Any] = []
        for name, value in (filters or {}).items():
            field, op = name, "eq"
            head, sep, tail = name.rpartition("__")
            if sep and tail in _OPS:
                field, op = head, tail
            expr = _expr(field)
            if op == "in":
                values = (
                    list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
                )
                if not values:
                    clauses.append("0")
                    continue
                clauses.append(f"{expr} IN ({','.join('?' * len(values))})")
                params.extend(_param(v) for v in values)
            elif value is None and op in ("eq", "ne"):
                clauses.append(f"{expr} IS {'NOT ' if op == 'ne' else ''}NULL")
            elif op == "ne":
                clauses.append(f"({expr} IS NULL OR {expr} != ?)")
                params.append(_param(value))
            else:
                clauses.append(f"{expr} {_OPS[op]} ?")
                params.append(_param(value))
        return " AND ".join(clauses), params

    def query(
        self,
        kind: str,
        filters: Mapping[str, Any] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order_by: str | None = None,
        descending: bool = False,
    ) -> tuple[list[Doc], int]:
        """Return ``(page, total)``: one page of matching documents and the number of matches.

        Ordered by ``order_by`` (a field, ties broken by insertion) or by insertion order.
        ``offset`` and ``limit`` may be any integers: beyond SQLite's range they mean "past the
        end" and "no limit".
        """
        where, params = self._where(kind, filters)
        direction = "DESC" if descending else "ASC"
        order = f"seq {direction}"
        if order_by:
            order = f"{_expr(order_by)} {direction}, seq {direction}"
        sql = f"SELECT doc FROM docs WHERE {where} ORDER BY {order}"
        page_params = list(params)
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            size = -1 if limit is None or int(limit) > _INT64 else max(0, int(limit))
            page_params += [size, min(max(0, int(offset)), _INT64)]
        with self._lock:
            rows = self._conn.execute(sql, page_params).fetchall()
            total = self._conn.execute(
                f"SELECT count(*) FROM docs WHERE {where}", params
            ).fetchone()
        return [json.loads(r[0]) for r in rows], int(total[0])

    def count(self, kind: str, filters: Mapping[str, Any] | None = None) -> int:
        """Return the number of documents of ``kind`` matching ``filters``."""
        where, params = self._where(kind, filters)
        with self._lock:
            row = self._conn.execute(f"SELECT count(*) FROM docs WHERE {where}", params).fetchone()
        return int(row[0])

    def iter(self, kind: str, filters: Mapping[str, Any] | None = None) -> Iterator[Doc]:
        """Iterate over every matching document in insertion order (loads them in one query)."""
        docs, _ = self.query(kind, filters)
        return iter(docs)

    def kinds(self) -> dict[str, int]:
        """Return ``{kind: number of documents}``."""
        with self._lock:
            rows = self._conn.execute("SELECT kind, count(*) FROM docs GROUP BY kind").fetchall()
        return {k: int(n) for k, n in rows}

    # ------------------------------------------------------------------ blobs and settings

    def put_blob(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> None:
        """Store (or overwrite) a file under ``key``."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO blobs (key, data, content_type) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET data = excluded.data, content_type = excluded.content_type",
                (key, sqlite3.Binary(data), content_type),
            )
            self._wrote("blob")

    def get_blob(self, key: str) -> tuple[bytes, str] | None:
        """Return ``(data, content_type)`` for ``key`` or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data, content_type FROM blobs WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else (bytes(row[0]), str(row[1]))

    def delete_blob(self, key: str) -> bool:
        """Delete a file; return whether it existed."""
        with self.transaction():
            n = self._conn.execute("DELETE FROM blobs WHERE key = ?", (key,)).rowcount
            if n:
                self._wrote("blob")
        return bool(n)

    def blob_keys(self, prefix: str = "") -> list[str]:
        """Return the stored file keys starting with ``prefix``."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT key FROM blobs WHERE substr(key, 1, ?) = ? ORDER BY key",
                (len(prefix), prefix),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def get_setting(self, key: str) -> str | None:
        """Return a persisted string setting or None."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        """Persist a string setting (not counted as a document write)."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # ------------------------------------------------------------------ counters

    def stats(self) -> dict[str, int]:
        """Return a snapshot of committed writes per kind since start (or the last reset)."""
        with self._lock:
            return dict(self._writes)

    def reset_stats(self) -> None:
        """Zero the write counters."""
        with self._lock:
            self._writes.clear()


def coerce_filters(filters: Mapping[str, Any], types: Mapping[str, type]) -> dict[str, Any]:
    """Convert string filter values (e.g. from a query string) to the given Python types."""
    out: dict[str, Any] = {}
    for name, value in filters.items():
        field = name.rpartition("__")[0] if name.rpartition("__")[2] in _OPS else name
        typ = types.get(field)
        if typ is not None and isinstance(value, str):
            try:
                value = value.lower() in ("1", "true", "yes") if typ is bool else typ(value)
            except ValueError:
                pass
        out[name] = value
    return out
