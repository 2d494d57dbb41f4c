"""The cache of one connection: bounded, expiring, and forgetful of whatever a write touched."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

import cachetools


class ResourceCache:
    """A thread-safe, bounded, expiring cache of objects looked up through one connection."""

    def __init__(self, maxsize: int = 1024, ttl: float = 300.0) -> None:
        self._lock = threading.Lock()
        self._data: cachetools.TTLCache[Hashable, Any] = cachetools.TTLCache(
            maxsize=max(1, maxsize), ttl=ttl
        )
        self.enabled = maxsize > 0 and ttl > 0
        self.hits = 0
        self.misses = 0
        self.generation = 0  # bumped by every write, so a read racing a write cannot go stale

    def get(self, key: Hashable) -> Any:
        """The cached value for ``key``, or None."""
        if not self.enabled:
            return None
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put_read(self, key: Hashable, value: Any, generation: int) -> None:
        """Remember a value read when the cache was at ``generation``, unless a write came since."""
        if self.enabled:
            with self._lock:
                if generation == self.generation:
                    self._data[key] = value

    def put_write(self, key: Hashable, value: Any) -> None:
        """Remember the state a write through this connection produced."""
        with self._lock:
            self.generation += 1
            if self.enabled:
                self._data[key] = value

    @contextmanager
    def writing(self, key: Hashable | None) -> Iterator[None]:
        """Around a write to the object at ``key``: if it fails, forget the object.

        Whatever the error, the write may have reached the server (a timeout, a lost
        connection, a body that would not decode after a success): the cached copy can no
        longer be trusted. On success the caller caches the new state itself.
        """
        try:
            yield
        except BaseException:
            if key is not None:
                self.invalidate(key)
            raise

    def invalidate(self, key: Hashable) -> None:
        """Forget ``key`` (a write changed or removed it)."""
        with self._lock:
            self.generation += 1
            self._data.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self.generation += 1
            self._data.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __repr__(self) -> str:
        return f"<ResourceCache {len(self)} entries, hits={self.hits} misses={self.misses}>"
