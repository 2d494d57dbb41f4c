"""File helpers for FEDn uploads and downloads (streamed, with an optional progress callback)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.connection import iter_stream

if TYPE_CHECKING:
    from ..core.connection import Connection

#: ``progress(bytes_done, bytes_total_or_None)``, called after every chunk.
Progress = Callable[[int, "int | None"], None]
PathLike = str | os.PathLike[str]
CHUNK = 1 << 16


def stream(
    conn: Connection, path: str, params: dict[str, Any] | None = None, chunk_size: int = CHUNK
) -> tuple[Iterator[bytes], int | None]:
    """Open a download: its chunks and its length (if the server said)."""
    resp = conn.request("GET", path, params=params, expect="stream")
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
) -> Path | bytes:
    """Download ``path`` into the file ``dest`` (written atomically) or, without one, memory."""
    chunks, total = stream(conn, path, params, chunk_size)
    done = 0
    if dest is None:
        parts: list[bytes] = []
        for chunk in chunks:
            parts.append(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        return b"".join(parts)
    target = Path(dest)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def read_upload(source: PathLike | bytes, default_name: str) -> tuple[str, bytes]:
    """``(file name, content)`` of an upload given as a path or as bytes."""
    if isinstance(source, (bytes, bytearray)):
        return default_name, bytes(source)
    p = Path(source)
    return p.name, p.read_bytes()
