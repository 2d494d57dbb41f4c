"""Strict at the edge: unknown fields and filters, wrong types, copies, closed connections,
threads and empty parent keys are clear errors before anything is sent."""

from __future__ import annotations

import contextvars
import copy
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from hub_sdk import auger
from hub_sdk.auger import connect
from hub_sdk.core import context
from hub_sdk.errors import HubError, MissingParentError, ValidationError

from .conftest import Gadget, Widget

# -- unknown fields ----------------------------------------------------------------------------


def test_create_and_update_refuse_unknown_fields_naming_the_nearest(toy, conn):
    toy.add("widgets", name="a")
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Widget.create(name="a", nme="typo")
    assert err.value.fields == ["nme"] and "did you mean 'name'" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Widget.update(1, sise=3)
    assert err.value.fields == ["sise"] and "did you mean 'size'" in str(err.value)
    assert len(toy.log) == before


def test_assignment_refuses_unknown_fields_and_wrong_types(toy, conn):
    toy.add("widgets", name="a")
    w = Widget.get(1)
    with pytest.raises(ValidationError) as err:
        w.nme = "typo"
    assert err.value.fields == ["nme"] and "did you mean 'name'" in str(err.value)
    assert "extra=" in str(err.value)  # says how to send a field the SDK does not declare
    with pytest.raises(ValidationError) as err:  # hub-sdk's, not pydantic's
        w.size = "not a number"
    assert err.value.fields == ["size"] and "Widget" in str(err.value)
    assert w.size is None and w.changes() == {} and "nme" not in (w.model_extra or {})


def test_a_local_object_with_unknown_fields_is_not_created(toy, conn):
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Gadget(id="g9", name="a", nme="typo").save()
    assert err.value.fields == ["nme"]
    assert len(toy.log) == before


def test_fields_the_server_sent_stay_writable(toy, conn):
    toy.add("widgets", name="a", colour="red")  # a field the SDK does not declare
    w = Widget.get(1)
    assert w.model_extra == {"colour": "red"}
    w.colour = "blue"
    assert w.changes() == {"colour": "blue"}
    w.save()
    assert toy.log[-1][2]["colour"] == "blue"


def test_extra_sends_undeclared_fields_explicitly(toy, conn):
    created = Widget.create(name="a", extra={"colour": "red"})
    assert toy.log[-1][2]["colour"] == "red" and created.model_extra == {"colour": "red"}
    Widget.update(created.id, extra={"colour": "green"})
    assert toy.log[-1][2]["colour"] == "green"
    w = Widget.get(created.id)
    w.size = 2
    w.save(extra={"shape": "round"})
    assert {k: toy.log[-1][2].get(k) for k in ("size", "shape")} == {"size": 2, "shape": "round"}
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Widget.create(name="a", extra={"size": "big"})  # declared: pass it as a keyword
    assert err.value.fields == ["extra.size"]
    with pytest.raises(ValidationError) as err:
        Widget.create(name="a", extra=["colour"])
    assert err.value.fields == ["extra"]
    assert len(toy.log) == before


def test_lone_surrogates_are_refused_naming_the_field(toy, conn):
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Widget.create(name="bad \ud800 text")
    assert "name" in err.value.fields and "surrogate" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Widget.create(name="ok", settings={"deep": ["\udfff"]})
    assert "settings.deep.0" in err.value.fields
    with pytest.raises(ValidationError) as err:
        Widget.get("\ud800")
    assert err.value.fields == ["id"]
    with pytest.raises(ValidationError) as err:
        Gadget.list(widget_id="\udc80").first()  # a filter, in the body
    assert err.value.fields == ["widget_id"]
    assert len(toy.log) == before
    Widget.create(name="emoji \U0001f600 fine")  # a real astral character is fine


# -- filters -----------------------------------------------------------------------------------


def test_unknown_and_none_filters_are_refused_before_any_request(toy, conn):
    toy.add("widgets", name="w")
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Gadget.list(widget_idd=1)
    assert err.value.fields == ["widget_idd"] and "did you mean 'widget_id'" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Gadget.list(widget_id=None)
    assert err.value.fields == ["widget_id"] and "leave it out" in str(err.value)
    with pytest.raises(ValidationError) as err:
        Widget.list(name="x")  # Widget declares no filters
    assert err.value.fields == ["name"]
    with pytest.raises(ValidationError) as err:
        Widget.list(order_by="name")  # the Auger API cannot order
    assert err.value.fields == ["order_by"]
    assert len(toy.log) == before
    w = Widget.get(1)
    w.gadgets.create(id="g1", name="x")
    assert [g.id for g in w.gadgets()] == ["g1"]  # the child manager's key is a filter
    assert [g.id for g in Gadget.list(widget_id=1)] == ["g1"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "empty string"),
        ("  ", "empty string"),
        ([], "empty list"),
        ((), "empty tuple"),
        (set(), "empty set"),
        ({}, "dict"),
        ({"id": 1}, "dict"),
        ([1, 2], "takes one value"),
    ],
)
def test_empty_and_container_filter_values_are_refused_before_any_request(
    toy, conn, value, words
):
    toy.add("widgets", name="w")
    before = len(toy.log)
    for call in (
        lambda: Gadget.list(widget_id=value),
        lambda: auger.Trial.list(experiment_session_id=value),
    ):
        with pytest.raises(ValidationError) as err:
            call()
        assert len(err.value.fields) == 1 and words in str(err.value), str(err.value)
    if words.startswith("empty"):
        assert "leave it out" in str(err.value)
    assert len(toy.log) == before


def test_an_object_is_no_filter_value_on_the_auger_hub(toy, conn):
    toy.add("widgets", name="w")
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Gadget.list(widget_id=Widget.get(1))
    assert err.value.fields == ["widget_id"] and "pass its id" in str(err.value)
    assert len(toy.log) == before + 1  # the get only


@pytest.mark.parametrize("order_by", [5, ["name"], b"name"])
def test_an_order_by_that_is_no_string_is_a_validation_error(toy, conn, order_by):
    before = len(toy.log)
    with pytest.raises(ValidationError) as err:
        Widget.list(order_by=order_by)
    assert err.value.fields == ["order_by"] and "string" in str(err.value)
    assert len(toy.log) == before


@pytest.mark.parametrize("pk", ["", None, " "])
def test_children_of_an_object_without_an_id_are_refused(toy, conn, pk):
    toy.add("widgets", name="w")
    toy.add("gadgets", id="g", widget_id=1)
    before = len(toy.log)
    owner = Widget.model_construct(id=pk)
    experiment = auger.Experiment.model_construct(id=pk)
    for call in (
        owner.gadgets,
        owner.gadgets.count,
        owner.gadgets.first,
        lambda: list(owner.gadgets),
        lambda: owner.gadgets.create(id="g2"),
        experiment.sessions,
        experiment.sessions.count,
    ):
        with pytest.raises(MissingParentError, match="without an id"):
            call()
    assert len(toy.log) == before


# -- parents -----------------------------------------------------------------------------------


def test_a_parent_with_an_empty_key_is_a_clear_error(toy, conn):
    toy.add("gadgets", id="orphan")
    orphan = Gadget.get("orphan")
    with pytest.raises(MissingParentError) as err:
        _ = orphan.widget
    assert "widget_id" in str(err.value) and "orphan" in str(err.value)
    assert orphan.maybe_widget is None  # declared optional


# -- copies ------------------------------------------------------------------------------------


def test_deep_copies_are_independent_and_keep_the_connection(toy, conn):
    toy.add("widgets", name="a", tags=["x"], settings={"deep": {"k": 1}})
    toy.add("gadgets", id="g", widget_id=1)
    w = Widget.get(1)
    for twin in (copy.deepcopy(w), w.model_copy(deep=True)):
        assert twin == w and twin is not w and twin.connection is conn
        twin.tags.append("y")
        twin.settings["deep"]["k"] = 2
        assert w.tags == ["x"] and w.settings == {"deep": {"k": 1}}
        assert twin.changes() == {"settings": {"deep": {"k": 2}}, "tags": ["x", "y"]}
        assert w.changes() == {}
    g = copy.deepcopy(Gadget.get("g"))
    assert g.widget.name == "a" and g.widget.connection is conn
    assert copy.copy(w).connection is conn


# -- closed connections ----------------------------------------------------------------------


def test_a_closed_connection_refuses_to_reconnect(toy):
    c = connect(toy.url, project_token=toy.token, default=False)
    toy.add("widgets", name="a")
    assert Widget.get(1, connection=c).name == "a"
    c.close()
    before = len(toy.log)
    with pytest.raises(HubError, match="closed"):
        Widget.get(1, connection=c)
    with pytest.raises(HubError, match="closed"):
        Widget.list(connection=c).first()
    assert len(toy.log) == before
    c.close()  # closing twice is fine


def test_a_closed_connection_serves_nothing_from_its_cache(toy):
    c = connect(toy.url, project_token=toy.token, default=False)
    toy.add("widgets", name="a")
    assert Widget.get(1, connection=c, cached=True).name == "a"
    c.close()
    with pytest.raises(HubError, match="closed"):
        Widget.get(1, connection=c, cached=True)
    with pytest.raises(HubError, match="closed"), c:
        pass  # not reached: a closed connection cannot become the default
    assert context.get_default("auger") is not c


# -- connection options ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", "x"),
        ("timeout", -1),
        ("timeout", 0),
        ("timeout", float("inf")),
        ("timeout", (1,)),
        ("timeout", (5, "x")),
        ("timeout", [5, 60]),
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("max_retries", True),
        ("cache_size", "a"),
        ("cache_size", -1),
        ("cache_ttl", "a"),
        ("cache_ttl", -1),
        ("deadline", "x"),
        ("deadline", 0),
        ("max_response_bytes", "x"),
        ("max_response_bytes", 0),
        ("verify", 3),
        ("verify", ""),
    ],
)
def test_connection_options_are_checked_at_connect(toy, option, value):
    with pytest.raises(ValidationError) as err:
        connect(toy.url, project_token=toy.token, default=False, **{option: value})
    assert err.value.fields == [option] and option in str(err.value)
    assert not toy.log


def test_good_connection_options_pass(toy):
    c = connect(toy.url, project_token=toy.token, default=False, timeout=(2, None),
                max_retries=0, cache_size=0, cache_ttl=0, deadline=9.5,
                max_response_bytes=1024, verify="/etc/ssl/certs/ca-certificates.crt")
    assert c.timeout == (2, None) and c.retry.max_retries == 0
    c.close()


@pytest.mark.parametrize(
    ("option", "value"),
    [("timeout", "x"), ("timeout", -2), ("deadline", "soon"), ("max_retries", -1)],
)
def test_per_call_options_are_checked_before_sending(toy, conn, option, value):
    with pytest.raises(ValidationError) as err:
        conn.request("GET", "widgets", **{option: value})
    assert err.value.fields == [option]
    assert not toy.log


# -- threads and default connections -----------------------------------------------------------


def test_threads_do_not_silently_use_another_default(toy):
    context.clear_default("auger")
    c1 = connect(toy.url, project_token=toy.token)  # the process-wide default
    c2 = connect(toy.url, project_token=toy.token, default=False)
    toy.add("widgets", name="a")
    try:
        with c2:
            assert Widget.get(1).connection is c2
            with ThreadPoolExecutor(2) as pool:
                # A thread does not inherit the `with` block: resolving the default there is
                # ambiguous (c1 or c2?), so it is an error rather than c1.
                with pytest.raises(HubError, match="with conn"):
                    pool.submit(Widget.get, 1).result()
                # Run the task in a copy of the caller's context: it sees c2.
                task = pool.submit(contextvars.copy_context().run, Widget.get, 1)
                assert task.result().connection is c2
                # An explicit connection always works.
                assert pool.submit(Widget.get, 1, connection=c1).result().connection is c1
            # The SDK's own threads (prefetching pages) use the listing's connection.
            listed = Widget.list(prefetch=True, page_size=1)
            assert [w.connection for w in listed] == [c2]
        # Outside any block, threads use the process-wide default as before.
        seen: list[object] = []
        t = threading.Thread(target=lambda: seen.append(Widget.get(1).connection))
        t.start()
        t.join()
        assert seen == [c1]
        # A block on the default connection itself is not ambiguous.
        with c1, ThreadPoolExecutor(1) as pool:
            assert pool.submit(Widget.get, 1).result().connection is c1
    finally:
        context.clear_default("auger")
