"""File transfers for both APIs: streamed downloads and multipart uploads, with progress."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ValidationError
from .connection import iter_stream
from .progress import byte_progress

if TYPE_CHECKING:
    from .connection import Connection
    from .protocol import ApiResponse

#: ``True`` for a progress bar, or ``progress(bytes_done, bytes_total_or_None)`` per chunk.
Progress = bool | Callable[[int, "int | None"], None]
PathLike = str | os.PathLike[str]
CHUNK = 1 << 16


def stream(
    conn: Connection,
    path: str,
    params: dict[str, Any] | None = None,
    chunk_size: int = CHUNK,
    *,
    deadline: float | None = None,
) -> tuple[Iterator[bytes], int | None]:
    """Open a download: its chunks and its length (if the server said).

    ``deadline``: seconds for all of it, the chunks included (None: the connection's).
    """
    resp = conn.request("GET", path, params=params, expect="stream", deadline=deadline)
    length = resp.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    return iter_stream(resp, chunk_size), total


def download(
    conn: Connection,
    path: str,
    dest: PathLike | None,
    *,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    auth: bool = True,
    deadline: float | None = None,
) -> Path | bytes:
    """Download ``path`` into the file ``dest`` (written atomically) or, without one, memory.

    ``deadline``: seconds for the whole download (None: the connection's deadline). A ``dest``
    that cannot be written is a ValidationError before anything is requested.
    """
    if dest is not None:
        dest = writable_target(dest, "dest")
    resp = conn.request(
        "GET", path, params=params, expect="stream", auth=auth, deadline=deadline
    )
    length = resp.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    report = byte_progress(progress, f"download {Path(dest).name if dest else path}")
    done = 0
    try:
        if dest is None:
            parts: list[bytes] = []
            for chunk in iter_stream(resp, chunk_size):
                parts.append(chunk)
                done += len(chunk)
                if report is not None:
                    report(done, total)
            return b"".join(parts)
        target = Path(dest)
        tmp = target.with_name(target.name + ".part")
        try:
            with tmp.open("wb") as fh:
                for chunk in iter_stream(resp, chunk_size):
                    fh.write(chunk)
                    done += len(chunk)
                    if report is not None:
                        report(done, total)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        return target
    finally:
        if report is not None:
            report.close()


def upload(
    conn: Connection,
    path: str,
    *,
    files: dict[str, tuple[str, bytes]],
    form: dict[str, Any] | None = None,
    progress: Progress | None = None,
    auth: bool = True,
    expect: Literal["json", "text", "bytes"] = "json",
) -> ApiResponse:
    """POST a multipart form with files, reporting the bytes sent when asked."""
    names = ", ".join(name for name, _ in files.values())
    report = byte_progress(progress, f"upload {names}")
    try:
        return conn.request(
            "POST", path, files=files, form=form, upload_progress=report, auth=auth, expect=expect
        )
    finally:
        if report is not None:
            report.close()


def read_upload(source: PathLike | bytes, default_name: str) -> tuple[str, bytes]:
    """``(file name, content)`` of an upload given as a path or as bytes."""
    if isinstance(source, (bytes, bytearray)):
        return default_name, bytes(source)
    p = existing_file(source, "source")
    try:
        return p.name, p.read_bytes()
    except OSError as exc:
        raise _path_error(p, f"cannot be read ({exc.strerror or exc})", "source") from None


def _path_error(path: Path, problem: str, field: str) -> ValidationError:
    return ValidationError(f"{path}: {problem}", field_errors=[(field, f"{problem}: {path}")])


def _as_path(value: PathLike, field: str) -> Path:
    """``value`` as a path (``~`` expanded); a ValidationError naming ``field`` otherwise."""
    if not isinstance(value, (str, os.PathLike)):
        raise ValidationError.from_fields(
            "invalid path", [(field, f"must be a path, got {type(value).__name__}")]
        )
    return Path(value).expanduser()


def existing_file(value: PathLike, field: str = "path") -> Path:
    """``value`` as the path of a file to read; ``ValidationError`` naming it otherwise."""
    path = _as_path(value, field)
    if path.is_dir():
        raise _path_error(path, "is a directory, not a file", field)
    if not path.exists():
        raise _path_error(path, "does not exist", field)
    return path


def writable_target(value: PathLike, field: str = "dest") -> Path:
    """``value`` as a file to write: not a directory, in a directory that exists."""
    path = _as_path(value, field)
    if path.is_dir():
        raise _path_error(path, "is a directory: name a file to write", field)
    parent = path.parent
    if not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise _path_error(path, f"its directory {parent} {problem}", field)
    return path
