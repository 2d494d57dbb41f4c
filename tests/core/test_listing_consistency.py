"""What a listing promises while the collection changes under it, in memory: every item that
existed from start to end is yielded exactly once and nothing twice, or a typed error says so.

The collection changes between page requests as hypothesis scripts it (inserts and deletes
anywhere, deletes of items already served); ``tests/localhub/test_listing_consistency.py``
does the same with real concurrency over sockets.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub_sdk.core import (
    FIRST_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CollectionChangedWarning,
    Keyset,
    LazyList,
    walk,
)
from hub_sdk.core.protocol import Page, RawBody
from hub_sdk.core.walk import GROWTH, OVERLAP
from hub_sdk.errors import CollectionChangedError, HubError
from tests.conftest import examples

Op = tuple[str, float]


class Collection:
    """A server's collection in a stable order: by key (then age), ascending or descending.

    Before serving request ``i`` it applies ``script[i]``: ``("insert", x)`` adds an item (at
    the newest key, or at the key found at fraction ``x`` of the listing when ``anywhere``),
    ``("delete", x)`` deletes the item at fraction ``x``, ``("delete_served", x)`` deletes one
    of the items served so far.
    """

    def __init__(
        self,
        n: int,
        script: Sequence[Sequence[Op]] = (),
        *,
        descending: bool = False,
        per_key: int = 4,
        anywhere: bool = False,
        cap: int | None = None,
    ) -> None:
        self.descending, self.per_key, self.anywhere, self.cap = descending, per_key, anywhere, cap
        self.rows: list[tuple[int, int]] = []  # (key, seq); the id is the seq
        self.keys: dict[int, int] = {}
        self.seq = 0
        for _ in range(n):
            self._insert(None)
        self.initial = set(self.keys)
        self.deleted: set[int] = set()
        self.served: list[int] = []
        self.script = list(script)
        self.requests: list[tuple[Any, int, int]] = []
        self.lock = threading.Lock()

    def _ordered(self) -> list[tuple[int, int]]:
        return sorted(self.rows, reverse=self.descending)

    def _insert(self, at: float | None) -> None:
        key = self.seq // self.per_key
        if at is not None and self.anywhere and self.rows:
            rows = self._ordered()
            key = rows[min(int(at * len(rows)), len(rows) - 1)][0]
        self.rows.append((key, self.seq))
        self.keys[self.seq] = key
        self.seq += 1

    def _delete(self, victim: int) -> None:
        row = (self.keys[victim], victim)
        if row in self.rows:
            self.rows.remove(row)
            self.deleted.add(victim)

    def _apply(self, ops: Sequence[Op]) -> None:
        for op, x in ops:
            if op == "insert":
                self._insert(x)
            elif op == "delete" and self.rows:
                rows = self._ordered()
                self._delete(rows[min(int(x * len(rows)), len(rows) - 1)][1])
            elif op == "delete_served" and self.served:
                self._delete(self.served[min(int(x * len(self.served)), len(self.served) - 1)])

    def fetch(self, offset: int, size: int, bound: Any = None) -> Page[int]:
        """``size`` ids from ``offset`` (of the items at or after ``bound`` when given)."""
        with self.lock:
            self.requests.append((bound, offset, size))
            if len(self.requests) <= len(self.script):
                self._apply(self.script[len(self.requests) - 1])
            rows = self._ordered()
            if bound is not None:
                rows = [r for r in rows if (r[0] <= bound if self.descending else r[0] >= bound)]
            size = size if self.cap is None else min(size, self.cap)
            ids = [seq for _, seq in rows[offset : offset + size]]
            self.served.extend(ids)
            return Page(ids, len(rows))

    def keyset(self) -> Keyset[int]:
        """Continue from keys (what FEDn's ``committed_at`` allows)."""
        return Keyset(self.keys.__getitem__, lambda b, o, s: self.fetch(o, s, b), self.descending)

    def survivors(self) -> set[int]:
        """The items that existed from the first request to now."""
        with self.lock:
            return self.initial - self.deleted


def listing(coll: Collection, keyed: bool = False, **kw: Any) -> LazyList[int]:
    kw.setdefault("prefetch", False)
    keyset = coll.keyset() if keyed else None
    return LazyList(coll.fetch, identity=lambda x: x, keyset=keyset, **kw)


def assert_exactly_once(got: list[int], coll: Collection) -> None:
    assert len(got) == len(set(got)), "an item was yielded twice"
    missing = coll.survivors() - set(got)
    assert not missing, f"items that existed throughout were never yielded: {sorted(missing)}"


ops = st.tuples(
    st.sampled_from(["insert", "delete", "delete_served"]), st.floats(0, 1, exclude_max=True)
)
scripts = st.lists(st.lists(ops, max_size=6), max_size=40)
page_sizes = st.none() | st.integers(1, 25)


@settings(max_examples=examples(300))
@given(
    n=st.integers(0, 120),
    script=scripts,
    page_size=page_sizes,
    cap=st.none() | st.integers(2, 40),
    anywhere=st.booleans(),
)
def test_offsets_only_every_survivor_exactly_once(n, script, page_size, cap, anywhere):
    coll = Collection(n, script, anywhere=anywhere, cap=cap)
    got = list(listing(coll, page_size=page_size))
    assert_exactly_once(got, coll)


@given(n=st.integers(0, 60), script=scripts)
def test_one_item_per_request_is_checked_by_the_total_only(n, script):
    """A server serving one item at a time leaves no room to re-read: the listing trusts the
    offset while the server's total stays put, and never repeats an item."""
    coll = Collection(n, script, cap=1)
    try:
        got = list(listing(coll))
    except CollectionChangedError:
        return
    assert len(got) == len(set(got))
    if not any(script):
        assert got == sorted(coll.initial)


@settings(max_examples=examples(300))
@given(
    n=st.integers(0, 120),
    script=scripts,
    page_size=page_sizes,
    descending=st.booleans(),
    per_key=st.integers(1, 30),
    anywhere=st.booleans(),
)
def test_keyset_every_survivor_exactly_once(n, script, page_size, descending, per_key, anywhere):
    coll = Collection(n, script, descending=descending, per_key=per_key, anywhere=anywhere)
    got = list(listing(coll, keyed=True, page_size=page_size))
    assert_exactly_once(got, coll)


@given(n=st.integers(1, 120), script=scripts, limit=st.integers(0, 130), keyed=st.booleans())
def test_limit_and_slices_keep_the_rule(n, script, limit, keyed):
    coll = Collection(n, script, descending=keyed)
    got = listing(coll, keyed=keyed, page_size=7, limit=limit).to_list()
    assert len(got) == len(set(got)) and len(got) <= limit
    coll = Collection(n, script, descending=keyed)
    part = listing(coll, keyed=keyed, page_size=5)[3:40]
    assert len(part) == len(set(part)) <= 37


@pytest.mark.parametrize("keyed", [False, True])
def test_deleting_each_page_after_reading_it(keyed):
    """The reported case: another client deletes what the listing already yielded."""
    coll = Collection(300, [[("delete_served", i / 10) for i in range(10)]] * 200, descending=keyed)
    got = list(listing(coll, keyed=keyed, page_size=5))
    assert_exactly_once(got, coll)


@pytest.mark.parametrize("keyed", [False, True])
def test_newest_first_with_inserts(keyed):
    """The reported case: inserts at the front of a newest-first listing."""
    coll = Collection(120, [[("insert", 0.0)] * 3] * 100, descending=True, per_key=2)
    got = list(listing(coll, keyed=keyed, page_size=5))
    assert_exactly_once(got, coll)
    if keyed:  # keyset paging: offsets stay within one key, whatever the inserts
        assert max(offset for bound, offset, _ in coll.requests if bound is not None) < 20


def test_prefetch_with_a_thread_mutating_meanwhile():
    rng = random.Random(7)
    for keyed in (False, True):
        coll = Collection(2_000, descending=keyed, per_key=3)
        stop = threading.Event()

        def churn(coll: Collection = coll, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                with coll.lock:
                    coll._apply([(rng.choice(["insert", "delete", "delete_served"]), rng.random())])

        mutator = threading.Thread(target=churn)
        mutator.start()
        try:
            got = list(listing(coll, keyed=keyed, page_size=None, prefetch=True))
        finally:
            stop.set()
            mutator.join()
        assert_exactly_once(got, coll)


def test_strict_raises_a_typed_error_with_counts_when_it_cannot_repair(monkeypatch):
    monkeypatch.setattr(walk, "REMEMBER", 10)  # forget quickly, so no re-reading can repair
    coll = Collection(200, [[("delete_served", i / 20) for i in range(20)]] * 100)
    got: list[int] = []
    with pytest.raises(CollectionChangedError) as err:
        for x in listing(coll, page_size=5):
            got.append(x)
    assert isinstance(err.value, HubError)
    assert err.value.yielded == len(got) > 0 and len(got) == len(set(got))
    assert err.value.total_at_start == 200 and err.value.total_now is not None
    assert "changed while paging" in str(err.value) and "tolerant" in str(err.value)


def test_tolerant_warns_and_goes_on(monkeypatch):
    monkeypatch.setattr(walk, "REMEMBER", 10)
    coll = Collection(200, [[("delete_served", i / 20) for i in range(20)]] * 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = list(listing(coll, page_size=5, consistency="tolerant"))
    assert got and any(issubclass(w.category, CollectionChangedWarning) for w in caught)


def test_a_server_that_ignores_the_key_filter_is_still_listed_exactly_once():
    coll = Collection(500, [[("insert", 0.0), ("delete", 0.5)]] * 50, descending=True)
    ignoring = Keyset(coll.keys.__getitem__, lambda b, o, s: coll.fetch(o, s), True)
    got = list(LazyList(coll.fetch, identity=lambda x: x, keyset=ignoring, prefetch=False))
    assert_exactly_once(got, coll)


def test_pages_grow_from_a_small_first_one_to_the_cap():
    coll = Collection(20_000, cap=MAX_PAGE_SIZE)
    got = list(listing(coll))
    assert got == sorted(coll.initial)
    sizes = [size for _, _, size in coll.requests]
    assert sizes[0] == FIRST_PAGE_SIZE
    assert sizes[1:3] == [GROWTH * FIRST_PAGE_SIZE + OVERLAP, MAX_PAGE_SIZE]
    assert max(sizes) == MAX_PAGE_SIZE  # never more than the server serves
    assert len(coll.requests) <= 23  # 20,000 items: ~1,000 at a time once grown
    fixed = Collection(100)
    list(listing(fixed, page_size=30))
    assert [size for _, _, size in fixed.requests] == [30, 46, 46, 46]


def test_pages_stay_within_a_byte_budget():
    """Big items make smaller pages: objects cost ~10x their JSON, and memory stays bounded."""
    rows = list(range(5_000))
    item_bytes = 2_000
    seen: list[int] = []

    def fetch(offset: int, size: int) -> Page[int]:
        seen.append(size)
        items = rows[offset : offset + size]
        return Page(items, len(rows), RawBody(b"x" * (item_bytes * len(items)), None))

    got = list(LazyList(fetch, identity=lambda x: x, prefetch=False, max_page_size=5_000))
    assert got == rows
    assert max(seen) <= walk.PAGE_BYTES // item_bytes + OVERLAP


def test_first_and_len_stay_cheap():
    coll = Collection(5_000)
    lazy = listing(coll)
    assert lazy.first() == 0 and coll.requests == [(None, 0, 1)]
    assert len(lazy) == 5_000 and coll.requests[-1] == (None, 0, FIRST_PAGE_SIZE)
    assert next(iter(lazy)) == 0 and len(coll.requests) == 2  # the first page is reused


def test_invalid_consistency_is_rejected():
    with pytest.raises(HubError) as err:
        LazyList(Collection(1).fetch, consistency="loose")  # type: ignore[arg-type]
    assert "consistency" in str(err.value)


def test_an_item_sent_twice_in_one_page_is_yielded_once():
    def fetch(offset: int, size: int) -> Page[int]:
        rows = [1, 2, 2, 3, 4, 4, 5][offset : offset + size]
        return Page(rows, 7)

    lazy = LazyList(fetch, identity=lambda x: x, prefetch=False, page_size=3)
    assert list(lazy) == [1, 2, 3, 4, 5]


def test_it_looks_further_back_when_the_items_before_the_cursor_vanish(monkeypatch):
    """Past what it can re-read from the start, deleting the items just before the cursor
    (but not older ones) is still repaired: it looks further back once, for older ones."""
    monkeypatch.setattr(walk, "REMEMBER", 200)
    coll = Collection(2_000)
    got: list[int] = []
    for x in listing(coll, page_size=40):
        got.append(x)
        if len(got) % 40 == 0:  # the newest 20 items yielded go, before the next page
            with coll.lock:
                for victim in got[-20:]:
                    coll._delete(victim)
    assert_exactly_once(got, coll)
    assert any(size > 40 + OVERLAP for _, _, size in coll.requests)  # it looked back
