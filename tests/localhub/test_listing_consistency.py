"""Listings against LocalHub over sockets while another connection writes.

The rule (DESIGN.md): while the collection changes under it, a listing yields each item that
existed throughout exactly once, or says it cannot. Auger pages by offsets only (overlapping
windows re-align the listing); FEDn continues from ``committed_at`` keys.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub_sdk import auger, fedn
from hub_sdk.errors import CollectionChangedError
from hub_sdk.testing import LocalHub
from tests.conftest import examples


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub(seed="demo", fedn=True) as running:
        yield running


class Writers:
    """A second client, on its own connection (and socket), creating and deleting."""

    def __init__(self, hub: LocalHub) -> None:
        self.conn = auger.connect(hub.url, project_token=hub.project_token, default=False)
        self.reader = auger.connect(hub.url, project_token=hub.project_token, default=False)
        project = auger.Project.list(connection=self.reader).first()
        assert project is not None
        self.project_id = project.pk
        self.live: list[str] = []
        self.deleted: set[str] = set()
        self.lock = threading.Lock()

    def create(self, n: int = 1) -> None:
        for _ in range(n):
            exp = auger.Experiment.create(
                connection=self.conn, name="listing-test", project_id=self.project_id
            )
            with self.lock:
                self.live.append(exp.pk)

    def delete(self, pk: str) -> None:
        with self.lock:
            if pk in self.deleted:
                return
            self.deleted.add(pk)
            if pk in self.live:
                self.live.remove(pk)
        auger.Experiment.delete_id(pk, connection=self.conn)

    def current(self) -> set[str]:
        return {e.pk for e in auger.Experiment.list(connection=self.reader, page_size=1000)}

    def close(self) -> None:
        for pk in self.current():
            exp = auger.Experiment.get(pk, connection=self.conn)
            if exp.name == "listing-test":
                auger.Experiment.delete_id(pk, connection=self.conn)
        self.conn.close()
        self.reader.close()


def assert_rule(got: list[Any], initial: set[Any], deleted: set[Any]) -> None:
    assert len(got) == len(set(got)), "an item was yielded twice"
    missing = initial - deleted - set(got)
    assert not missing, f"{len(missing)} items that existed throughout were never yielded"


def test_deleting_what_was_yielded_page_by_page(hub: LocalHub) -> None:
    """The reported case: page size 5, another client deletes items already yielded."""
    w = Writers(hub)
    try:
        w.create(60)
        initial = w.current()
        got: list[str] = []
        for exp in auger.Experiment.list(connection=w.reader, page_size=5):
            got.append(exp.pk)
            if len(got) % 5 == 0:
                for pk in got[-5:-1]:
                    if pk in w.live:
                        w.delete(pk)
        assert_rule(got, initial, w.deleted)
    finally:
        w.close()


def test_a_writer_thread_creating_and_deleting_meanwhile(hub: LocalHub) -> None:
    w = Writers(hub)
    rng = random.Random(12)
    try:
        w.create(150)
        initial = w.current()
        stop = threading.Event()

        def churn() -> None:
            while not stop.is_set():
                if rng.random() < 0.5 or not w.live:
                    w.create()
                else:
                    w.delete(rng.choice(w.live))

        for page_size in (None, 4, 9):
            writer = threading.Thread(target=churn)
            writer.start()
            try:
                listing = auger.Experiment.list(connection=w.reader, page_size=page_size)
                got = [e.pk for e in listing]
            finally:
                stop.set()
                writer.join()
                stop.clear()
            assert_rule(got, initial, w.deleted)
            initial -= w.deleted
    finally:
        w.close()


_ops = st.tuples(st.sampled_from(["create", "delete", "delete_yielded"]), st.floats(0, 1))


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    script=st.lists(st.lists(_ops, max_size=4), min_size=1, max_size=30),
    page_size=st.sampled_from([None, 2, 3, 5, 8]),
    prefetch=st.booleans(),
)
def test_interleavings_hypothesis_finds(
    hub: LocalHub, script: list[list[tuple[str, float]]], page_size: int | None, prefetch: bool
) -> None:
    """Between any two items the listing yields, the other client creates or deletes."""
    w = Writers(hub)
    try:
        w.create(30)
        initial = w.current()
        got: list[str] = []
        listing = auger.Experiment.list(
            connection=w.reader, page_size=page_size, prefetch=prefetch
        )
        for step, exp in enumerate(listing):
            got.append(exp.pk)
            for op, x in script[step] if step < len(script) else ():
                if op == "create":
                    w.create()
                elif op == "delete" and w.live:
                    w.delete(w.live[min(int(x * len(w.live)), len(w.live) - 1)])
                elif op == "delete_yielded":
                    w.delete(got[min(int(x * len(got)), len(got) - 1)])
        assert_rule(got, initial, w.deleted)
    finally:
        w.close()


def test_strict_says_so_when_it_cannot_repair(hub: LocalHub, monkeypatch: Any) -> None:
    """With (almost) nothing remembered, deleting everything yielded cannot be repaired."""
    from hub_sdk.core import walk

    monkeypatch.setattr(walk, "REMEMBER", 3)
    w = Writers(hub)
    try:
        w.create(40)
        got: list[str] = []
        with pytest.raises(CollectionChangedError) as err:
            # No prefetch: every page is asked for after the deletions (with prefetch the
            # pages in flight may still show what it yielded, and it repairs).
            listing = auger.Experiment.list(connection=w.reader, page_size=5, prefetch=False)
            for exp in listing:
                got.append(exp.pk)
                w.delete(exp.pk)
        assert err.value.yielded == len(got) and len(got) == len(set(got))
        assert err.value.total_now is not None and err.value.total_now < err.value.total_at_start
    finally:
        w.close()


def test_fedn_newest_first_with_inserts_and_deletes(hub: LocalHub) -> None:
    """Keyset paging on committed_at while models are uploaded (in front of the cursor) and
    deleted (anywhere) by others."""
    conn = fedn.connect(hub.fedn_url, default=False)
    other = fedn.connect(hub.fedn_url, default=False)
    data = hub.fedn_app.data
    rng = random.Random(5)
    try:
        base = time.time() - 500
        ids = []
        for i in range(300):  # five models a second, over a minute
            doc = data.add("models", {"name": f"keyset-{i}"})
            data.update("models", doc["model_id"], {"committed_at": base + i // 5})
            ids.append(doc["model_id"])
        initial = {m.pk for m in fedn.Model.list(connection=conn, page_size=1000)}
        deleted: set[str] = set()
        got: list[str] = []
        for model in fedn.Model.list(connection=conn, page_size=7):
            got.append(model.pk)
            if len(got) % 7 == 0:
                data.add("models", {"name": "newer"})  # what another client's upload makes
                for victim in rng.sample(ids, 3):
                    if victim not in deleted:
                        data.delete("models", victim)
                        deleted.add(victim)
        assert_rule(got, initial, deleted)
    finally:
        conn.close()
        other.close()
