"""The listing path: codec builds the page request, the connection sends it, the codec reads it."""

from __future__ import annotations

from typing import Any

import pytest

from hub_sdk.auger import AugerProtocol
from hub_sdk.core import BodyTokenAuth, HeaderTokenAuth, Page, Resource
from hub_sdk.core.protocol import _adapters
from hub_sdk.core.request import Request
from hub_sdk.errors import ValidationError
from hub_sdk.fedn import FednProtocol

from .conftest import Widget


def test_codecs_build_page_requests_without_a_connection() -> None:
    auger = AugerProtocol().page_request("widgets", {"name": "a"}, 10, 5)
    assert auger == Request("GET", "widgets", body={"name": "a", "offset": 10, "limit": 5})
    fedn = FednProtocol().page_request("models/", {"session_id": "s"}, 10, 5, "-committed_at")
    assert fedn == Request(
        "GET",
        "models/",
        query={"session_id": "s"},
        headers={
            "X-Limit": "5",
            "X-Skip": "10",
            "X-Sort-Key": "committed_at",
            "X-Sort-Order": "desc",
        },
    )
    with pytest.raises(ValidationError):
        AugerProtocol().page_request("widgets", {}, 0, 5, "name")


def test_auth_applies_itself_to_the_request() -> None:
    body = BodyTokenAuth("project_api_token", "t")
    assert body.apply(Request("GET", "x")).body == {"project_api_token": "t"}
    assert body.apply(Request("GET", "x", body={"a": 1})).body == {"a": 1, "project_api_token": "t"}
    assert body.apply(Request("POST", "x", files={"f": b""})).form == {"project_api_token": "t"}
    assert body.apply(Request("POST", "x", raw_body=b"z")) == Request("POST", "x", raw_body=b"z")
    assert body.apply(Request("POST", "x", body=[1])).body == [1]
    header = HeaderTokenAuth("t", "Token")
    assert header.apply(Request("GET", "x")).headers == {"Authorization": "Token t"}


def test_fetch_page_returns_typed_or_plain_pages(toy: Any, conn: Any) -> None:
    for i in range(3):
        toy.add("widgets", name=f"w{i}", size=i)
    typed = conn.fetch_page("widgets", {}, 1, 5, item=Widget)
    assert isinstance(typed, Page) and typed.total == 3
    assert [type(w) for w in typed.items] == [Widget, Widget]
    plain = conn.fetch_page("widgets", {}, 0, 2)
    assert plain.total == 3 and [w["name"] for w in plain.items] == ["w0", "w1"]


def test_the_page_validator_is_built_once_per_item_class(toy: Any, conn: Any) -> None:
    toy.add("widgets", name="a")
    Widget.list(page_size=1).to_list()
    adapter = _adapters[(AugerProtocol.listing, Widget)]
    Widget.list(page_size=1).to_list()
    assert _adapters[(AugerProtocol.listing, Widget)] is adapter


def test_listed_objects_are_bound_with_lazy_snapshots(toy: Any, conn: Any) -> None:
    toy.add("widgets", name="a", size=1)
    (w,) = Widget.list().to_list()
    assert w.connection is conn and w.changes() == {}
    w.size = 2
    assert w.changes() == {"size": 2}


def test_inputs_is_a_class_keyword() -> None:
    class Order(Resource, api="toy-inputs", path="orders", inputs={"coupon": int}):
        id: int

    assert Order.__resource__.inputs == {"coupon": int}

    class Rush(Order):
        pass

    assert Rush.__resource__.inputs == {"coupon": int}  # inherited, like the fields
    with pytest.raises(ValidationError, match="coupon"):
        Order.validate_input({"coupon": "many"})
    with pytest.raises(TypeError, match="inputs="):

        class Legacy(Resource, api="toy-inputs", path="legacy"):
            __inputs__ = {"x": int}
