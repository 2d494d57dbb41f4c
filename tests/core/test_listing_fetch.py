"""How listing pages are fetched: bytes first, objects when the listing reaches them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from hub_sdk.auger import connect
from hub_sdk.errors import ResponseDecodeError

URL = "http://hub.test"


def listing(ids: list[int], total: int | None = None) -> dict[str, Any]:
    pagination = {"limit": 5, "offset": 0, "count": len(ids), "total": total or len(ids)}
    return {
        "data": [{"id": i, "name": f"w{i}"} for i in ids],
        "meta": {"status": 200, "pagination": pagination},
    }


@pytest.fixture()
def hub():
    c = connect(URL, project_token="secret-token-123", default=False, max_retries=2)
    yield c
    c.close()


@pytest.fixture()
def sleeps(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr("hub_sdk.core.connection.time.sleep", slept.append)
    return slept


@responses.activate
def test_a_page_shaped_like_json_but_broken_is_asked_for_again(hub, sleeps):
    from tests.core.conftest import Widget

    broken = '{"data": [{"id": 1, "name": "w1"} {"id": 2}], "meta": {}}'  # a missing comma
    responses.get(f"{URL}/api/v1/widgets", body=broken)
    responses.get(f"{URL}/api/v1/widgets", json=listing([1, 2]))
    assert [w.name for w in Widget.list(connection=hub)] == ["w1", "w2"]
    assert len(responses.calls) == 2


@responses.activate
def test_a_page_of_the_wrong_shape_raises_with_where(hub, sleeps):
    from tests.core.conftest import Widget

    responses.get(f"{URL}/api/v1/widgets", json={"data": [{"id": {"not": "an id"}}]})
    with pytest.raises(ResponseDecodeError) as err:
        Widget.list(connection=hub).to_list()
    assert err.value.method == "GET" and err.value.path and "widgets" in err.value.path
    assert len(responses.calls) == 1 and not sleeps  # asking again would not help


@responses.activate
def test_pages_fetched_ahead_are_checked_like_any(hub):
    """With prefetch, pages go out before the caller reaches them; each is still checked
    against what came before (here: the server serves a fixed order, one page at a time)."""
    from tests.core.conftest import Widget

    rows = list(range(1, 1_001))

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        offset, limit = body["offset"], body["limit"]
        return 200, {}, json.dumps(listing(rows[offset : offset + limit], len(rows)))

    responses.add_callback(responses.GET, f"{URL}/api/v1/widgets", callback=page)
    got = [w.id for w in Widget.list(connection=hub)]
    assert got == rows
    sizes = [json.loads(c.request.body)["limit"] for c in responses.calls]
    assert sizes[0] == 100 and len(sizes) < 10  # pages grow


@responses.activate
def test_a_page_that_defeats_the_decoder_is_a_typed_error(hub, monkeypatch):
    from tests.core.conftest import Widget

    def recurse(*args: Any, **kw: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    responses.get(f"{URL}/api/v1/widgets", json=listing([1]))
    monkeypatch.setattr(hub.protocol, "decode_listing", recurse)
    with pytest.raises(ResponseDecodeError) as err:
        Widget.list(connection=hub).to_list()
    assert "nests too deeply" in str(err.value) and err.value.method == "GET"
