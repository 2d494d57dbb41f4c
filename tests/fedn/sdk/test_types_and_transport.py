"""Timestamps, filter encoding and transport edge cases (``responses`` where a server can't)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses

from hub_sdk import fedn
from hub_sdk.core.decoding import from_data
from hub_sdk.errors import ResponseDecodeError, ServerError
from hub_sdk.fedn.protocol import _query_key, _query_value

URL = "http://fedn.test"
API = URL + "/api/v1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon, 23 Nov 2026 12:51:48 GMT", datetime(2026, 11, 23, 12, 51, 48, tzinfo=timezone.utc)),
        (
            "2026-11-23T13:02:07.978078Z",
            datetime(2026, 11, 23, 13, 2, 7, 978078, tzinfo=timezone.utc),
        ),
        ("2026-11-23T13:02:07.97Z", datetime(2026, 11, 23, 13, 2, 7, 970000, tzinfo=timezone.utc)),
        ("2026-11-23T13:02:07+01:00", datetime(2026, 11, 23, 12, 2, 7, tzinfo=timezone.utc)),
        ("2026-11-23 13:02:07", datetime(2026, 11, 23, 13, 2, 7, tzinfo=timezone.utc)),
        (
            "Mon, 23 Nov 2026 12:51:48 +0000",
            datetime(2026, 11, 23, 12, 51, 48, tzinfo=timezone.utc),
        ),
    ],
)
def test_both_timestamp_formats_parse_to_aware_datetimes(text: str, expected: datetime) -> None:
    value = fedn.parse_timestamp(text)
    assert value == expected and value.tzinfo is not None


def test_timestamp_fields() -> None:
    m = fedn.Model.model_validate(
        {"model_id": "m", "committed_at": "Mon, 23 Nov 2026 12:51:48 GMT", "updated_at": ""}
    )
    assert m.committed_at == datetime(2026, 11, 23, 12, 51, 48, tzinfo=timezone.utc)
    assert m.updated_at is None
    s = fedn.Status.model_validate({"status_id": "s", "timestamp": "2026-11-23T13:02:07.978078Z"})
    assert s.timestamp is not None and s.timestamp.microsecond == 978078
    with pytest.raises(ValueError):
        fedn.parse_timestamp("yesterday")


def test_filter_keys_and_values() -> None:
    assert _query_key("name") == "name"
    assert _query_key("committed_at__gt") == "committed_at__gt"
    assert _query_key("sender__name") == "sender.name"
    assert _query_key("sender__role__ne") == "sender.role__ne"
    assert _query_key("round_config__session_id") == "round_config.session_id"
    moment = datetime(2026, 11, 23, 13, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert _query_value(moment) == "2026-11-23 11:00:00.000005"
    assert _query_value(True) == "true"
    assert _query_value(fedn.Model(model_id="m1")) == "m1"


def test_combiner_config_values_are_typed_from_strings() -> None:
    rnd = fedn.Round.model_validate(
        {
            "round_id": "7",
            "status": "Finished",
            "round_config": {"session_id": "s1", "rounds": 3, "validate": True},
            "combiners": [
                {
                    "name": "c0",
                    "model_id": "m9",
                    "status": "Success",
                    "config": {
                        "round_timeout": "60",
                        "validate": "True",
                        "rounds": "3",
                        "requested_clients": "None",
                        "_job_id": "j",
                    },
                    "data": {"aggregation_time": {"nr_aggregated_models": 2}},
                }
            ],
        }
    )
    cfg = rnd.combiners[0].config
    assert (cfg.round_timeout, cfg.validate_, cfg.rounds, cfg.requested_clients) == (
        60,
        True,
        3,
        None,
    )
    assert cfg.job_id == "j"
    assert rnd.aggregate_model_id == "m9" and rnd.session_id == "s1" and rnd.is_done
    assert fedn.Round.sort_key(rnd) < fedn.Round.sort_key(fedn.Round(round_id="10"))


@responses.activate
def test_listing_sends_paging_headers_and_filters() -> None:
    conn = fedn.connect(URL, default=False)
    rows = [
        {"validation_id": "v1", "data": '{"acc": 0.5}'},
        {"validation_id": "v2", "data": "not json"},
        {"validation_id": "v3"},
    ]

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        skip, limit = int(request.headers["X-Skip"]), int(request.headers["X-Limit"])
        return 200, {}, json.dumps({"count": 3, "result": rows[skip : skip + limit]})

    responses.add_callback(responses.GET, API + "/validations/", callback=page)
    got = fedn.Validation.list(
        connection=conn, page_size=2, order_by="-timestamp", session_id="s1", sender__name="client0"
    ).to_list()
    assert [v.pk for v in got] == ["v1", "v2", "v3"]
    assert got[0].metrics == {"acc": 0.5} and got[1].metrics == {} and got[2].metrics == {}
    first, second = responses.calls
    assert first.request.headers["X-Limit"] == "2" and first.request.headers["X-Skip"] == "0"
    assert first.request.headers["X-Sort-Key"] == "timestamp"
    assert first.request.headers["X-Sort-Order"] == "desc"
    # The next page re-reads the items before the cursor (here all of them) to see changes.
    assert second.request.headers["X-Skip"] == "0" and second.request.headers["X-Limit"] == "4"
    assert "session_id=s1" in first.request.url and "sender.name=client0" in first.request.url


@responses.activate
def test_get_retries_a_503_then_succeeds() -> None:
    conn = fedn.connect(URL, default=False, max_retries=2)
    responses.get(
        API + "/models/m1", status=503, json={"message": "busy"}, headers={"Retry-After": "0"}
    )
    responses.get(API + "/models/m1", json={"model_id": "m1", "name": "x"})
    assert fedn.Model.get("m1", connection=conn).name == "x"
    assert len(responses.calls) == 2


@responses.activate
def test_session_start_is_never_retried_blindly() -> None:
    conn = fedn.connect(URL, default=False, max_retries=3)
    responses.get(API + "/models/m1", json={"model_id": "m1", "model": "m1"})
    responses.get(API + "/helpers/active", json="numpyhelper")
    responses.post(
        API + "/sessions/", status=201, json={"session_id": "s1", "name": "n", "status": "Created"}
    )
    responses.post(
        API + "/sessions/start", status=500, json={"message": "An unexpected error occurred"}
    )
    with pytest.raises(ServerError) as err:
        fedn.Session.start(rounds=1, model="m1", connection=conn)
    assert err.value.may_have_been_applied
    assert len([c for c in responses.calls if c.request.url.endswith("/start")]) == 1
    body = next(c.request.body for c in responses.calls if c.request.url.endswith("/sessions/"))
    assert b'"rounds":1' in body and b'"validate":true' in body


@responses.activate
def test_html_instead_of_json_is_a_decode_error() -> None:
    conn = fedn.connect(URL, default=False, max_retries=0)
    responses.get(API + "/sessions/s1", body="<html>proxy</html>", content_type="text/html")
    with pytest.raises(ResponseDecodeError):
        fedn.Session.get("s1", connection=conn)


@responses.activate
def test_download_progress_reports_the_total() -> None:
    conn = fedn.connect(URL, default=False)
    payload = b"x" * 100_000
    responses.get(
        API + "/models/m1/download", body=payload, headers={"Content-Length": str(len(payload))}
    )
    seen: list[tuple[int, int | None]] = []
    model = from_data(fedn.Model, {"model_id": "m1"}, conn)
    assert model.download(progress=lambda d, t: seen.append((d, t)), chunk_size=30_000) == payload
    assert seen[-1] == (100_000, 100_000) and len(seen) == 4
