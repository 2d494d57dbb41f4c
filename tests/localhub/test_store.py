"""The generic SQLite document store (also used by the FEDn app)."""

from __future__ import annotations

import threading

import pytest

from hub_sdk.testing.store import DuplicateKeyError, Store, coerce_filters, public


@pytest.fixture
def store():
    s = Store()
    yield s
    s.close()


def test_crud_and_key_order(store):
    doc = store.insert(
        "thing", {"object": "thing", "id": 5, "b": 1, "a": {"x": [1, 2]}, "_secret": 1}
    )
    assert list(store.get("thing", 5)) == ["object", "id", "b", "a", "_secret"]
    assert store.get("thing", "5") == doc  # ids are keys: 5 and "5" are the same document
    with pytest.raises(DuplicateKeyError):
        store.insert("thing", {"id": 5})
    assert store.update("thing", 5, {"b": 2})["b"] == 2
    assert store.update("thing", 6, {"b": 2}) is None
    assert public(store.get("thing", 5)) == {"object": "thing", "id": 5, "b": 2, "a": {"x": [1, 2]}}
    assert store.delete("thing", 5)["b"] == 2 and store.get("thing", 5) is None
    assert store.delete("thing", 5) is None


def test_filters_and_ordering(store):
    store.ensure_index("m", "session_id")
    store.insert_many(
        "m",
        [
            {
                "id": f"m{i}",
                "n": i,
                "session_id": f"s{i % 3}",
                "sender": {"name": f"c{i % 2}"},
                "flag": i % 2 == 0,
                "opt": None if i % 4 else i,
            }
            for i in range(20)
        ],
    )
    items, total = store.query("m", {"session_id": "s1"}, offset=2, limit=3)
    assert total == 7 and [d["n"] for d in items] == [7, 10, 13]
    assert store.count("m", {"n__gt": 15}) == 4
    assert store.count("m", {"n__gte": 15, "n__lt": 18}) == 3
    assert store.count("m", {"n__lte": 1}) == 2
    assert store.count("m", {"n__ne": 3}) == 19
    assert store.count("m", {"n__eq": 3}) == 1
    assert store.count("m", {"n__in": [1, 2, 99]}) == 2 and store.count("m", {"n__in": []}) == 0
    assert store.count("m", {"sender.name": "c1"}) == 10
    assert store.count("m", {"flag": True}) == 10
    assert store.count("m", {"opt": None}) == 15 and store.count("m", {"opt__ne": None}) == 5
    assert store.count("m", {"n": "3"}) == 0  # JSON types are compared strictly
    items, _ = store.query("m", order_by="n", descending=True, limit=2)
    assert [d["n"] for d in items] == [19, 18]
    items, _ = store.query("m", descending=True, limit=1)
    assert items[0]["n"] == 19
    with pytest.raises(ValueError):
        store.query("m", {"n; drop table docs": 1})
    with pytest.raises(ValueError):
        store.query("bad kind", {})
    assert coerce_filters({"n__gt": "3", "flag": "true"}, {"n": int, "flag": bool}) == {
        "n__gt": 3,
        "flag": True,
    }


def test_transactions_roll_back_and_count_commits(store):
    with pytest.raises(RuntimeError), store.transaction():
        store.insert("a", {"id": 1})
        store.insert("b", {"id": 1})
        raise RuntimeError
    assert store.count("a") == 0 and store.stats() == {}
    with store.transaction():
        store.insert("a", {"id": 1})
        with store.transaction():
            store.update("a", 1, {"x": 1})
    assert store.stats() == {"a": 2}
    store.reset_stats()
    assert store.stats() == {}


def test_int_ids_never_collide_with_explicit_ones(store):
    assert store.next_int_id("k") == 1
    store.insert("k", {"id": 40})
    assert store.next_int_id("k") == 41
    store.insert_many("k", [{"id": 100}])
    assert store.next_int_id("k") == 101


def test_blobs_settings_and_persistence(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.put_blob("a/b.bin", b"\x00\x01", "application/x")
        s.set_setting("k", "v")
        s.insert("x", {"id": "1"})
        assert s.blob_keys("a/") == ["a/b.bin"]
    with Store(path) as s:
        assert s.get_blob("a/b.bin") == (b"\x00\x01", "application/x")
        assert s.get_setting("k") == "v" and s.get("x", "1") == {"id": "1"}
        assert s.delete_blob("a/b.bin") and s.get_blob("a/b.bin") is None
        assert s.kinds() == {"x": 1}


def test_thread_safety(store):
    def work(n):
        for i in range(50):
            store.insert("t", {"id": f"{n}-{i}"})
            store.query("t", limit=5)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count("t") == 200 and store.stats()["t"] == 200
