"""Pins what core/_pydantic.py and core/_requests.py rely on in pydantic and requests.

Each reach into a dependency's internals lives in one of those two modules; these tests
fail loudly when an upgrade changes what the reach assumes.
"""

from __future__ import annotations

import copy
import pickle
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pydantic import BaseModel, PrivateAttr

from hub_sdk import auger, fedn
from hub_sdk.core import Resource
from hub_sdk.core._pydantic import (
    PYDANTIC_POST_INIT,
    _fast_post_init,
    copier,
    install_fast_post_init,
    pickle_state,
    set_private,
    take_state,
)
from hub_sdk.core._requests import TrackingAdapter, Wire, outcome, prepare, read_body
from hub_sdk.core.deadline import Deadline, current
from hub_sdk.core.retry import Outcome
from hub_sdk.errors import ValidationError

from ..reliability.raw_server import RawRequest, RawServer, respond
from .conftest import Gadget, Widget

# -- pydantic ----------------------------------------------------------------------------------


def _all_resources() -> list[type[Resource]]:
    classes = []
    for package in (auger, fedn):
        for name in package.__all__:
            value = getattr(package, name)
            if isinstance(value, type) and issubclass(value, Resource):
                classes.append(value)
    return classes


def test_pydantic_still_names_its_private_initialiser() -> None:
    class Plain(BaseModel):
        _secret: int = PrivateAttr(default=1)

    class Child(Plain):
        x: int = 0

    for cls in (Plain, Child):
        inner: Any = cls.__dict__["model_post_init"]
        while hasattr(inner, "__wrapped__"):
            inner = inner.__wrapped__
        assert inner.__name__ == PYDANTIC_POST_INIT, "pydantic renamed its private initialiser"


@pytest.mark.parametrize("cls", _all_resources(), ids=lambda c: c.__name__)
def test_every_resource_runs_the_fast_post_init(cls: type[Resource]) -> None:
    assert cls.model_post_init is _fast_post_init, f"{cls.__name__} kept pydantic's post-init"


def test_the_fast_post_init_sets_what_pydantic_would() -> None:
    class Theirs(BaseModel):
        x: int = 0
        _a: Any = PrivateAttr(default=None)
        _b: Any = PrivateAttr(default="b")

    class Ours(Theirs):
        pass

    class Slow(Theirs):
        pass

    assert install_fast_post_init(Ours)
    for make in (
        lambda c: c(x=1),
        lambda c: c.model_validate({"x": 1}),
        lambda c: c.model_validate_json(b'{"x": 1}'),
    ):
        ours, slow = make(Ours), make(Slow)
        assert ours.__pydantic_private__ == slow.__pydantic_private__ == {"_a": None, "_b": "b"}
    for derive in (
        lambda o: o.model_copy(),
        lambda o: o.model_copy(deep=True),
        copy.copy,
        copy.deepcopy,
    ):
        ours, slow = Ours(x=1), Slow(x=1)
        set_private(ours, _a=1)
        set_private(slow, _a=1)
        assert derive(ours).__pydantic_private__ == derive(slow).__pydantic_private__


def test_the_fast_post_init_keeps_out_of_custom_or_mutable_initialisers() -> None:
    class Custom(BaseModel):
        _a: Any = PrivateAttr(default=None)

        def model_post_init(self, context: Any, /) -> None:
            pass

    class Mutable(BaseModel):
        _a: Any = PrivateAttr(default_factory=list)

    assert not install_fast_post_init(Custom)
    assert not install_fast_post_init(Mutable)


def test_private_attributes_written_directly_read_back_through_pydantic() -> None:
    w = Widget.model_validate({"id": 1})
    set_private(w, _connection="conn", _raw={"id": 1})
    assert w._connection == "conn" and w._raw == {"id": 1}
    assert w.connection == "conn"  # type: ignore[comparison-overlap]


def test_take_state_moves_fields_extra_and_fields_set() -> None:
    old = Widget.model_validate({"id": 1, "name": "a", "colour": "red"})
    new = Widget.model_validate({"id": 1, "size": 3, "shape": "round"})
    take_state(old, new)
    assert old.model_dump() == new.model_dump()
    assert old.model_fields_set == new.model_fields_set == {"id", "size", "shape"}
    assert old.__pydantic_extra__ == {"shape": "round"}
    old.name = "b"  # still validated on assignment (as hub-sdk's ValidationError)
    with pytest.raises(ValidationError):
        old.size = "big"  # type: ignore[assignment]


def test_pickle_state_replaces_private_attributes_only() -> None:
    w = Widget.model_validate({"id": 1, "name": "a", "colour": "red"})
    set_private(w, _connection=object(), _raw={"id": 1, "name": "a"})
    state = pickle_state(w, _connection=None)
    assert state["__pydantic_private__"] == {"_connection": None, "_raw": {"id": 1, "name": "a"}}
    back = pickle.loads(pickle.dumps(w))
    assert back == w and back.model_dump() == w.model_dump() and back._connection is None


def test_copier_makes_what_a_deep_model_copy_makes_and_shares_nothing_mutable() -> None:
    class Inner(BaseModel, extra="allow"):
        tags: list[str] = []

    class Outer(BaseModel, extra="allow"):
        id: int
        settings: dict[str, Any] | None = None
        inner: Inner | None = None
        items: list[Inner] = []
        _note: Any = PrivateAttr(default=None)

    data = {
        "id": 1,
        "settings": {"a": [1, {"b": 2}], "c": "x"},
        "inner": {"tags": ["t"], "more": {"deep": [1]}},
        "items": [{"tags": []}],
        "unknown": {"kept": [True]},
    }
    template = Outer.model_validate(data)
    set_private(template, _note="n")
    make = copier(template)
    assert make is not None
    one, two = make(), make()
    deep = template.model_copy(deep=True)
    for copy_ in (one, two):
        assert copy_ == deep and copy_.model_dump() == template.model_dump()
        assert copy_.model_fields_set == template.model_fields_set
        assert copy_.__pydantic_extra__ == template.__pydantic_extra__
        assert copy_.__pydantic_private__ == {"_note": "n"}
    assert one.settings is not None and one.inner is not None
    one.settings["a"][1]["b"] = 99
    one.inner.tags.append("u")
    one.inner.more["deep"].append(2)  # type: ignore[attr-defined]
    one.items[0].tags.append("v")
    one.unknown["kept"].append(False)  # type: ignore[attr-defined]
    one.id = 2
    assert two.model_dump() == template.model_dump() == Outer.model_validate(data).model_dump()
    assert copier(("a", 1)) is None and copier("text") is None


# -- requests ----------------------------------------------------------------------------------


def _session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = "hub-sdk/test"
    s.headers["Accept"] = "application/json"
    s.cookies.set("sid", "abc", domain="127.0.0.1", path="/")
    return s


CASES = [
    ("GET", "/api/v1/trials", {"a": 1, "b": None, "c": [1, 2]}, {}, None),
    ("GET", "/api/v1/x?y=1", {"z": "é"}, {"X-Limit": "5"}, None),
    ("GET", "/api/v1/x", None, {}, None),
    ("POST", "/api/v1/x", {"q": "1"}, {"Content-Type": "application/json"}, b'{"k":1}'),
    ("DELETE", "/api/v1/x/1", None, {}, None),
    ("PATCH", "/other/path", None, {"Accept": "text/plain"}, b"[1]"),
]


def _wires(base: str) -> list[Wire]:
    return [Wire(method, base + path, q, h, data) for method, path, q, h, data in CASES]


def _theirs(session: requests.Session, wire: Wire) -> requests.PreparedRequest:
    return session.prepare_request(
        requests.Request(
            wire.method, wire.url, headers=wire.headers, params=wire.query, data=wire.data
        )
    )


@pytest.mark.parametrize("wire", _wires("http://127.0.0.1:9"), ids=lambda w: f"{w.method} {w.url}")
def test_the_hand_built_request_is_the_one_requests_builds(wire: Wire) -> None:
    session = _session()
    ours, theirs = prepare(session, wire), _theirs(session, wire)
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert list(ours.headers.items()) == list(theirs.headers.items())
    # Session.send reads the private ``_cookies`` to extract the response's cookies.
    assert dict(ours._cookies) == dict(theirs._cookies)  # type: ignore[attr-defined]
    assert ours.hooks == theirs.hooks


class _RawServer:
    """A loopback server that records each request's bytes and answers 204."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                lengths = re.findall(rb"(?im)^content-length: *(\d+)", head)
                while len(body) < int(lengths[0] if lengths else 0):
                    body += conn.recv(65536)
                self.received.append(data[: len(head) + 4] + body)
                conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def raw_server() -> Iterator[_RawServer]:
    server = _RawServer()
    yield server
    server.close()


def test_the_hand_built_request_goes_out_byte_for_byte(raw_server: _RawServer) -> None:
    session = _session()
    for wire in _wires(raw_server.url):
        session.send(prepare(session, wire), timeout=5)
        session.send(_theirs(session, wire), timeout=5)
        theirs, ours = raw_server.received.pop(), raw_server.received.pop()
        assert ours == theirs, wire


def test_a_refused_connection_is_told_from_a_broken_one() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert outcome(refused.value) is Outcome.CONNECT_FAILED

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def hang_up() -> None:
            conn, _ = server.accept()
            conn.recv(65536)
            conn.close()

        threading.Thread(target=hang_up, daemon=True).start()
        with pytest.raises(requests.ConnectionError) as lost:
            requests.get(f"http://127.0.0.1:{server.getsockname()[1]}/", timeout=2)
    assert outcome(lost.value) is Outcome.CONNECTION_LOST


def test_gadget_and_widget_resources_also_run_the_fast_post_init() -> None:
    assert Widget.model_post_init is Gadget.model_post_init is _fast_post_init


def _body_server(body: bytes, chunked: bool = False) -> RawServer:
    """A loopback server answering every request on a kept-alive socket with ``body``."""

    def handler(sock: socket.socket, req: RawRequest) -> None:
        if not chunked:
            respond(sock, 200, body)
            return
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        sock.sendall(head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))

    return RawServer(handler)


@pytest.mark.parametrize("chunked", [False, True])
def test_read_body_hands_requests_the_content_it_read(chunked: bool) -> None:
    body = b"x" * 300_000
    session = requests.Session()
    with _body_server(body, chunked) as server:
        resp = session.get(server.url, stream=True, timeout=5)
        assert read_body(resp, len(body)) and resp.content == body and resp.text
        resp = session.get(server.url, stream=True, timeout=5)
        assert not read_body(resp, 100_000, partial=True) and resp.content == body[:100_000]
        resp = session.get(server.url, stream=True, timeout=5)
        assert not read_body(resp, 100_000) and resp.content == b""
        assert session.get(server.url, timeout=5).content == body
        assert server.accepted == 3  # the complete read kept the socket, the cut ones did not


def test_the_tracking_pools_attach_connections_to_the_running_deadline() -> None:
    session = requests.Session()
    session.mount("http://", TrackingAdapter(max_retries=0))
    deadline = Deadline(30, "call")
    with _body_server(b"{}") as server:
        current.value = deadline
        try:
            resp = session.get(server.url, stream=True, timeout=5)
        finally:
            current.value = None
        conn = resp.raw.connection
        assert conn is not None and conn.hub_sdk_deadline is deadline
        assert deadline._conns == {conn}
        assert resp.content == b"{}"  # read to the end: the connection goes back, detached
        assert deadline._conns == set() and conn.hub_sdk_deadline is None
        resp = session.get(server.url, stream=True, timeout=5)
        current.value = deadline
        try:
            deadline.expire()  # cuts the sockets in use: none now
        finally:
            current.value = None
        assert resp.content == b"{}"
