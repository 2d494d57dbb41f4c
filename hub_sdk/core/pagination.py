"""``LazyList``: a listing that fetches pages only as they are needed, and never truncates.

The guarantee, while other clients insert and delete: iterating yields every item that existed
from the start of the iteration to its end exactly once and nothing twice, or (``strict``, the
default) raises :class:`~hub_sdk.errors.CollectionChangedError` saying it could not; in
``tolerant`` mode it warns (:class:`~hub_sdk.core.walk.CollectionChangedWarning`) and goes on.
How it is kept: :mod:`hub_sdk.core.walk`, one pass over the listing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from typing import Any, Generic, Literal, Protocol, TypeVar, overload

from ..errors import ValidationError
from .protocol import Page
from .walk import FIRST_PAGE_SIZE, MAX_PAGE_SIZE, Keyset, Walk, load_page

T = TypeVar("T")
U = TypeVar("U")

#: ``"strict"``: raise :class:`~hub_sdk.errors.CollectionChangedError` when the guarantee
#: cannot be kept; ``"tolerant"``: warn and go on (items may then be missed or repeated).
Consistency = Literal["strict", "tolerant"]


class PageFetcher(Protocol[T]):
    """Fetch up to ``size`` items starting at ``offset``; report the server's total if known.

    It may return a function that decodes the page when called: a page fetched ahead then
    holds bytes, and becomes objects only when the listing reaches it.
    """

    def __call__(self, offset: int, size: int, /) -> Page[T] | Callable[[], Page[T]]:
        ...  # pragma: no cover


class LazyList(Generic[T]):
    """A lazily paginated listing.

    Iterating fetches pages as needed: the first asks for :data:`FIRST_PAGE_SIZE` items,
    each next one :data:`~hub_sdk.core.walk.GROWTH` times as many up to ``max_page_size``
    items or about :data:`~hub_sdk.core.walk.PAGE_BYTES` of response (or ``page_size`` new
    items each, when given). With ``prefetch`` (the default) the next requests are in flight
    while the caller consumes; pages fetched ahead stay bytes, and items are released as they
    are handed out.
    ``limit`` caps how many items the listing yields in all (``None``: every matching item).

    While the collection changes, iteration, :meth:`pages`, :meth:`to_list` and slices keep
    the guarantee in the module docstring (``consistency``; it needs ``identity``, the
    items' ids). ``len()``, :attr:`total` and ``bool()`` come from the first page, fetched
    once and kept: a snapshot. ``lst[i]`` and :meth:`first` read a position at call time.
    """

    __slots__ = (
        "_describe",
        "_fetch",
        "_first",
        "_first_size",
        "consistency",
        "identity",
        "item_type",
        "keyset",
        "limit",
        "max_page_size",
        "page_size",
        "prefetch",
        "progress",
    )

    def __init__(
        self,
        fetch: PageFetcher[T],
        *,
        page_size: int | None = None,
        limit: int | None = None,
        prefetch: bool = True,
        describe: str = "",
        progress: bool = False,
        item_type: type[Any] | None = None,
        identity: Callable[[T], Hashable] | None = None,
        keyset: Keyset[T] | None = None,
        consistency: Consistency = "strict",
        max_page_size: int = MAX_PAGE_SIZE,
    ) -> None:
        if page_size is not None and (
            not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1
        ):
            raise ValidationError(
                f"page_size must be a positive integer or None, got {page_size!r}",
                field_errors=[("page_size", "must be a positive integer or None")],
            )
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
        ):
            raise ValidationError(
                f"limit must be a non-negative integer or None, got {limit!r}",
                field_errors=[("limit", "must be a non-negative integer or None")],
            )
        if consistency not in ("strict", "tolerant"):
            raise ValidationError(
                f"consistency must be 'strict' or 'tolerant', got {consistency!r}",
                field_errors=[("consistency", "must be 'strict' or 'tolerant'")],
            )
        self._fetch = fetch
        self.page_size = page_size
        self.limit = limit
        self.prefetch = prefetch
        self.progress = progress
        self.identity = identity
        self.keyset = keyset if identity is not None else None
        self.consistency: Consistency = consistency
        self.max_page_size = max_page_size
        self._describe = describe
        self.item_type = item_type  # the resource class listed (columns of an empty frame)
        self._first: Page[T] | None = None
        self._first_size = 0

    # -- fetching ------------------------------------------------------------------------

    def _first_page(self) -> Page[T]:
        if self._first is None:
            size = self.page_size or FIRST_PAGE_SIZE
            if self.limit is not None:
                size = max(1, min(size, self.limit))
            self._first = load_page(self._fetch(0, size))
            self._first_size = size
        return self._first

    def _range(self, start: int, stop: int | None) -> Iterator[tuple[list[T], int | None]]:
        """The new items of each page from position ``start`` until ``stop`` items in all
        (None: to the end), with the server's total as of that page."""
        walk = Walk(self, start, stop)
        try:
            yield from walk.run()
        finally:
            walk.close()

    # -- public API -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[T]:
        if self.progress:
            yield from self._iter_with_progress()
            return
        for items, _ in self._range(0, self.limit):
            items.reverse()
            while items:
                yield items.pop()  # the listing keeps no reference to what it handed out

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
                n = len(items)
                items.reverse()
                while items:
                    yield items.pop()
                bar.update(n)
        finally:
            if bar is not None:
                bar.close()

    def pages(self) -> Iterator[list[T]]:
        """Iterate page by page (the new items of each request)."""
        return (items for items, _ in self._range(0, self.limit))

    @property
    def total(self) -> int | None:
        """The number of matching items on the server (ignores ``limit``), if it says.

        Read from the first page, once: later changes do not update it.
        """
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
        first = self._first
        if first is not None and index < len(first.items):
            return first.items[index]
        found = load_page(self._fetch(index, 1)).items
        if not found:
            raise IndexError("LazyList index out of range")
        return found[0]

    def first(self) -> T | None:
        """The first item, or None when the listing is empty."""
        if self.limit == 0:
            return None
        page = self._first if self._first is not None else load_page(self._fetch(0, 1))
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
        size = "auto" if self.page_size is None else str(self.page_size)
        if self._first is None:
            return f"<LazyList of {what} (not fetched yet), page_size={size}>"
        total = self._first.total
        shown = (
            "?" if total is None else str(total if self.limit is None else min(total, self.limit))
        )
        return f"<LazyList of {what}: {shown} items, page_size={size}>"
