"""Compute packages: upload (becomes active), the active package and helper, downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from pydantic import Field

from ..core import transfer
from ..errors import NotFoundError
from .base import FednResource

if TYPE_CHECKING:
    from ..core.connection import Connection

HELPERS = ("numpyhelper", "binaryhelper", "androidhelper")


class Package(
    FednResource,
    path="packages",
    actions="list get",
    id_field="package_id",
    repr_fields="name helper is_active",
):
    """A compute package: the code clients run, and the helper that reads its models."""

    package_id: str
    name: str | None = None
    description: str | None = None
    file_name: str | None = None
    storage_file_name: str | None = None
    helper: str | None = None
    is_active: bool | None = Field(default=None, alias="active")  # `active()` finds the active one

    @classmethod
    def upload(
        cls,
        source: transfer.PathLike | bytes,
        helper: str = "numpyhelper",
        name: str | None = None,
        description: str | None = None,
        *,
        file_name: str | None = None,
        progress: transfer.Progress | None = None,
        connection: Connection | None = None,
    ) -> Package:
        """Upload a package (``.tgz``, ``.tar.gz``, ``.zip``...); it becomes the active one.

        ``name`` defaults to the file name without extension, ``description`` (required by
        the server) to ``"<name> (uploaded with hub-sdk)"``. Returns the active package.
        """
        conn = cls._conn(connection)
        default_name, content = transfer.read_upload(source, "package.tgz")
        file_name = file_name or default_name
        name = name or file_name.split(".", 1)[0]
        description = description or f"{name} (uploaded with hub-sdk)"
        transfer.upload(
            conn,
            "packages/",
            files={"file": (file_name, content)},
            form={"helper": helper, "name": name, "description": description},
            progress=progress,
        )
        active = cls.active(connection=conn)
        if active is None:  # pragma: no cover - the server just activated it
            raise NotFoundError("the uploaded package is not active on the server")
        return active

    @classmethod
    def active(cls, *, connection: Connection | None = None) -> Package | None:
        """The active package, or None."""
        conn = cls._conn(connection)
        try:
            resp = conn.request("GET", "packages/active")
        except NotFoundError:
            return None
        return cls._from_response(resp, conn)

    def activate(self) -> Package:
        """Make this package the active one."""
        conn = self._conn(self._connection)
        conn.request("PUT", "packages/active", body={"id": self.pk})
        return self.refresh()

    @classmethod
    def deactivate(cls, *, connection: Connection | None = None) -> None:
        """Leave no package active."""
        cls._conn(connection).request("DELETE", "packages/active")

    @classmethod
    def active_helper(cls, *, connection: Connection | None = None) -> str | None:
        """The active package's helper (e.g. ``"numpyhelper"``), or None."""
        try:
            resp = cls._conn(connection).request("GET", "helpers/active")
        except NotFoundError:
            return None
        return str(resp.data) if resp.data is not None else None

    @classmethod
    def set_active_helper(cls, helper: str, *, connection: Connection | None = None) -> None:
        """Change the active package's helper."""
        cls._conn(connection).request("PUT", "helpers/active", body={"helper": helper})

    @overload
    def download(
        self,
        path: None = None,
        *,
        progress: transfer.Progress | None = None,
        deadline: float | None = None,
    ) -> bytes: ...

    @overload
    def download(
        self,
        path: transfer.PathLike,
        *,
        progress: transfer.Progress | None = None,
        deadline: float | None = None,
    ) -> Path: ...

    def download(
        self,
        path: transfer.PathLike | None = None,
        *,
        progress: transfer.Progress | None = None,
        deadline: float | None = None,
    ) -> Path | bytes:
        """Write the package file to ``path`` (returns the Path) or return its bytes.

        On a controller with auth on, this route wants a token with the ``client`` role.
        ``deadline``: seconds for the whole download (None: the connection's).
        """
        params: dict[str, Any] = {"name": self.storage_file_name} if self.storage_file_name else {}
        return transfer.download(
            self._conn(self._connection),
            "packages/download",
            path,
            params=params,
            progress=progress,
            deadline=deadline,
        )

    @classmethod
    def checksum(cls, *, connection: Connection | None = None) -> str | None:
        """The active package's checksum as the server computes it (None if it cannot)."""
        try:
            resp = cls._conn(connection).request("GET", "packages/checksum")
        except NotFoundError:  # FEDn 0.33.0 always answers "File not found."
            return None
        data = resp.data
        return str(data["checksum"]) if isinstance(data, dict) and data.get("checksum") else None
