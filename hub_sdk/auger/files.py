"""Project files, and the presigned S3 forms and links used to upload and download them."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from ..core import transfer
from ..core.connection import Connection
from ..core.relations import Parent
from ..errors import ValidationError
from .base import AugerResource

if TYPE_CHECKING:
    from .projects import Project

__all__ = ["ProjectFile", "ProjectFileUrl"]

PathLike = str | os.PathLike[str]


class ProjectFileUrl(
    AugerResource,
    path="project_file_urls",
    actions="create",
    create_required="project_id file_path",
    repr_fields="url",
    inputs={"project_id": int, "file_path": str},
):
    """A presigned S3 URL for a project path: ``create`` gives an upload form, ``fetch`` a link.

    Not a stored record: it has no id. The form and the link carry their own credentials, so
    neither :meth:`upload` nor :meth:`download` sends the Hub token.
    """

    url: str
    fields: dict[str, str] | None = None

    @classmethod
    def fetch(
        cls, *, project_id: int, file_path: str, connection: Connection | None = None
    ) -> ProjectFileUrl:
        """The presigned download link of ``file_path`` in the project."""
        params = cls.validate_input(
            {"project_id": project_id, "file_path": file_path},
            required=("project_id", "file_path"),
            action="fetch",
        )
        conn = cls._conn(connection)
        return cls._from_response(conn.request("GET", "project_file_urls", params=params), conn)

    @property
    def bucket(self) -> str | None:
        """The S3 bucket the form uploads to (from ``url``), if it can be told."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if ".s3." in host or host.endswith(".s3.amazonaws.com"):
            return host.split(".s3.", 1)[0]
        segments = [s for s in parts.path.split("/") if s]
        return segments[-1] if segments else None

    @property
    def s3_url(self) -> str | None:
        """``s3://bucket/key`` of the uploaded object (what a project file records as its url)."""
        key = (self.fields or {}).get("key")
        return f"s3://{self.bucket}/{key}" if key and self.bucket else None

    def upload(
        self,
        source: PathLike | bytes,
        *,
        filename: str | None = None,
        progress: transfer.Progress | None = None,
    ) -> None:
        """POST ``source`` (a path or bytes) to the presigned form, without Hub credentials.

        ``progress=True`` shows a bar; a callable gets ``(bytes_sent, total)``.
        """
        if self.fields is None:
            raise ValidationError(
                "this URL is a download link; upload needs the form from ProjectFileUrl.create()",
                field_errors=[("fields", "is required")],
            )
        if isinstance(source, bytes):
            data, name = source, filename or "file"
        else:
            file_name, data = transfer.read_upload(source, "file")
            name = filename or file_name
        conn = type(self)._conn(self._connection)
        transfer.upload(
            conn,
            self.url,
            form=dict(self.fields),
            files={"file": (name, data)},
            progress=progress,
            auth=False,
            expect="bytes",
        )

    def download(
        self,
        dest: PathLike | None = None,
        *,
        chunk_size: int = transfer.CHUNK,
        progress: transfer.Progress | None = None,
        deadline: float | None = None,
    ) -> bytes | Path:
        """GET the link: write to ``dest`` (atomically) and return its path, or return the bytes.

        ``progress=True`` shows a bar; a callable gets ``(done, total)``. ``deadline``:
        seconds for the whole download (None: the connection's).
        """
        conn = type(self)._conn(self._connection)
        return transfer.download(
            conn,
            self.url,
            dest,
            progress=progress,
            chunk_size=chunk_size,
            auth=False,
            deadline=deadline,
        )


class ProjectFile(
    AugerResource,
    path="project_files",
    actions="list get create delete",
    filters="project_id",
    object="project_file",
    create_required="name url",
    repr_fields="name url status",
    inputs={"file_name": str},
):
    """A data file registered in a project (``url`` is ``files/...`` or ``s3://...``)."""

    id: int
    project_id: int | None = None
    name: str | None = None
    url: str | None = None
    content_type: str | None = None
    status: str | None = None
    image_url: str | None = None
    industry: str | None = None
    description: str | None = None
    statistics: dict[str, Any] | None = None
    error_message: str | None = None
    providers: list[str] | None = None
    providers_data: dict[str, Any] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    project: ClassVar[Parent[Project]] = Parent("Project", key="project_id")

    @classmethod
    def upload(
        cls,
        source: PathLike,
        *,
        project_id: int,
        name: str | None = None,
        file_path: str | None = None,
        progress: transfer.Progress | None = None,
        connection: Connection | None = None,
    ) -> ProjectFile:
        """Upload a local file through a presigned form and register it in the project."""
        path = transfer.existing_file(source, "source")
        form = ProjectFileUrl.create(
            project_id=project_id, file_path=file_path or path.name, connection=connection
        )
        form.upload(path, progress=progress)
        return cls.create(
            project_id=project_id,
            name=name or path.stem,
            url=form.s3_url or (form.fields or {}).get("key") or path.name,
            file_name=path.name,
            connection=form.connection,
        )

    def link(self) -> ProjectFileUrl:
        """A presigned download link of this file."""
        if self.project_id is None or not self.url:
            raise ValidationError(
                "the file has no project_id/url to sign",
                field_errors=[("url", "is required")],
            )
        return ProjectFileUrl.fetch(
            project_id=self.project_id, file_path=self.url, connection=self.connection
        )

    def download(
        self,
        dest: PathLike | None = None,
        *,
        progress: transfer.Progress | None = None,
        deadline: float | None = None,
    ) -> bytes | Path:
        """Download the file: to ``dest`` (returns the path), or as bytes (``deadline``:
        seconds for the download, None: the connection's)."""
        return self.link().download(dest, progress=progress, deadline=deadline)
