"""Strict at the edge on FEDn: filters from the entity's fields, ids that are always there,
rounds as a lazy listing (on every backend: LocalHub, a real controller, a real network)."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from hub_sdk import fedn
from hub_sdk.core.pagination import LazyList
from hub_sdk.errors import MissingParentError, ResponseDecodeError, ValidationError

URL = "http://fedn.test"
API = URL + "/api/v1"


@pytest.mark.parametrize(
    ("call", "field", "hint"),
    [
        (lambda: fedn.Model.list(session_id=None), "session_id", "leave it out"),
        (lambda: fedn.Model.list(nosuch="x"), "nosuch", "filters:"),
        (lambda: fedn.Model.list(sesion_id="x"), "sesion_id", "did you mean 'session_id'"),
        (lambda: fedn.Model.list(committed_at__foo=1), "committed_at__foo", "'foo' is not an"),
        (lambda: fedn.Model.list(order_by="nosuchfield"), "order_by", "one of:"),
        (lambda: fedn.Model.list(order_by="-nosuchfield"), "order_by", "one of:"),
        (lambda: fedn.Model.count(nosuch="x"), "nosuch", "filters:"),
        (lambda: fedn.Model.count(session_id=None), "session_id", "leave it out"),
        (lambda: fedn.Status.list(sender__nme="c"), "sender__nme", "sender__name"),
        (lambda: fedn.Round.list(round_config__sesion_id="s"), "round_config__sesion_id", "mean"),
    ],
)
def test_unknown_and_none_filters_are_refused_before_sending(
    conn: fedn.FednConnection, call: Any, field: str, hint: str
) -> None:
    _refused_before_sending(conn, call, field, hint)


def _refused_before_sending(
    conn: fedn.FednConnection, call: Any, field: str, hint: str
) -> ValidationError:
    """``call()`` raises a ValidationError naming ``field`` with ``hint``; nothing is sent."""
    sent = conn.requests_sent
    with pytest.raises(ValidationError) as err:
        call()
    assert err.value.fields == [field] and hint in str(err.value), str(err.value)
    assert conn.requests_sent == sent
    return err.value


@pytest.mark.parametrize(
    ("call", "field", "hint"),
    [
        (lambda: fedn.Model.list(session_id=""), "session_id", "empty string"),
        (lambda: fedn.Model.list(session_id=[]), "session_id", "empty list"),
        (lambda: fedn.Model.list(session_id=()), "session_id", "empty tuple"),
        (lambda: fedn.Model.list(session_id={}), "session_id", "dict"),
        (lambda: fedn.Model.count(session_id=[]), "session_id", "empty list"),
        (lambda: fedn.Model.count(name=""), "name", "empty string"),
        (lambda: fedn.Model.list(session_id=["a", "b"]), "session_id", "takes one value"),
        (lambda: fedn.Status.list(sender__role=["client"]), "sender__role", "takes one value"),
        (
            lambda: fedn.Validation.list(model_id=fedn.Model.model_construct()),
            "model_id",
            "Model without an id",
        ),
        (
            lambda: fedn.Validation.list(model_id=fedn.Model.model_construct(model_id="")),
            "model_id",
            "Model without an id",
        ),
        (lambda: fedn.Validation.list(sender={"name": "zzz"}), "sender", "sender__name="),
        (lambda: fedn.Validation.list(sender=fedn.Sender(name="zzz")), "sender", "sender__name="),
        (lambda: fedn.Model.list(order_by=5), "order_by", "string"),
        (lambda: fedn.Model.list(order_by=["name"]), "order_by", "string"),
    ],
)
def test_empty_and_nested_filter_values_are_refused_before_sending(
    conn: fedn.FednConnection, call: Any, field: str, hint: str
) -> None:
    err = _refused_before_sending(conn, call, field, hint)
    if "empty" in hint or "without an id" in hint:
        assert "leave it out" in str(err)


def test_a_model_with_an_id_stands_for_it(conn: fedn.FednConnection, seed: fedn.Model) -> None:
    assert fedn.Model.list(model_id=seed).first() == fedn.Model.list(model_id=seed.pk).first()
    assert fedn.Model.count(model_id=seed) == 1


def test_declared_filters_keep_working(conn: fedn.FednConnection, seed: fedn.Model) -> None:
    assert [m.pk for m in fedn.Model.list(name=seed.name)] == [seed.pk]
    assert fedn.Model.count(name=seed.name) == 1
    assert fedn.Model.list(committed_at__gte=seed.committed_at, order_by="-committed_at").first()
    assert fedn.Model.list(name__ne=seed.name, model_id=seed.pk).first() is None
    assert fedn.Status.list(sender__role="client", limit=1).to_list() is not None
    # Filters go by the controller's names: `active`, not the Python field `is_active`.
    assert "active" in fedn.Package.filter_rules().names
    assert "is_active" not in fedn.Package.filter_rules().names


def test_ids_are_str_and_a_seed_has_no_parent(seed: fedn.Model) -> None:
    assert isinstance(seed.pk, str) and seed.pk == seed.model_id
    assert seed.parent is None and seed.session is None  # optional: a seed has neither


@responses.activate
def test_a_get_without_the_id_is_a_decode_error() -> None:
    conn = fedn.connect(URL, default=False, max_retries=0)
    for body in ({"data": None}, {"name": "no id"}, {}):
        responses.get(f"{API}/models/m1", json=body)
        with pytest.raises(ResponseDecodeError) as err:
            fedn.Model.get("m1", connection=conn)
        assert "model_id" in str(err.value) and err.value.status == 200
        responses.reset()
    responses.get(f"{API}/sessions/s1", json={"session_id": "s1", "name": "x"})
    session = fedn.Session.get("s1", connection=conn)
    with pytest.raises(MissingParentError, match="seed_model_id"):
        _ = session.seed_model


def test_rounds_are_a_lazy_listing(seed: fedn.Model) -> None:
    session = fedn.Session.create(seed_model_id=seed.pk, session_config={"rounds": 1})
    conn = seed.connection
    assert conn is not None
    sent = conn.requests_sent
    rounds = session.rounds()
    assert isinstance(rounds, LazyList) and conn.requests_sent == sent  # nothing fetched yet
    assert len(rounds) == 0 and rounds.to_list() == [] and rounds.first() is None


@responses.activate
def test_rounds_come_in_numeric_order_with_their_committed_models() -> None:
    conn = fedn.connect(URL, default=False, max_retries=0)
    rounds = [
        {"round_id": rid, "status": "Finished",
         "round_config": {"session_id": "s1", "model_id": f"m{int(rid) - 1}"}}
        for rid in ("10", "9", "2", "1", "3", "4", "5", "6", "7", "8")
    ]
    models = [{"model_id": f"m{n}", "parent_model": f"m{n - 1}", "session_id": "s1"}
              for n in range(1, 11)]
    responses.get(f"{API}/rounds/", json={"count": 10, "result": rounds})
    responses.get(f"{API}/models/", json={"count": 10, "result": models})
    session = fedn.Session.model_validate({"session_id": "s1", "seed_model_id": "m0"})
    session._bind(conn, None)
    listing = session.rounds()
    assert len(responses.calls) == 0
    assert [r.round_id for r in listing] == [str(n) for n in range(1, 11)]
    assert [r.model_id for r in listing] == [f"m{n}" for n in range(1, 11)]
    assert listing[-1].round_id == "10" and len(listing) == 10


@responses.activate
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timeout": "x"}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"poll": 0}, "poll"),
        ({"poll": "1"}, "poll"),
        ({"start_timeout": -5}, "start_timeout"),
        ({"stall_timeout": "soon"}, "stall_timeout"),
        ({"validation_timeout": True}, "validation_timeout"),
    ],
)
def test_wait_refuses_bad_times_before_polling(kwargs: dict[str, Any], field: str) -> None:
    conn = fedn.connect(URL, default=False, max_retries=0)
    responses.get(f"{API}/sessions/s1", json={"session_id": "s1", "status": "Finished"})
    session = fedn.Session.get("s1", connection=conn)
    sent = conn.requests_sent
    with pytest.raises(ValidationError) as err:
        session.wait(**kwargs)
    assert err.value.fields == [field] and field in str(err.value)
    assert conn.requests_sent == sent


@pytest.mark.parametrize("where", ["missing", "directory"])
def test_uploads_and_downloads_name_a_bad_path_before_sending(
    conn: fedn.FednConnection, seed: fedn.Model, tmp_path: Any, where: str
) -> None:
    """The Python API checks paths as the CLI does: a typed error naming the path, no request
    (not FileNotFoundError / IsADirectoryError, nor the internal ``.part`` file)."""
    bad = tmp_path / "nosuch.npz" if where == "missing" else tmp_path
    sent = conn.requests_sent
    with pytest.raises(ValidationError) as err:
        fedn.Model.upload(bad)
    assert err.value.fields == ["source"] and str(bad) in str(err.value)
    with pytest.raises(ValidationError) as err:
        fedn.Package.upload(bad, helper="numpyhelper")
    assert err.value.fields == ["source"]
    target = tmp_path / "no" / "such" / "dir" / "m.npz" if where == "missing" else tmp_path
    with pytest.raises(ValidationError) as err:
        seed.download(target)
    assert err.value.fields == ["dest"] and ".part" not in str(err.value)
    assert conn.requests_sent == sent
