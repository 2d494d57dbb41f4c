"""The FEDn statestore of LocalHub: documents and blobs on top of the shared :class:`Store`.

Every entity of :mod:`.catalogue` lives under the store kind ``fedn_<entity>``; model and
package files are blobs (``fedn/models/<id>``, ``fedn/packages/<storage name>``). Listings
follow the real controller's ordering and paging rules (see :meth:`FednData.list`).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Mapping
from typing import Any

from ..store import Store
from .catalogue import ENTITIES, Doc

__all__ = ["FednData"]


class FednData:
    """FEDn entities on top of the generic :class:`Store` (ids, dates, filters, blobs)."""

    def __init__(self, store: Store) -> None:
        """Wrap ``store``; FEDn documents live under kinds ``fedn_<entity>``."""
        self.store = store
        for kind, field in (("models", "session_id"), ("statuses", "session_id"),
                            ("validations", "session_id"), ("metrics", "session_id"),
                            ("clients", "status"), ("packages", "active")):
            store.ensure_index(ENTITIES[kind].kind, field)

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

    # ------------------------------------------------------------------ rounds and models

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

    # ------------------------------------------------------------------ packages

    def add_package_bytes(self, payload: bytes, ext: str, fields: Mapping[str, Any]) -> Doc:
        """Store a package file under a new storage name and its (inactive) record."""
        storage_name = f"{uuid.uuid4()}.{ext}"
        self.store.put_blob(f"fedn/packages/{storage_name}", payload)
        return self.add("packages", {**fields, "storage_file_name": storage_name,
                                     "active": False})

    def package_bytes(self, storage_name: str) -> bytes | None:
        """The stored bytes of a package file."""
        blob = self.store.get_blob(f"fedn/packages/{storage_name}")
        return None if blob is None else blob[0]

    def package_checksum(self, storage_name: str | None = None) -> str | None:
        """sha256 of a package file (the active package's when no name is given), or None."""
        if storage_name is None:
            active = self.active_package()
            if active is None:
                return None
            storage_name = active["storage_file_name"]
        payload = self.package_bytes(storage_name)
        return None if payload is None else hashlib.sha256(payload).hexdigest()

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
