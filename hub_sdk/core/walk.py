"""The paging walk: one pass over a listing, which keeps the guarantee of
:class:`~hub_sdk.core.pagination.LazyList` (every item there all along, exactly once).

How: every request after the first re-reads a few items before the cursor (the *overlap*).
The last item already yielded that shows up there (the *anchor*) says where the listing
really continues, whatever was inserted or deleted before it; the ids of the last
:data:`REMEMBER` yielded items de-duplicate. When no anchor shows up, the listing re-reads
from the start of what it remembers completely, or reports the change. Where the server can
filter on the sort key (FEDn's ``committed_at``), pages continue from the last key seen
(*keyset* pagination, see :class:`Keyset`), so offsets stay small and insertions elsewhere
do not shift them. This relies on the server keeping items in a stable relative order; a
server that serves one item per request leaves no room to re-read, and is checked only by
its total.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ..errors import CollectionChangedError
from .protocol import Page

if TYPE_CHECKING:  # imported when a walk first fetches ahead
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")

FIRST_PAGE_SIZE = 100  # new items the first request asks for (``first()`` asks for one)
GROWTH = 4  # each next page asks for this many times more, up to the limits below
MAX_PAGE_SIZE = 1000  # items per request at most, unless the listing says otherwise
PAGE_BYTES = 256 * 1024  # pages grow until a response is about this big (objects: ~6x)
OVERLAP = 16  # items re-read before the cursor to see what changed there
LOOKBACK = 512  # how much further back a listing looks once when the overlap shows nothing
REMEMBER = 10_000  # ids of the last yielded items kept to re-align and de-duplicate
PREFETCH_DEPTH = 2  # page requests kept in flight while iterating
log = logging.getLogger("hub_sdk")


class CollectionChangedWarning(UserWarning):
    """What a ``consistency="tolerant"`` listing says where a strict one raises
    :class:`~hub_sdk.errors.CollectionChangedError`."""


def load_page(fetched: Page[T] | Callable[[], Page[T]]) -> Page[T]:
    """A fetched page, decoded now if it was fetched for later."""
    return fetched if isinstance(fetched, Page) else fetched()


@dataclass(frozen=True, slots=True)
class Keyset(Generic[T]):
    """How a listing continues from a sort key instead of a global offset.

    ``key(item)``: the item's sort key as the server compares it (None: unknown; the listing
    then stays on offsets). ``fetch(bound, offset, size)``: the listing narrowed to the items
    whose key is ``bound`` or after it in listing order, ``size`` of them from ``offset``;
    its total counts that narrowed listing. ``descending``: the listing's direction.
    """

    key: Callable[[T], Any]
    fetch: Callable[[Any, int, int], Page[T] | Callable[[], Page[T]]]
    descending: bool = True


@dataclass(slots=True)
class _Window(Generic[T]):
    """One page request: ``size`` items from ``offset`` of the listing narrowed to ``bound``,
    ``overlap`` of them expected to be already yielded."""

    bound: Any
    offset: int
    size: int
    overlap: int
    fresh: bool  # planned from what arrived, not from guesses about pages in flight
    first: bool = False  # the walk's first request (may reuse the listing's first page)
    future: Future[Page[T] | Callable[[], Page[T]]] | None = None


_RESYNC: Any = object()  # _take: discard the window and plan again from what arrived


class Listing(Protocol[T]):
    """What a walk reads of the listing it walks (a :class:`~hub_sdk.core.pagination.LazyList`:
    its settings, and as a part of it, its fetcher, first page and description)."""

    @property
    def identity(self) -> Callable[[T], Hashable] | None: ...
    @property
    def keyset(self) -> Keyset[T] | None: ...
    @property
    def consistency(self) -> str: ...
    @property
    def page_size(self) -> int | None: ...
    @property
    def max_page_size(self) -> int: ...
    @property
    def prefetch(self) -> bool: ...
    @property
    def _describe(self) -> str: ...
    @property
    def _first(self) -> Page[T] | None: ...
    @property
    def _first_size(self) -> int: ...
    def _fetch(self, offset: int, size: int, /) -> Page[T] | Callable[[], Page[T]]: ...


class Walk(Generic[T]):
    """One pass over a listing: plans page requests, keeps some in flight, and checks each
    page against what was yielded before handing out its new items."""

    def __init__(self, lazy: Listing[T], start: int, stop: int | None) -> None:
        self.lazy = lazy
        self.ident = lazy.identity
        self.keyset = lazy.keyset
        self.strict = lazy.consistency == "strict"
        self.bound: Any = None  # the key the listing is narrowed to (None: not narrowed)
        self.pos = start  # where the next unseen item sits in the (narrowed) listing
        self.rewindable = start == 0  # everything before ``pos`` was yielded by this walk
        self.remaining = None if stop is None else stop - start
        self.left: int | None = None  # items after the cursor, per the last page's total
        self.more = True  # the last page says there may be more
        self.seq = 0  # items yielded so far
        self.recent: set[Hashable] = set()  # ids of the last REMEMBER items yielded ...
        self.order: deque[Hashable] = deque()  # ... in the order they were
        self.tail_key: Any = None  # the key of the last yielded item ...
        self.tail_count = 0  # ... and how many yielded items in a row had it
        self.size = lazy.page_size or FIRST_PAGE_SIZE
        self.largest = lazy.max_page_size - OVERLAP  # new items per page, learnt from pages
        self.cap: int | None = None  # the most items the server was seen to serve at once
        self.first_total: int | None = None
        self.last_total: int | None = None
        self.last_bound: Any = None
        self.pending: deque[_Window[T]] = deque()
        self.depth = PREFETCH_DEPTH if lazy.prefetch else 0
        self.executor: ThreadPoolExecutor | None = None
        self.stale = False  # the requests in flight rest on guesses that turned out wrong
        self.started = False
        self.lookback = 0  # extra items to re-read: the last page showed nothing yielded

    # -- planning ----------------------------------------------------------------------------

    def _plan(self) -> _Window[T] | None:
        """The next page request, after those in flight (assumed to arrive full)."""
        pos, remaining, left = self.pos, self.remaining, self.left
        for win in self.pending:
            got = win.size - win.overlap
            pos += got
            remaining = None if remaining is None else remaining - got
            left = None if left is None else left - got
        if (remaining is not None and remaining <= 0) or (left is not None and left <= 0):
            return None
        if self.pending and left is None:
            return None  # no total: the page in flight says whether there is more
        new = self.size if remaining is None else min(self.size, remaining)
        overlap = min(OVERLAP + self.lookback, pos) if self.ident is not None and self.seq else 0
        new = max(1, min(new, self.lazy.max_page_size - overlap)) if self.lookback else new
        size = new + overlap
        if self.cap is not None and size > self.cap:
            size = self.cap  # re-read at most half, but at least one item when it can
            overlap = min(overlap, max(1, (size - 1) // 2), size - 1)
        if self.lazy.page_size is None:
            self.size = min(self.size * GROWTH, self.largest)
        first, self.started = not self.started, True
        return _Window(self.bound, pos - overlap, size, overlap, not self.pending, first)

    def _measure(self, page: Page[T]) -> None:
        """Learn how many items fit in :data:`PAGE_BYTES` from ``page``'s body."""
        if self.lazy.page_size is None and page.body is not None and len(page.items) >= 10:
            per_item = len(page.body.content) / len(page.items)
            fits = max(FIRST_PAGE_SIZE, int(PAGE_BYTES / per_item) - OVERLAP)
            self.largest = min(self.largest, fits)
            self.size = min(self.size, self.largest)

    def _fill(self, arrived: int = 0) -> None:
        """Keep ``depth`` requests in flight (each in a worker thread), besides the
        ``arrived`` ones at the head of :attr:`pending` that are not checked yet.

        Returns once the new requests are on their way: decoding a page holds the GIL in
        one long call, and a worker that had not sent its request yet would wait for it.
        """
        if not (self.seq or self.left is not None):
            return  # the first page says whether there is more
        started: list[threading.Event] = []
        while len(self.pending) - arrived < self.depth:
            win = self._plan()
            if win is None:
                break
            if self.executor is None:
                from concurrent.futures import ThreadPoolExecutor

                self.executor = ThreadPoolExecutor(self.depth, thread_name_prefix="hub-sdk-page")
            event = threading.Event()
            win.future = self.executor.submit(self._get, win, event)
            self.pending.append(win)
            started.append(event)
        for event in started:
            # Once it runs, the worker keeps the GIL until its socket send gives it up.
            event.wait(0.05)

    def _get(
        self, win: _Window[T], started: threading.Event | None = None
    ) -> Page[T] | Callable[[], Page[T]]:
        if started is not None:
            started.set()
        lazy = self.lazy
        if win.bound is not None:
            assert self.keyset is not None
            return self.keyset.fetch(win.bound, win.offset, win.size)
        first = lazy._first
        if win.first and first is not None and win.offset == 0 and lazy._first_size == win.size:
            return first  # asked for already (by len() or bool(), say)
        return lazy._fetch(win.offset, win.size)

    def _cancel(self) -> None:
        for win in self.pending:
            if win.future is not None:
                win.future.cancel()
        self.pending.clear()

    def close(self) -> None:
        """Drop the requests in flight (their threads finish on their own)."""
        self._cancel()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> Iterator[tuple[list[T], int | None]]:
        """Pages of new items with the server's total as of each."""
        while True:
            if self.pending:
                win = self.pending[0]
                assert win.future is not None
                fetched = win.future.result()
                self._fill(arrived=1)  # the next requests go out while this page is decoded
                self.pending.popleft()
                page = load_page(fetched)
            else:
                if not self.more:
                    return
                planned = self._plan()
                if planned is None:
                    return
                win, page = planned, load_page(self._get(planned))  # nothing else to wait for
            self._measure(page)
            total = page.total
            taken = self._take(win, page)
            del page  # only the new items stay referenced, and only until handed out
            if taken is _RESYNC:
                self._cancel()
                self.more = True
                continue
            if self.stale or not self.more:
                self._cancel()
                self.stale = False
            if self.more:
                self._fill()  # the next requests go out before the caller gets this page
            if taken:
                yield taken, total

    # -- checking a page ---------------------------------------------------------------------

    def _take(self, win: _Window[T], page: Page[T]) -> Any:
        """The new items of ``win``'s page after checking it against what was yielded (or
        :data:`_RESYNC`); updates where the listing continues."""
        items, total = page.items, page.total
        if self.first_total is None:
            self.first_total = total
        if self.ident is None:
            if self.last_total is not None and total is not None and total != self.last_total:
                self._changed(f"the server's total went from {self.last_total} to {total}", total)
            return self._advance(win, items, None, None, range(len(items)), total)
        ident, recent = self.ident, self.recent
        ids = [ident(x) for x in items]
        keys = None if self.keyset is None else [self.keyset.key(x) for x in items]
        if keys is not None and not self._keys_fit(win, keys):
            self.keyset = keys = None  # the server does not sort or filter as assumed
            log.debug("listing %s: keyset paging disabled", self.lazy._describe)
            if win.bound is not None or self.bound is not None:
                if not self._remembers_all(None):
                    self._changed("the server ignored the key filter", None)
                self.bound, self.pos = None, 0 if self._remembers_all(None) else self.seq
                return _RESYNC
        new: Sequence[int]  # indexes into the page
        if not self.seq:
            new = range(len(items))
        elif win.offset == 0 and self._remembers_all(win.bound):
            new = [j for j, i in enumerate(ids) if i not in recent]  # exact, whatever the order
        elif not win.overlap:
            # No room to re-read anything (a server that serves one or two items at a time):
            # trust the offset as long as the server's total did not move.
            if win.bound != self.last_bound or total is None or total != self.last_total:
                return self._lost(win, items, ids, keys, total, "the server's total moved")
            new = [j for j, i in enumerate(ids) if i not in recent]
        else:
            # The anchor: the last item of the page that was yielded already. In a stable
            # order, everything after it is new (or yielded recently, and remembered).
            anchor = len(ids) - 1
            while anchor >= 0 and ids[anchor] not in recent:
                anchor -= 1
            if anchor < 0:
                why = "none of the items it yielded last is still there"
                return self._lost(win, items, ids, keys, total, why)
            self.lookback = 0
            if anchor != win.overlap - 1:
                log.debug(
                    "listing %s: re-aligned by %+d items",
                    self.lazy._describe,
                    anchor - (win.overlap - 1),
                )
                self.stale = True  # the requests in flight were planned before the shift
            new = range(anchor + 1, len(items))
        return self._advance(win, items, ids, keys, new, total)

    def _keys_fit(self, win: _Window[T], keys: list[Any]) -> bool:
        """Whether the page's keys are in listing order and within ``win.bound``."""
        assert self.keyset is not None
        descending = self.keyset.descending
        prev = win.bound
        for k in keys:
            if k is None:
                return False  # an item without the key: offsets only, from here on
            if prev is not None and (k > prev if descending else k < prev):
                return False
            prev = k
        return True

    def _remembers_all(self, bound: Any) -> bool:
        """Whether this walk yielded everything before the cursor in the listing narrowed to
        ``bound``, and remembers all of it (so re-reading it from its start is exact)."""
        if bound is None:
            return self.rewindable and self.seq <= REMEMBER
        return bound == self.tail_key and self.tail_count <= REMEMBER

    def _lost(
        self,
        win: _Window[T],
        items: list[T],
        ids: list[Hashable],
        keys: list[Any] | None,
        total: int | None,
        why: str,
    ) -> Any:
        """No anchor in ``win``: ask again, re-read from a point fully remembered, or report."""
        if not win.fresh:
            return _RESYNC  # planned on guesses about the requests before it: ask again
        if self.keyset is not None and self._remembers_all(self.tail_key):
            self.bound, self.pos = self.tail_key, 0
            log.debug("listing %s: re-reading from its last key", self.lazy._describe)
            return _RESYNC
        if self._remembers_all(None):
            self.bound, self.pos = None, 0
            log.debug("listing %s: re-reading from the start", self.lazy._describe)
            return _RESYNC
        if LOOKBACK and not self.lookback and win.offset > 0:
            self.lookback = LOOKBACK  # what it yielded before those may still be there
            log.debug("listing %s: looking further back", self.lazy._describe)
            return _RESYNC
        self.lookback = 0
        self._changed(why, total if win.bound is None else None)
        new = [j for j, i in enumerate(ids) if i not in self.recent]
        return self._advance(win, items, ids, keys, new, total)

    def _advance(
        self,
        win: _Window[T],
        items: list[T],
        ids: list[Hashable] | None,
        keys: list[Any] | None,
        new: Sequence[int],
        total: int | None,
    ) -> list[T]:
        """Record the items at ``new`` as yielded and move the cursor past ``win``'s page."""
        if self.remaining is not None:
            new = new[: self.remaining]
            self.remaining -= len(new)
        if ids is not None:
            recent, order = self.recent, self.order
            fresh = [j for j in new if ids[j] not in recent]
            fresh_ids = [ids[j] for j in fresh]
            before = len(recent)
            recent.update(fresh_ids)
            if len(recent) - before < len(fresh_ids):  # the server sent an item twice
                recent.difference_update(fresh_ids)
                once = dict.fromkeys(fresh_ids)
                fresh = [j for j in fresh if once.pop(ids[j], 0) is None]
                fresh_ids = [ids[j] for j in fresh]
                recent.update(fresh_ids)
            order.extend(fresh_ids)
            for _ in range(len(order) - REMEMBER):
                recent.discard(order.popleft())
            self.seq += len(fresh)
            if keys is not None and fresh:
                last = keys[fresh[-1]]
                run = 0
                for j in reversed(fresh):
                    if keys[j] != last:
                        break
                    run += 1
                if run == len(fresh) and last == self.tail_key:
                    self.tail_count += run
                else:
                    self.tail_key, self.tail_count = last, run
            kept = [items[j] for j in fresh]
        else:
            kept = [items[j] for j in new]
            self.seq += len(kept)
        end = win.offset + len(items)
        self.bound, self.pos = win.bound, end
        if keys:
            # Continue from the last key seen: the offset then counts only the items that
            # share it, and insertions elsewhere do not move it.
            k = keys[-1]
            if k != win.bound:
                for same, other in enumerate(reversed(keys)):
                    if other != k:
                        self.bound, self.pos = k, same
                        break
        self.last_total, self.last_bound = total, win.bound
        self.left = None if total is None else total - end
        full = len(items) >= win.size
        if self.remaining is not None and self.remaining <= 0:
            self.more = False
        elif total is None:
            self.more = full
        elif end >= total or not items:
            self.more = False
        else:
            self.more = True
            if not full:  # a short page while the total says there is more: a server cap
                self.cap = len(items) if self.cap is None else min(self.cap, len(items))
                self.stale = True
        return kept

    def _changed(self, why: str, total: int | None) -> None:
        """Raise (strict) or warn (tolerant): the guarantee cannot be kept."""
        what = self.lazy._describe or "items"
        message = (
            f"the {what} listing changed while paging in a way it cannot repair: {why}"
            f" ({self.seq} items yielded; the server counted {self.first_total} at the start"
            + ("" if total is None else f", {total} now")
            + ")"
        )
        if self.strict:
            raise CollectionChangedError(
                message + "; consistency='tolerant' goes on regardless",
                yielded=self.seq,
                total_at_start=self.first_total,
                total_now=total,
            )
        log.warning("%s", message)
        warnings.warn(message, CollectionChangedWarning, stacklevel=2)
