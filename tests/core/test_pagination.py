"""LazyList properties: every item exactly once and in order, slicing agrees with lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub_sdk.core import LazyList, Page
from hub_sdk.errors import ValidationError


class Source:
    """An in-memory page source that may serve shorter pages than asked (a server cap)."""

    def __init__(self, n: int, cap: int | None = None, report_total: bool = True) -> None:
        self.items = list(range(n))
        self.cap = cap
        self.report_total = report_total
        self.calls: list[tuple[int, int]] = []

    def __call__(self, offset: int, limit: int) -> Page[int]:
        self.calls.append((offset, limit))
        size = limit if self.cap is None else min(limit, self.cap)
        return Page(
            self.items[offset : offset + size], len(self.items) if self.report_total else None
        )


sizes = st.integers(0, 300)
page_sizes = st.integers(1, 60)
caps = st.none() | st.integers(1, 60)


@given(n=sizes, page_size=page_sizes, cap=caps, prefetch=st.booleans())
def test_iteration_yields_every_item_once_in_order(n, page_size, cap, prefetch):
    src = Source(n, cap)
    assert list(LazyList(src, page_size=page_size, prefetch=prefetch)) == src.items


@given(n=sizes, page_size=page_sizes)
def test_without_a_total_short_pages_end_the_listing(n, page_size):
    src = Source(n, report_total=False)
    assert list(LazyList(src, page_size=page_size)) == src.items


@given(n=sizes, page_size=page_sizes, cap=caps, limit=st.none() | st.integers(0, 400))
def test_limit_caps_the_items_and_len(n, page_size, cap, limit):
    src = Source(n, cap)
    lazy = LazyList(src, page_size=page_size, limit=limit)
    expected = src.items if limit is None else src.items[:limit]
    assert list(lazy) == expected
    assert len(lazy) == len(expected)
    assert lazy.total == n
    assert all(lim <= page_size for _, lim in src.calls)


@given(
    n=sizes,
    page_size=page_sizes,
    cap=caps,
    start=st.none() | st.integers(-350, 350),
    stop=st.none() | st.integers(-350, 350),
    step=st.none() | st.integers(-7, 7).filter(lambda s: s != 0),
)
def test_slicing_agrees_with_list_slicing(n, page_size, cap, start, stop, step):
    src = Source(n, cap)
    assert LazyList(src, page_size=page_size)[start:stop:step] == src.items[start:stop:step]


@given(n=st.integers(1, 300), page_size=page_sizes, cap=caps, data=st.data())
def test_indexing_agrees_with_list_indexing(n, page_size, cap, data):
    src = Source(n, cap)
    i = data.draw(st.integers(-n, n - 1))
    assert LazyList(src, page_size=page_size)[i] == src.items[i]


def test_indexing_fetches_only_what_it_needs():
    src = Source(10_000)
    lazy = LazyList(src, page_size=100)
    assert lazy[5_432] == 5_432
    assert src.calls == [(5_432, 1)]
    assert lazy[10:12] == [10, 11]
    assert src.calls[-1] == (10, 2)
    assert len(lazy) == 10_000 and lazy[3] == 3
    assert src.calls[-1] == (0, 100)  # the first page, kept for len() and reused


def test_out_of_range():
    lazy = LazyList(Source(3), page_size=2)
    with pytest.raises(IndexError):
        lazy[3]
    with pytest.raises(IndexError):
        lazy[-4]


def test_first_to_list_pages_and_repr():
    src = Source(25)
    lazy = LazyList(src, page_size=10, describe="numbers")
    assert "not fetched" in repr(lazy)
    assert lazy.first() == 0
    assert lazy.to_list(limit=12) == list(range(12))
    assert [len(p) for p in lazy.pages()] == [10, 10, 5]
    assert len(lazy) == 25 and "25 items" in repr(lazy)
    assert LazyList(Source(0)).first() is None
    assert not LazyList(Source(0))


def test_iteration_holds_only_the_current_page():
    src = Source(1_000)
    lazy = LazyList(src, page_size=50)
    it = iter(lazy)
    for _ in range(120):
        next(it)
    assert lazy._first is None  # nothing cached behind the iterator's back


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_page_size_is_rejected(bad):
    with pytest.raises(ValidationError) as err:
        LazyList(Source(1), page_size=bad)
    assert err.value.fields == ["page_size"]
