"""Bad arguments and bad server bodies produce only typed errors that name the field.

* Hypothesis-generated wrong-typed arguments to ``create`` and ``update`` of several
  resources raise :class:`ValidationError` naming the field, and nothing is sent (the
  connection's ``requests_sent`` and LocalHub's received counters do not move).
* Arbitrary server bodies (bytes, wrong JSON types, missing envelope keys, wrong field types)
  served by a real loopback server raise only :class:`HubError` subclasses; a wrongly typed
  field is named in the message.
"""

from __future__ import annotations

import json
import math
import pickle
import string
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub_sdk import auger, fedn
from hub_sdk.core import RetryPolicy
from hub_sdk.errors import HubError, ResponseDecodeError, ValidationError
from hub_sdk.fedn import FednConnection
from hub_sdk.testing import LocalHub
from tests.conftest import examples

from .conftest import LoopbackServer, Recorded, auger_conn

NO_RETRY = RetryPolicy(max_retries=0)

# -- wrong-typed arguments ----------------------------------------------------------------------

small = st.one_of(st.integers(), st.text(max_size=4), st.booleans(), st.none())
containers = st.one_of(
    st.lists(small, min_size=0, max_size=3), st.dictionaries(st.text(max_size=4), small, max_size=3)
)
# Bytes that are not UTF-8 (pydantic takes UTF-8 bytes as a string): 0xFF never occurs in UTF-8,
# so inserting it anywhere makes any drawn bytes invalid, by construction rather than by filter.
NOT_UTF8 = st.tuples(st.binary(max_size=8), st.binary(max_size=8)).map(
    lambda parts: parts[0] + b"\xff" + parts[1]
)
NOT_STR = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    containers,
    NOT_UTF8,
)
NOT_INT = st.one_of(
    st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
    st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    containers,
)
NOT_JSON = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.builds(object),
    st.lists(st.sampled_from([math.nan, math.inf]), min_size=1, max_size=2),
)

# resource -> (valid create arguments, {field: invalid-value strategy})
RESOURCES: dict[str, tuple[Any, dict[str, Any], dict[str, st.SearchStrategy[Any]]]] = {
    "Experiment": (
        auger,
        {"name": "exp"},
        {"name": NOT_STR, "project_id": NOT_INT, "project_file_id": NOT_INT},
    ),
    "ExperimentSession": (
        auger,
        {"experiment_id": "e1"},
        {"experiment_id": NOT_STR, "status": NOT_STR, "message": NOT_STR, "project_id": NOT_INT},
    ),
    "Pipeline": (
        auger,
        {"trial_id": "t1"},
        {"trial_id": NOT_STR, "status": NOT_STR, "project_id": NOT_INT},
    ),
    "Organization": (auger, {"name": "org"}, {"name": NOT_STR, "subdomain": NOT_STR}),
}


@st.composite
def bad_arguments(draw: st.DrawFn) -> tuple[str, str, dict[str, Any], str]:
    """(resource, verb, arguments, the offending field)."""
    name = draw(st.sampled_from(sorted(RESOURCES)))
    _, valid, typed = RESOURCES[name]
    verb = draw(st.sampled_from(["create", "update"]))
    if draw(st.booleans()):
        field = draw(st.sampled_from(sorted(typed)))
        value = draw(typed[field])
    else:  # an unknown (extra) argument whose value cannot travel as JSON
        field = draw(st.sampled_from(["custom", "notes", "score"]))
        value = draw(NOT_JSON)
    args = dict(valid) if verb == "create" else {}
    args[field] = value
    return name, verb, args, field


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    """One LocalHub for the module (nothing here writes successfully)."""
    with LocalHub(seed="demo", size=50) as h:
        yield h


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(case=bad_arguments())
def test_invalid_arguments_are_rejected_before_sending(hub: LocalHub, case: Any) -> None:
    name, verb, args, field = case
    api, _, _ = RESOURCES[name]
    cls = getattr(api, name)
    conn = auger_conn(hub.url, hub.project_token, retry_policy=NO_RETRY)
    received = sum(hub.stats["requests"].values())
    with pytest.raises(ValidationError) as err:
        if verb == "create":
            cls.create(connection=conn, **args)
        else:
            cls.update("some-id", connection=conn, **args)
    assert field in err.value.fields, (err.value.field_errors, field)
    assert field in str(err.value)
    assert conn.requests_sent == 0
    assert sum(hub.stats["requests"].values()) == received


@settings(max_examples=examples(40), deadline=None)
@given(name=st.one_of(st.integers(), containers, NOT_JSON))
def test_fedn_update_rejects_bad_values_before_sending(name: Any) -> None:
    conn = FednConnection("http://127.0.0.1:9", retry_policy=NO_RETRY)
    with pytest.raises(ValidationError) as err:
        fedn.Model.update("m1", connection=conn, name=name)
    assert "name" in err.value.fields
    assert conn.requests_sent == 0


def test_missing_required_and_empty_ids_are_named() -> None:
    conn = auger_conn("http://127.0.0.1:9", "tok", retry_policy=NO_RETRY)
    with pytest.raises(ValidationError) as err:
        auger.Experiment.create(connection=conn)
    assert err.value.fields == ["name"]
    for bad_id in ("", None):
        with pytest.raises(ValidationError) as err:
            auger.Experiment.update(bad_id, connection=conn, name="x")
        assert err.value.fields == ["id"]
    with pytest.raises(ValidationError) as err:
        auger.Trial.list(connection=conn, page_size=0)
    assert err.value.fields == ["page_size"]
    assert conn.requests_sent == 0


# -- arbitrary server bodies ----------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)
WRONG_FIELD_TYPES = {
    "id": st.one_of(st.lists(st.integers(), max_size=2), st.dictionaries(st.text(), st.integers())),
    "name": st.one_of(
        st.lists(st.integers(), max_size=2), st.dictionaries(st.text(), st.integers())
    ),
    "project_id": st.one_of(
        st.text(alphabet=string.ascii_letters, min_size=1), st.lists(st.none())
    ),
    "created_at": st.one_of(
        st.text(alphabet=string.ascii_letters, min_size=1), st.lists(st.none())
    ),
}


def nested(depth: int, leaf: bytes = b"1", *, dicts: bool = False) -> bytes:
    """JSON nested ``depth`` levels deep: ``[[[1]]]`` or ``{"a":{"a":1}}``."""
    if dicts:
        return b'{"a":' * depth + leaf + b"}" * depth
    return b"[" * depth + leaf + b"]" * depth


@st.composite
def deep_json(draw: st.DrawFn) -> bytes:
    """A JSON value nested from a few to thousands of levels (a parser's limits included)."""
    depth = draw(st.sampled_from([3, 150, 199, 200, 201, 202, 300, 500, 1000, 3000]))
    return nested(depth, dicts=draw(st.booleans()))


@st.composite
def server_bodies(draw: st.DrawFn) -> tuple[int, bytes, str | None]:
    """(status, body, the field the body gets wrong, if it is a well-formed envelope)."""
    status = draw(st.sampled_from([200, 200, 200, 201, 400, 404, 409, 422, 500]))
    kinds = ["bytes", "json", "no_data", "wrong_data", "wrong_field", "html"]
    kind = draw(st.sampled_from([*kinds, "deep", "deep", "deep_field"]))
    if kind == "deep":  # bare, or where the envelope keeps its data or its errors
        deep = draw(deep_json())
        return status, draw(
            st.sampled_from(
                [
                    deep,
                    b'{"data":' + deep + b',"meta":{"status":200}}',
                    b'{"meta":{"status":400,"errors":' + deep + b"}}",
                    b'{"meta":{"status":400},"detail":' + deep + b"}",
                ]
            )
        ), None
    if kind == "deep_field":  # a well-formed object with one deeply nested field
        deep = draw(deep_json())
        obj = b'{"id":"e1","name":"n","object":"experiment","search_space":{"x":' + deep + b"}}"
        return status, b'{"data":' + obj + b',"meta":{"status":200}}', None
    if kind == "bytes":
        return status, draw(st.binary(max_size=64)), None
    if kind == "html":
        return status, b"<html><body><h1>Oops</h1></body></html>", None
    if kind == "json":
        return status, json.dumps(draw(json_values)).encode(), None
    if kind == "no_data":
        meta = draw(st.dictionaries(st.text(max_size=5), json_values, max_size=2))
        return status, json.dumps({"meta": meta}).encode(), None
    if kind == "wrong_data":
        data = draw(
            st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2))
        )
        return status, json.dumps({"data": data, "meta": {"status": status}}).encode(), None
    field = draw(st.sampled_from(sorted(WRONG_FIELD_TYPES)))
    obj: dict[str, Any] = {"id": "e1", "name": "n", "object": "experiment"}
    obj[field] = draw(WRONG_FIELD_TYPES[field])
    return 200, json.dumps({"data": obj, "meta": {"status": 200}}).encode(), field


@pytest.fixture(scope="module")
def body_server() -> Iterator[LoopbackServer]:
    """A loopback server answering whatever ``server.next`` holds."""
    server = LoopbackServer()
    server.next = (200, b"{}")  # type: ignore[attr-defined]

    def reply(rec: Recorded) -> tuple[int, dict[str, str], bytes]:
        status, body = server.next  # type: ignore[attr-defined]
        return status, {"Content-Type": "application/json"}, body

    server.reply = reply
    yield server
    server.close()


CALLS: dict[str, Callable[[Any], Any]] = {
    "get": lambda c: auger.Experiment.get("e1", connection=c),
    "list": lambda c: auger.Experiment.list(connection=c).to_list(limit=5),
    "create": lambda c: auger.Experiment.create(connection=c, name="x"),
    "update": lambda c: auger.Experiment.update("e1", connection=c, name="x"),
    "first": lambda c: auger.Trial.list(connection=c).first(),
}


@settings(max_examples=examples(200), deadline=None)
@given(body=server_bodies(), call=st.sampled_from(sorted(CALLS)))
def test_arbitrary_bodies_raise_only_typed_errors(
    body_server: LoopbackServer, body: tuple[int, bytes, str | None], call: str
) -> None:
    status, payload, wrong_field = body
    body_server.next = (status, payload)  # type: ignore[attr-defined]
    conn = auger_conn(body_server.url, "tok", retry_policy=NO_RETRY)
    try:
        result = CALLS[call](conn)
    except HubError as exc:
        text = str(exc)
        if wrong_field is not None and call in ("get", "create", "update"):
            assert isinstance(exc, ResponseDecodeError), repr(exc)
            assert wrong_field in text, text
        if 200 <= status < 300 and wrong_field is None:
            assert isinstance(exc, ResponseDecodeError), repr(exc)
        elif status >= 300:
            assert exc.status == status, repr(exc)
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == text
    else:
        assert 200 <= status < 300 and wrong_field is None, (status, payload[:80])
        # What came back is usable: shown, compared, cached and read back from the cache.
        for obj in result if isinstance(result, list) else [result]:
            if obj is None:
                continue
            repr(obj)
            obj.changes()
            if call in ("get", "create", "update"):
                assert type(obj).get(obj.pk, connection=conn, cached=True) == obj
    finally:
        conn.close()


@pytest.mark.parametrize("depth", [250, 500, 3000])
@pytest.mark.parametrize("where", ["bare", "data", "field", "error"])
@pytest.mark.parametrize("status", [200, 400, 500])
def test_deeply_nested_json_raises_a_typed_error(
    body_server: LoopbackServer, depth: int, where: str, status: int
) -> None:
    deep = nested(depth, dicts=depth == 500)
    payload = {
        "bare": deep,
        "data": b'{"data":' + deep + b',"meta":{}}',
        "field": b'{"data":{"id":"e1","name":"n","search_space":{"x":' + deep + b'}},"meta":{}}',
        "error": b'{"meta":{"status":400,"errors":[{"message":' + deep + b"}]}}",
    }[where]
    body_server.next = (status, payload)  # type: ignore[attr-defined]
    conn = auger_conn(body_server.url, "tok", retry_policy=NO_RETRY)
    fconn = FednConnection(body_server.url, retry_policy=NO_RETRY)
    calls: list[Callable[[], Any]] = [
        lambda: auger.Experiment.get("e1", connection=conn),
        lambda: auger.Experiment.create(connection=conn, name="x"),
        lambda: auger.Experiment.list(connection=conn).first(),
        lambda: fedn.Model.get("m1", connection=fconn),
        lambda: fedn.Model.list(connection=fconn).first(),
    ]
    try:
        for call in calls:
            with pytest.raises(HubError) as err:
                call()
            if status == 200:
                assert isinstance(err.value, ResponseDecodeError), repr(err.value)
                if where != "error":  # (that one has no data: a wrong shape)
                    assert "nests deeper" in str(err.value) or "recursion" in str(err.value)
            else:
                assert err.value.status == status
    finally:
        conn.close()
        fconn.close()


@settings(max_examples=examples(60), deadline=None)
@given(body=st.one_of(st.binary(max_size=64), json_values.map(lambda v: json.dumps(v).encode())))
def test_fedn_bodies_raise_only_typed_errors(body_server: LoopbackServer, body: bytes) -> None:
    body_server.next = (200, body)  # type: ignore[attr-defined]
    conn = FednConnection(body_server.url, retry_policy=NO_RETRY)
    try:
        for call in (
            lambda: fedn.Model.get("m1", connection=conn),
            lambda: fedn.Model.list(connection=conn).to_list(limit=3),
        ):
            try:
                call()
            except HubError:
                pass
    finally:
        conn.close()


@pytest.mark.parametrize("body", [b"", b"null", b'"many"', b"[1]", b'{"count": 3}'])
def test_fedn_count_body_that_is_not_a_number(body_server: LoopbackServer, body: bytes) -> None:
    body_server.next = (200, body)  # type: ignore[attr-defined]
    conn = FednConnection(body_server.url, retry_policy=NO_RETRY)
    try:
        with pytest.raises(HubError):
            fedn.Model.count(connection=conn)
    finally:
        conn.close()
