"""Resources over real HTTP: verbs, dirty tracking, relations, cache, validation before sending."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub_sdk.auger import connect
from hub_sdk.core import context
from hub_sdk.core.decoding import from_data
from hub_sdk.errors import (
    AuthenticationError,
    BadRequestError,
    HubError,
    NotFoundError,
    UnsupportedActionError,
    ValidationError,
)

from .conftest import Gadget, Widget


def test_get_list_create_roundtrip(toy, conn):
    toy.add("widgets", name="a", size=1, created_at="2019-03-14T10:58:30.648Z")
    w = Widget.get(1)
    assert w.name == "a" and w.size == 1
    assert w.created_at is not None and w.created_at.tzinfo is not None
    assert w.object == "widget" and w.deleted is False
    created = Widget.create(name="b", size=2, tags=["x"])
    assert isinstance(created.id, int) and created.tags == ["x"]
    assert [x.name for x in Widget.list()] == ["a", "b"]
    assert created.connection is conn


def test_save_sends_only_changed_writable_fields_including_in_place_edits(toy, conn):
    toy.add("widgets", name="a", size=1, tags=["x"], settings={"deep": {"k": 1}})
    w = Widget.get(1)
    assert w.changes() == {}
    before = len(toy.log)
    w.save()  # nothing changed: nothing sent
    assert len(toy.log) == before
    w.tags.append("y")
    w.settings["deep"]["k"] = 2
    w.size = 5
    assert w.changes() == {"settings": {"deep": {"k": 2}}, "size": 5, "tags": ["x", "y"]}
    w.save()
    method, path, body = toy.log[-1]
    assert (method, path) == ("PATCH", "/api/v1/widgets/1")
    body.pop("project_api_token", None)
    assert body == {"settings": {"deep": {"k": 2}}, "size": 5, "tags": ["x", "y"]}
    assert w.changes() == {}


def test_read_only_fields_of_a_server_object_cannot_be_assigned(toy, conn):
    """save() would not send them (and a changed id would pick another object to save)."""
    toy.add("widgets", name="a")
    w = Widget.get(1)
    for name, value in (("kind_label", "mine"), ("id", 2)):
        with pytest.raises(ValidationError, match="read-only") as err:
            setattr(w, name, value)
        assert err.value.fields == [name]
    assert w.changes() == {} and w.id == 1


def test_assignment_is_validated(toy, conn):
    toy.add("widgets", name="a")
    w = Widget.get(1)
    with pytest.raises(Exception) as err:
        w.size = "not a number"
    assert "size" in str(err.value)


def test_refresh_and_delete(toy, conn):
    toy.add("widgets", name="a")
    w = Widget.get(1)
    toy.data["widgets"]["1"]["name"] = "changed on server"
    assert w.refresh().name == "changed on server"
    w.delete()
    assert w.deleted is True
    with pytest.raises(NotFoundError) as err:
        Widget.get(1)
    assert err.value.status == 404 and err.value.request_id


def test_custom_action_updates_the_object(toy, conn):
    toy.add("widgets", name="a")
    w = Widget.get(1)
    assert w.polish() is w
    assert w.kind_label == "polished"


def test_invalid_arguments_are_rejected_before_sending(toy, conn):
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Widget.create(size="big")
    assert set(err.value.fields) == {"name", "size"}
    assert len(toy.log) == before


def test_server_field_errors_are_typed(toy, conn):
    with pytest.raises(BadRequestError) as err:
        conn.request("POST", "widgets", body={"size": 1})
    assert err.value.field_errors == [("name", "is required")]
    assert err.value.status == 400 and "name is required" in str(err.value)


def test_unsupported_action(toy, conn):
    with pytest.raises(UnsupportedActionError):
        Gadget.update("x", name="y")


def test_wrong_token_is_authentication_error(toy):
    c = connect(toy.url, project_token="wrong", default=False)
    with pytest.raises(AuthenticationError) as err:
        Widget.list(connection=c).first()
    assert "wrong" not in str(err.value)


def test_children_manager_and_parent_cache(toy, conn):
    toy.add("widgets", name="w1")
    toy.add("widgets", name="w2")
    w1 = Widget.get(1)
    g = w1.gadgets.create(id="g1", name="first")
    assert g.widget_id == 1
    w1.gadgets.create(id="g2", name="second")
    Widget.get(2).gadgets.create(id="g3", name="third")
    assert [x.id for x in w1.gadgets()] == ["g1", "g2"]
    assert w1.gadgets.count() == 2
    assert w1.gadgets.first().id == "g1"
    conn.cache.clear()
    before = len(toy.requests_to("GET"))
    parents = [x.widget.name for x in Gadget.list()]
    gets = [r for r in toy.requests_to("GET")[before:] if r[1].startswith("/api/v1/widgets/")]
    assert parents == ["w1", "w1", "w2"]
    assert len(gets) == 2  # one lookup per distinct parent, then the cache


def test_writes_through_the_connection_invalidate_the_cache(toy, conn):
    toy.add("widgets", name="old")
    toy.add("gadgets", id="g", widget_id=1)
    g = Gadget.get("g")
    assert g.widget.name == "old"
    w = Widget.get(1)
    w.name = "new"
    w.save()
    assert g.widget.name == "new"
    Widget.update(1, name="newer")
    assert g.widget.name == "newer"


def test_equality_hash_and_repr(toy, conn):
    toy.add("widgets", name="a" * 100)
    a, b = Widget.get(1), Widget.get(1)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != Gadget.model_construct(id=1)
    assert repr(a).startswith("<Widget id=1 name='aaaa") and repr(a).endswith("...>")


def test_pickle_drops_the_connection(toy, conn):
    toy.add("widgets", name="a")
    w = pickle.loads(pickle.dumps(Widget.get(1)))
    assert w.name == "a" and w.connection is None
    with pytest.raises(TypeError):
        pickle.dumps(conn)


def test_default_connection_scoping(toy):
    context.clear_default("auger")
    with pytest.raises(HubError, match="connect"):
        Widget.list().first()
    c1 = connect(toy.url, project_token=toy.token)  # the process-wide default
    c2 = connect(toy.url, project_token=toy.token, default=False)
    toy.add("widgets", name="a")
    assert Widget.get(1).connection is c1
    with c2:  # (threads: tests/core/test_strict.py)
        assert Widget.get(1).connection is c2
    assert Widget.get(1).connection is c1
    context.clear_default("auger")


json_scalars = st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=20)


@given(
    name=st.text(max_size=30),
    size=st.none() | st.integers(-(10**12), 10**12),
    tags=st.none() | st.lists(st.text(max_size=10), max_size=5),
    settings=st.none() | st.dictionaries(st.text(max_size=8), json_scalars, max_size=5),
    extra=st.dictionaries(st.sampled_from(["zeta", "omega"]), json_scalars, max_size=2),
)
def test_model_round_trip(name, size, tags, settings, extra):
    data = {
        "object": "widget",
        "deleted": False,
        "id": 7,
        "name": name,
        "size": size,
        "tags": tags,
        "settings": settings,
        **extra,
    }
    w = from_data(Widget, data, None)
    dumped = w.model_dump(mode="json", exclude_unset=True)
    assert dumped == data
    assert from_data(Widget, dumped, None) == w
    assert w.changes() == {}


def test_listed_objects_track_in_place_edits_and_save(toy, conn):
    toy.add("widgets", name="a", settings={"deep": {"k": 1}}, tags=["x"])
    toy.add("widgets", name="b")
    w = Widget.list()[0]
    assert w.changes() == {}
    w.settings["deep"]["k"] = 2
    w.tags.append("y")
    assert w.changes() == {"settings": {"deep": {"k": 2}}, "tags": ["x", "y"]}
    w.save()
    assert toy.data["widgets"]["1"]["settings"] == {"deep": {"k": 2}}
    assert Widget.list()[1].changes() == {}


def test_a_listing_of_the_wrong_shape_names_the_field_and_is_not_retried(toy):
    from hub_sdk.errors import ResponseDecodeError

    toy.add("widgets", name="a", size="not a number")
    c = connect(toy.url, project_token=toy.token, default=False, max_retries=3)
    before = len(toy.log)
    with pytest.raises(ResponseDecodeError) as err:
        Widget.list(connection=c).to_list()
    assert "data.0.size" in str(err.value) and not err.value.retryable
    assert len(toy.log) == before + 1  # valid JSON of the wrong shape: no retry


def test_pickled_listed_objects_carry_plain_data_and_no_token(toy, conn):
    toy.add("widgets", name="a", tags=["x"])
    w = Widget.list().first()
    data = pickle.dumps(w)
    assert toy.token.encode() not in data
    back = pickle.loads(data)
    assert back == w and back.tags == ["x"] and back.changes() == {}


def test_listed_pages_are_freed_without_the_cycle_collector(toy, conn):
    import gc
    import weakref

    for i in range(12):
        toy.add("widgets", name=f"w{i}")
    gc.collect()
    gc.disable()
    try:
        it = iter(Widget.list(page_size=5))
        first = next(it)
        ref = weakref.ref(first)
        del first
        for _ in it:
            pass
        del it
        assert ref() is None  # no reference cycle keeps a page (and its bytes) alive
    finally:
        gc.enable()
