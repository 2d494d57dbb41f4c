"""``LazyList``: a listing that fetches pages only as they are needed, and never truncates."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, overload

from ..errors import ValidationError
from .protocol import Page

if TYPE_CHECKING:  # imported when a listing first prefetches
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_PAGE_SIZE = 200
PREFETCH_DEPTH = 2  # page requests kept in flight while iterating with prefetch=True
log = logging.getLogger("hub_sdk")


class PageFetcher(Protocol[T]):
    """Fetch up to ``size`` items starting at ``offset``; report the server's total if known."""

    def __call__(self, offset: int, size: int, /) -> Page[T]: ...  # pragma: no cover


class LazyList(Generic[T]):
    """A lazily paginated listing.

    Iterating fetches one page at a time and holds only the current page. ``page_size`` is
    how many items one request asks for; ``limit`` caps how many items the listing yields in
    all (``None``: every matching item). ``len()`` and :attr:`total` come from the server's
    total. Indexing and slicing fetch only the pages they touch.
    """

    __slots__ = (
        "_describe",
        "_fetch",
        "_first",
        "_first_size",
        "item_type",
        "limit",
        "page_size",
        "prefetch",
        "progress",
    )

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        limit: int | None = None,
        prefetch: bool = False,
        describe: str = "",
        progress: bool = False,
        item_type: type[Any] | None = None,
    ) -> None:
        if not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1:
            raise ValidationError(
                f"page_size must be a positive integer, got {page_size!r}",
                field_errors=[("page_size", "must be a positive integer")],
            )
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValidationError(
                f"limit must be a non-negative integer or None, got {limit!r}",
                field_errors=[("limit", "must be a non-negative integer or None")],
            )
        self._fetch = fetch
        self.page_size = page_size
        self.limit = limit
        self.prefetch = prefetch
        self.progress = progress
        self._describe = describe
        self.item_type = item_type  # the resource class listed (columns of an empty frame)
        self._first: Page[T] | None = None
        self._first_size = 0

    # -- fetching ------------------------------------------------------------------------

    def _first_page(self) -> Page[T]:
        if self._first is None:
            size = self.page_size if self.limit is None else max(1, min(self.page_size, self.limit))
            self._first = self._fetch(0, size)
            self._first_size = size
        return self._first

    def _range(self, start: int, stop: int | None) -> Iterator[tuple[list[T], int | None]]:
        """Pages covering items [start, stop) (stop None: to the end), trimmed to the range.

        Yields each page's items with the server's total as of that page. With ``prefetch``,
        up to :data:`PREFETCH_DEPTH` next pages are requested (at the offsets full pages
        would have) before the current one is handed out, so the server renders the next
        page while this one is decoded and consumed; a short page cancels the guesses.
        """
        depth = PREFETCH_DEPTH if self.prefetch else 0
        executor: ThreadPoolExecutor | None = None
        pending: deque[tuple[int, int, Future[Page[T]]]] = deque()
        ahead = start  # the offset the next scheduled fetch starts at

        def size_at(off: int) -> int:
            return self.page_size if stop is None else min(self.page_size, stop - off)

        def schedule(total: int | None) -> None:
            nonlocal executor, ahead
            while len(pending) < depth and (stop is None or ahead < stop):
                if total is not None and ahead >= total:
                    return
                if executor is None:
                    from concurrent.futures import ThreadPoolExecutor

                    executor = ThreadPoolExecutor(depth, thread_name_prefix="hub-sdk-prefetch")
                size = size_at(ahead)
                pending.append((ahead, size, executor.submit(self._fetch, ahead, size)))
                ahead += size

        offset = start
        try:
            while stop is None or offset < stop:
                size = size_at(offset)
                if pending and pending[0][0] == offset and pending[0][1] == size:
                    page = pending.popleft()[2].result()
                elif offset == 0 and self._first is not None and self._first_size == size:
                    page = self._first  # asked for already (by len() or bool(), say)
                else:
                    for *_, future in pending:
                        future.cancel()
                    pending.clear()
                    page = self._fetch(offset, size)
                items = page.items[:size]
                if not items:
                    if page.total is not None and offset < page.total:
                        log.warning(
                            "listing %s ended early: %d of %d items (changed while paging?)",
                            self._describe,
                            offset,
                            page.total,
                        )
                    return
                nxt = offset + len(items)
                more = (page.total is None and len(items) >= size) or (
                    page.total is not None and nxt < page.total
                )
                more = more and (stop is None or nxt < stop)
                if more and depth:
                    if ahead < nxt or (pending and pending[0][0] != nxt):
                        for *_, future in pending:  # a short page: the guesses are wrong
                            future.cancel()
                        pending.clear()
                        ahead = nxt
                    schedule(page.total)
                yield items, page.total
                if not more:
                    return
                offset = nxt
        finally:
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    # -- public API -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[T]:
        if self.progress:
            yield from self._iter_with_progress()
            return
        for items, _ in self._range(0, self.limit):
            yield from items

    def _iter_with_progress(self) -> Iterator[T]:
        from .progress import progress_bar

        bar = None
        try:
            for items, total in self._range(0, self.limit):
                if bar is None:
                    expected = (
                        total if self.limit is None or total is None else min(total, self.limit)
                    )
                    bar = progress_bar(expected, self._describe or "items", "items")
                yield from items
                bar.update(len(items))
        finally:
            if bar is not None:
                bar.close()

    def pages(self) -> Iterator[list[T]]:
        """Iterate page by page."""
        return (items for items, _ in self._range(0, self.limit))

    @property
    def total(self) -> int | None:
        """The number of matching items on the server (ignores ``limit``), if it says."""
        return self._first_page().total

    def __len__(self) -> int:
        total = self.total
        if total is None:
            return sum(len(p) for p in self.pages())
        return total if self.limit is None else min(total, self.limit)

    def __bool__(self) -> bool:
        return bool(self._first_page().items) and self.limit != 0

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            bounded = (
                (index.step is None or index.step > 0)
                and (index.start is None or index.start >= 0)
                and index.stop is not None
                and index.stop >= 0
            )
            if bounded:
                # No need for the total: fetch exactly the pages in [start, stop).
                start = index.start or 0
                stop = index.stop if self.limit is None else min(index.stop, self.limit)
                if stop <= start:
                    return []
                items = [x for page, _ in self._range(start, stop) for x in page]
                return items[:: index.step or 1]
            rng = range(*index.indices(len(self)))
            if not rng:
                return []
            lo, hi = min(rng), max(rng) + 1
            window = [x for page, _ in self._range(lo, hi) for x in page]
            return [window[i - lo] for i in rng if i - lo < len(window)]
        if not isinstance(index, int):
            raise TypeError(
                f"LazyList indices must be integers or slices, not {type(index).__name__}"
            )
        if index < 0:
            index += len(self)
        if index < 0 or (self.limit is not None and index >= self.limit):
            raise IndexError("LazyList index out of range")
        base = (index // self.page_size) * self.page_size
        page = self._first_page() if base == 0 else self._fetch(base, self.page_size)
        pos = index - base
        if pos >= len(page.items):
            # The server may serve shorter pages than asked: fall back to an exact fetch.
            exact = self._fetch(index, 1).items
            if not exact:
                raise IndexError("LazyList index out of range")
            return exact[0]
        return page.items[pos]

    def first(self) -> T | None:
        """The first item, or None when the listing is empty."""
        if self.limit == 0:
            return None
        page = self._first if self._first is not None else self._fetch(0, 1)
        return page.items[0] if page.items else None

    def to_list(self, limit: int | None = None) -> list[T]:
        """Fetch items into a list (all of them, or the first ``limit``)."""
        out: list[T] = []
        stop = (
            self.limit
            if limit is None
            else (limit if self.limit is None else min(limit, self.limit))
        )
        for page, _ in self._range(0, stop):
            out.extend(page)
        return out

    def map(self, fn: Callable[[T], U]) -> Iterator[U]:
        """Apply ``fn`` to every item lazily."""
        return (fn(x) for x in self)

    def to_pandas(self, limit: int | None = None) -> Any:
        """The items as a pandas DataFrame with typed columns, the id first; an empty listing
        keeps the declared columns (needs ``hub-sdk[notebook]``)."""
        from .display import to_dataframe
        from .resource import Resource

        items = self.to_list(limit)
        if items and not isinstance(items[0], Resource):
            import pandas as pd

            return pd.DataFrame({"value": items}).convert_dtypes()
        return to_dataframe(items, item_type=self.item_type)  # type: ignore[arg-type]

    def _repr_html_(self) -> str:
        """A preview: the first :data:`~hub_sdk.core.display.PREVIEW_ROWS` items of the first
        page, captioned "N of total"."""
        import html as _html

        from .display import PREVIEW_ROWS, preview_caption, table_html
        from .resource import Resource

        page = self._first_page()
        available = page.items if self.limit is None else page.items[: self.limit]
        items = available[:PREVIEW_ROWS]
        total = len(self) if page.total is not None else None
        summary = preview_caption(len(items), total, len(available) > len(items))
        if items and not all(isinstance(i, Resource) for i in items):
            rows = "".join(f"<li>{_html.escape(repr(i))}</li>" for i in items)
            return f"<div>{_html.escape(self._describe or 'items')}: {summary}<ul>{rows}</ul></div>"
        return table_html(self._describe or "items", items, summary)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        what = self._describe or "items"
        if self._first is None:
            return f"<LazyList of {what} (not fetched yet), page_size={self.page_size}>"
        total = self._first.total
        shown = (
            "?" if total is None else str(total if self.limit is None else min(total, self.limit))
        )
        return f"<LazyList of {what}: {shown} items, page_size={self.page_size}>"
