"""Listings while the collection changes: keyset paging on ``committed_at``, on every backend.

LocalHub, the real controller on SQLite (``make test-fedn``) and on MongoDB
(``make test-fedn-network``) all filter ``committed_at__lt``/``__gte`` as text or datetimes;
these tests upload models from another connection while a listing pages through them and
check that every model that existed throughout is yielded exactly once.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hub_sdk import fedn
from hub_sdk.core.protocol import KeyOrder
from hub_sdk.fedn.protocol import CommittedAtOrder, FednProtocol, encode_filters

from ..conftest import FednServer
from .conftest import connect_to


def test_committed_at_orders_continue_from_a_key() -> None:
    proto = FednProtocol()
    newest = proto.key_order(None, {})
    assert isinstance(newest, CommittedAtOrder) and newest.descending
    assert proto.key_order("-committed_at", {}).descending  # type: ignore[union-attr]
    oldest = proto.key_order("committed_at", {})
    assert isinstance(oldest, KeyOrder) and not oldest.descending
    assert proto.key_order("name", {}) is None and proto.key_order("-round_id", {}) is None
    t = datetime(2026, 11, 23, 12, 51, 48, 250_000, tzinfo=timezone.utc)
    second = newest.key(t)  # type: ignore[union-attr]
    assert second == t.replace(microsecond=0) and newest.key(None) is None  # type: ignore[union-attr]
    # Newest first: the whole second of the bound and everything older.
    assert encode_filters(newest.after(second)) == {  # type: ignore[union-attr]
        "committed_at__lt": "2026-11-23 12:51:49.000000"
    }
    assert encode_filters(oldest.after(second)) == {
        "committed_at__gte": "2026-11-23 12:51:48.000000"
    }
    # The caller's own filter on the same operator is kept; the other operator is used.
    mine = proto.key_order(None, {"committed_at__lt": t})
    assert isinstance(mine, CommittedAtOrder) and mine.op == "lte"
    assert encode_filters(mine.after(second)) == {"committed_at__lte": "2026-11-23 12:51:48.999999"}
    assert proto.key_order(None, {"committed_at__lt": t, "committed_at__lte": t}) is None


def _spy(conn: fedn.FednConnection) -> list[dict[str, Any]]:
    """Record the filters of every page request ``conn`` sends."""
    sent: list[dict[str, Any]] = []
    real = conn.send_page

    def send_page(request: Any, **kw: Any) -> Any:
        sent.append(dict(request.query or {}))
        return real(request, **kw)

    conn.send_page = send_page  # type: ignore[method-assign]
    return sent


def _listing_while_uploading(server: FednServer, seed: Path, order_by: str | None) -> None:
    tag = uuid.uuid4().hex[:6]
    conn, other = connect_to(server), connect_to(server)
    try:
        for i in range(24):  # over three seconds: committed_at has second resolution
            fedn.Model.upload(seed, name=f"keep-{tag}-{i}", connection=other)
            if i % 8 == 7:
                time.sleep(1.05)
        before = {m.pk for m in fedn.Model.list(connection=conn, name__ne="x", page_size=1000)}
        sent = _spy(conn)
        stop = threading.Event()
        uploaded: list[str] = []

        def upload() -> None:  # another client, newest first: in front of the cursor
            while not stop.is_set() and len(uploaded) < 40:
                uploaded.append(fedn.Model.upload(seed, name=f"new-{tag}", connection=other).pk)

        writer = threading.Thread(target=upload)
        writer.start()
        seen: list[str] = []
        try:
            for model in fedn.Model.list(connection=conn, page_size=5, order_by=order_by):
                seen.append(model.pk)
                if len(seen) % 5 == 0:
                    stop.wait(0.02)  # let the writer get ahead between pages
        finally:
            stop.set()
            writer.join()
        assert len(seen) == len(set(seen)), "a model was yielded twice"
        assert before <= set(seen), f"missed {len(before - set(seen))} of {len(before)} models"
        bounds = [f for f in sent if any(k.startswith("committed_at__") for k in f)]
        assert bounds, "the listing never continued from a committed_at key"
    finally:
        conn.close()
        other.close()


@pytest.mark.parametrize("order_by", [None, "committed_at"])
def test_models_listed_exactly_once_while_others_upload(
    fedn_server: FednServer, conn: fedn.FednConnection, package: fedn.Package,
    files: dict[str, Path], order_by: str | None,
) -> None:
    _listing_while_uploading(fedn_server, files["seed"], order_by)


@pytest.mark.fedn_network
def test_models_listed_exactly_once_on_the_network_statestore(
    fedn_server: FednServer, conn: fedn.FednConnection, package: fedn.Package,
    files: dict[str, Path],
) -> None:
    """The same on MongoDB (``make test-fedn-network``), where unknown filter keys match
    nothing: a wrong keyset filter would end the listing early."""
    if fedn_server.backend == "local":
        pytest.skip("needs the real network's MongoDB statestore: runs in make test-fedn-network")
    _listing_while_uploading(fedn_server, files["seed"], None)
    _listing_while_uploading(fedn_server, files["seed"], "committed_at")


def test_filters_on_committed_at_still_apply(
    conn: fedn.FednConnection, package: fedn.Package, files: dict[str, Path]
) -> None:
    """The caller's own committed_at filters combine with the listing's key bound."""
    start = datetime.now(timezone.utc) - timedelta(seconds=2)
    for _ in range(7):
        fedn.Model.upload(files["seed"])
    recent = fedn.Model.list(committed_at__gt=start, page_size=2).to_list()
    assert len(recent) >= 7 and len({m.pk for m in recent}) == len(recent)
    capped = fedn.Model.list(committed_at__lt=datetime.now(timezone.utc) + timedelta(days=1))
    assert len(capped.to_list()) == fedn.Model.count()
