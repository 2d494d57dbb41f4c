"""Progress bars: tqdm (notebook-aware) when installed, a plain stderr line otherwise."""

from __future__ import annotations

import sys
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

    def close(self) -> None:
        print(file=sys.stderr, flush=True)

    def __enter__(self) -> _Plain:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def progress_bar(
    total: int | None, desc: str, unit: str = "it", *, unit_scale: bool = False
) -> Any:
    """A progress bar object with ``update(n)`` and ``close()``; a context manager."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Plain(total, desc, unit)
    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, leave=True)
