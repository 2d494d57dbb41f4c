"""Models: seed uploads, downloads, renames and lineage (``parent``, ancestors, descendants)."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, overload

from ..core import transfer
from ..core.relations import Children, OptionalParent
from ..errors import NotFoundError, ServerError
from .base import FednResource
from .errors import NoActivePackageError

if TYPE_CHECKING:
    from ..core.connection import Connection
    from .results import Metric, Prediction, Validation
    from .sessions import Session


class Model(
    FednResource,
    path="models",
    actions="list get update",
    id_field="model_id",
    writable="name",
    update_method="PATCH",
    repr_fields="name session_id",
):
    """A model in the controller's repository (a seed, or the result of a round)."""

    model_id: str
    model: str | None = None
    name: str | None = None
    parent_model: str | None = None
    session_id: str | None = None

    parent: ClassVar[OptionalParent[Model]] = OptionalParent("Model", key="parent_model")
    session: ClassVar[OptionalParent[Session]] = OptionalParent("Session", key="session_id")
    validations: ClassVar[Children[Validation]] = Children("Validation", key="model_id")
    predictions: ClassVar[Children[Prediction]] = Children("Prediction", key="model_id")
    metrics: ClassVar[Children[Metric]] = Children("Metric", key="model_id")

    # -- uploads ----------------------------------------------------------------------------

    @classmethod
    def upload(
        cls,
        source: transfer.PathLike | bytes,
        name: str | None = None,
        *,
        progress: transfer.Progress | None = None,
        connection: Connection | None = None,
    ) -> Model:
        """Upload a seed model file (e.g. ``.npz``) and return it.

        A compute package must be active first (:meth:`Package.upload`), otherwise
        :class:`NoActivePackageError` is raised before anything is sent. ``name`` defaults to
        the file name's stem plus a short unique suffix (the server's answer carries no id,
        so the new model is found by name). ``progress=True`` shows a bar; a callable gets
        ``(bytes_sent, total)``.
        """
        conn = cls._conn(connection)
        file_name, content = transfer.read_upload(source, "model.npz")  # local checks first
        _require_active_package(conn)
        if name is None:
            name = f"{Path(file_name).stem}-{uuid.uuid4().hex[:8]}"
        before = {m.pk for m in cls.list(connection=conn, name=name)}
        transfer.upload(
            conn,
            "models/",
            files={"file": (file_name, content)},
            form={"name": name},
            progress=progress,
        )
        for model in cls.list(connection=conn, name=name, order_by="-committed_at"):
            if model.pk not in before:
                return model
        raise NotFoundError(f"the uploaded model {name!r} is not listed by the server")

    @classmethod
    def latest(cls, *, connection: Connection | None = None, **filters: Any) -> Model | None:
        """The most recently committed model (what the published client calls active)."""
        return cls.list(connection=connection, limit=1, order_by="-committed_at", **filters).first()

    # -- downloads --------------------------------------------------------------------------

    @overload
    def download(
        self,
        path: None = None,
        *,
        progress: transfer.Progress | None = None,
        chunk_size: int = transfer.CHUNK,
        deadline: float | None = None,
    ) -> bytes: ...

    @overload
    def download(
        self,
        path: transfer.PathLike,
        *,
        progress: transfer.Progress | None = None,
        chunk_size: int = transfer.CHUNK,
        deadline: float | None = None,
    ) -> Path: ...

    def download(
        self,
        path: transfer.PathLike | None = None,
        *,
        progress: transfer.Progress | None = None,
        chunk_size: int = transfer.CHUNK,
        deadline: float | None = None,
    ) -> Path | bytes:
        """Write the model file to ``path`` (returns the Path) or return its bytes.

        ``progress=True`` shows a bar; a callable gets ``(done, total)`` after every chunk
        (``total`` may be None). ``deadline``: seconds for the whole download (None: the
        connection's).
        """
        return transfer.download(
            self._conn(self._connection),
            f"models/{self.pk}/download",
            path,
            progress=progress,
            chunk_size=chunk_size,
            deadline=deadline,
        )

    def stream(
        self, chunk_size: int = transfer.CHUNK, *, deadline: float | None = None
    ) -> Iterator[bytes]:
        """The model file as a stream of chunks (``deadline``: seconds for all of it)."""
        return transfer.stream(
            self._conn(self._connection),
            f"models/{self.pk}/download",
            None,
            chunk_size,
            deadline=deadline,
        )[0]

    # -- edits ------------------------------------------------------------------------------

    def rename(self, name: str) -> Model:
        """Rename the model (``PATCH {name}``)."""
        self.name = name
        return self.save()

    # -- lineage ----------------------------------------------------------------------------

    def ancestors(
        self, limit: int | None = None, *, include_self: bool = False
    ) -> builtins.list[Model]:
        """The models this one descends from, nearest first (all of them unless ``limit``)."""
        conn = self._conn(self._connection)
        want = limit if limit is not None else max(type(self).count(connection=conn), 1)
        # SQL controllers always include the model itself, nearest first; ask for it
        # and trim here, so every server gives the same answer.
        resp = conn.request(
            "GET",
            f"models/{self.pk}/ancestors",
            params={"include_self": "true"},
            headers={"X-Limit": str(want + 1)},
        )
        chain = type(self)._many(resp, conn)
        if chain and chain[0].pk == self.pk:
            chain = chain[1:]
        if include_self:
            chain.insert(0, self)
        return chain[: want + (1 if include_self else 0)] if limit is not None else chain

    def descendants(self, limit: int | None = None) -> builtins.list[Model]:
        """Every model derived from this one, nearest first (all of them unless ``limit``).

        Worked out from the model listing, not ``/descendants``: on fedn 0.33.0 the SQL
        stores answer the whole tree but MongoDB only one chain (the first child at each
        step, farthest first).
        """
        children: dict[str | None, builtins.list[Model]] = {}
        for model in type(self).list(connection=self._connection, page_size=1000):
            children.setdefault(model.parent_model, []).append(model)
        found: builtins.list[Model] = []
        level = [self.pk]
        while level and (limit is None or len(found) < limit):
            below = [c for pk in level for c in children.get(pk, ())]
            below.sort(key=lambda m: m.committed_at or _EPOCH)
            found.extend(below)
            level = [m.pk for m in below]
        return found if limit is None else found[:limit]

    def trail(self) -> builtins.list[Model]:
        """The lineage from the oldest ancestor (the seed) down to this model."""
        return builtins.list(reversed(self.ancestors(include_self=True)))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _require_active_package(conn: Connection) -> None:
    """Raise NoActivePackageError unless a compute package is active."""
    try:
        conn.request("GET", "packages/active", max_retries=0)
    except NotFoundError:
        raise NoActivePackageError(
            "no compute package is active: upload one first with "
            "fedn.Package.upload(path, helper=...), then the seed model",
            field_errors=[("package", "upload a compute package before the model")],
        ) from None
    except ServerError as exc:
        exc.message += (
            " (FEDn 0.33.0 answers 500 here after a model was uploaded before any package;"
            " the controller's package state needs resetting)"
        )
        raise
