"""Progress bars: tqdm (notebook-aware) when installed, a plain stderr line otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any


class _Plain:
    """A minimal progress reporter used when tqdm is not installed."""

    def __init__(self, total: int | None, desc: str, unit: str) -> None:
        self.total, self.desc, self.unit, self.n = total, desc, unit, 0
        self._last = -1

    def update(self, n: int = 1) -> None:
        self.n += n
        pct = int(100 * self.n / self.total) if self.total else None
        step = pct if pct is not None else self.n // 1000
        if step != self._last:
            self._last = step
            of = f"/{self.total}" if self.total else ""
            print(f"\r{self.desc}: {self.n}{of} {self.unit}", end="", file=sys.stderr, flush=True)

    def write(self, line: str) -> None:
        """Print a line (to stdout) without breaking the bar."""
        print(line, flush=True)

    def close(self) -> None:
        print(file=sys.stderr, flush=True)

    def __enter__(self) -> _Plain:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def progress_bar(
    total: int | None, desc: str, unit: str = "it", *, unit_scale: bool = False, file: Any = None
) -> Any:
    """A progress bar object with ``update(n)`` and ``close()``; a context manager.

    ``file`` is where a tqdm bar draws (default: stderr).
    """
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Plain(total, desc, unit)
    return tqdm(
        total=total, desc=desc, unit=unit, unit_scale=unit_scale, leave=True, file=file
    )


ByteCallback = Callable[[int, "int | None"], None]


class ByteProgress:
    """Reports bytes moved to a callback, or to a progress bar when asked with ``True``."""

    def __init__(self, progress: bool | ByteCallback, desc: str) -> None:
        self._callback = progress if callable(progress) else None
        self._desc = desc
        self._bar: Any = None
        self._shown = 0

    def __call__(self, done: int, total: int | None) -> None:
        if self._callback is not None:
            self._callback(done, total)
            return
        if self._bar is None:
            self._bar = progress_bar(total, self._desc, "B", unit_scale=True)
        self._bar.update(done - self._shown)
        self._shown = done

    def close(self) -> None:
        """Finish the bar (if one was shown)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def byte_progress(progress: bool | ByteCallback | None, desc: str) -> ByteProgress | None:
    """A :class:`ByteProgress` for ``progress=True`` or a callback; None when not asked."""
    if progress is None or progress is False:
        return None
    return ByteProgress(progress, desc)


class UploadBody:
    """A request body sent in chunks, reporting progress; iterable again for a retry."""

    def __init__(self, content: bytes, report: ByteCallback, chunk_size: int = 1 << 16) -> None:
        self.content = content
        self.report = report
        self.chunk_size = chunk_size

    def __len__(self) -> int:
        return len(self.content)

    def __iter__(self) -> Iterator[bytes]:
        total = len(self.content)
        view = memoryview(self.content)
        for start in range(0, total, self.chunk_size):
            chunk = bytes(view[start : start + self.chunk_size])
            yield chunk
            self.report(start + len(chunk), total)
        if total == 0:
            self.report(0, 0)
