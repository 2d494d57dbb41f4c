"""LocalHub does not trust its callers: scoped file paths, bounded bodies, strict framing.

Every test talks to a real LocalHub over loopback sockets: ``requests`` where a well-formed
request is enough, a raw socket where the point is a malformed one.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import time
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from hub_sdk.testing import LocalHub
from tests.conftest import examples

from .conftest import Api

SMALL_BODY = 64 * 1024
SMALL_UPLOAD = 256 * 1024


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    """A demo hub with small body limits, so that exceeding them is cheap."""
    with LocalHub(
        seed="demo", size=20, max_body_size=SMALL_BODY, max_upload_size=SMALL_UPLOAD
    ) as h:
        yield h


@pytest.fixture(scope="module")
def api(hub: LocalHub) -> Iterator[Api]:
    """The demo project's token against the module hub."""
    client = Api(hub)
    yield client
    client.session.close()


def exchange(port: int, data: bytes, wait: float = 2.0) -> tuple[bytes, bool]:
    """Send raw bytes; return what came back and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        out = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return out, True
                out += chunk
        except (TimeoutError, ConnectionResetError):
            return out, False


def statuses(raw: bytes) -> list[int]:
    """The status codes of the HTTP/1.1 responses in ``raw`` (framed by Content-Length)."""
    found = []
    while raw:
        head, _, raw = raw.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        found.append(int(lines[0].split()[1]))
        fields = dict(line.split(b": ", 1) for line in lines[1:])
        raw = raw[int(fields.get(b"Content-Length", b"0")) :]
    return found


def envelope_error(r: requests.Response) -> dict[str, Any]:
    """The first error of a Hub error envelope."""
    body = r.json()
    assert body["meta"]["status"] == r.status_code, body
    error: dict[str, Any] = body["meta"]["errors"][0]
    return error


# -- files are scoped to the token's project ---------------------------------------------------

OUTSIDE = [
    "workspace/projects/second-project/files/x.csv",
    "/workspace/projects/second-project/files/x.csv",
    "s3://localhub/workspace/projects/second-project/files/x.csv",
    "workspace/projects/demo-project/../second-project/files/x.csv",
    "workspace/projects/demo-project/files/../../second-project/files/x.csv",
    "../../second-project/files/x.csv",
    "files/../../../second-project/files/x.csv",
    "workspace/projects/demo-project-2/files/x.csv",
    "workspace/other.csv",
    "workspace/projects/demo-project",
    "workspace/projects/demo-project/files/./x.csv",
    "workspace/projects/demo-project/files//x.csv",
    "workspace\\projects\\second-project\\files\\x.csv",
    "x.csv\x00",
]


@pytest.mark.parametrize("path", OUTSIDE)
@pytest.mark.parametrize("method", ["POST", "GET"])
def test_file_paths_outside_the_project_are_refused(api: Api, method: str, path: str) -> None:
    r = api.call(method, "project_file_urls", project_id=1, file_path=path)
    assert r.status_code == 400, r.text
    error = envelope_error(r)
    assert error["error_type"] == "invalid_param" and error["error_param"] == "file_path"
    assert "workspace/projects/demo-project/" in error["message"]


def test_a_project_token_cannot_read_or_overwrite_another_projects_file(hub: LocalHub) -> None:
    theirs = Api(hub, hub.issue_token("project", 2))
    form = theirs.data("POST", "project_file_urls", project_id=2, file_path="secret.csv")
    assert form["fields"]["key"] == "workspace/projects/second-project/files/secret.csv"
    files = {"file": ("secret.csv", b"their,data\n", "text/csv")}
    assert requests.post(form["url"], data=form["fields"], files=files).status_code == 201
    mine = Api(hub)
    target = form["fields"]["key"]
    for method in ("GET", "POST"):
        for project_id, status in ((1, 400), (2, 404)):
            r = mine.call(method, "project_file_urls", project_id=project_id, file_path=target)
            assert r.status_code == status, r.text
    link = theirs.data("GET", "project_file_urls", project_id=2, file_path="secret.csv")["url"]
    assert requests.get(link).content == b"their,data\n"


@pytest.mark.parametrize(
    "path",
    [
        "x.csv",
        "/x.csv",
        "sub/dir/x.csv",
        "workspace/projects/demo-project/files/x.csv",
        "workspace/projects/demo-project/models/m.pkl",
        "s3://localhub/workspace/projects/demo-project/files/x.csv",
        "v1..2.csv",
    ],
)
def test_file_paths_inside_the_project_are_served(api: Api, path: str) -> None:
    form = api.data("POST", "project_file_urls", project_id=1, file_path=path)
    assert form["fields"]["key"].startswith("workspace/projects/demo-project/")
    assert api.data("GET", "project_file_urls", project_id=1, file_path=path)["url"]


# -- framing: Content-Length and Transfer-Encoding --------------------------------------------

SECOND = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: abc\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 2 \r\nContent-Length: 40\r\n",
        b"Content-Length: 2, 2\r\n",
        b"Content-Length: +2\r\n",
        b"Content-Length: 0x2\r\n",
        b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: identity\r\n",
    ],
)
def test_bad_framing_is_400_and_closes(hub: LocalHub, headers: bytes) -> None:
    head = b"POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    raw, closed = exchange(hub.port, head + headers + b"\r\n{}" + SECOND)
    assert statuses(raw) in ([400], [501]), raw[:300]
    assert b"Connection: close" in raw and closed
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert json.loads(body)["meta"]["errors"][0]["error_type"] == "invalid_param"


def test_a_good_content_length_keeps_the_connection(hub: LocalHub) -> None:
    body = json.dumps({"project_api_token": hub.project_token}).encode()
    first = (
        b"GET /api/v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    raw, _ = exchange(hub.port, first + SECOND, wait=0.5)
    assert statuses(raw) == [200, 401]


# -- body size ---------------------------------------------------------------------------------


def test_body_limits_default_and_configurable() -> None:
    hub = LocalHub()
    assert hub.max_body_size == 16 * 1024 * 1024
    assert hub.max_upload_size > hub.max_body_size
    with pytest.raises(ValueError):
        LocalHub(max_body_size=0)
    with pytest.raises(ValueError):
        LocalHub(max_body_size=10, max_upload_size=5)


def test_a_body_over_the_limit_is_413(hub: LocalHub, api: Api) -> None:
    r = api.post("experiments", name="x" * (SMALL_BODY + 10))
    assert r.status_code == 413
    error = envelope_error(r)
    assert error["error_param"] == "body" and str(SMALL_BODY) in error["message"]
    assert api.post("experiments", name="x" * (SMALL_BODY // 2)).status_code != 413
    # a form body too, and nothing was created
    r = requests.post(
        f"{hub.url}/api/v1/experiments",
        data={"project_api_token": hub.project_token, "name": "y" * (SMALL_BODY + 10)},
    )
    assert r.status_code == 413


def test_a_chunked_body_over_the_limit_is_413(hub: LocalHub) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(2 * SMALL_BODY // 1024):
            yield b"x" * 1024
        yield b'"}'

    r = requests.post(
        f"{hub.url}/api/v1/experiments?project_api_token={hub.project_token}",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 413


def test_a_declared_length_over_the_upload_limit_is_refused_unread(hub: LocalHub) -> None:
    head = (
        b"POST /api/v1/experiments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {10 * 1024**3}\r\n\r\n".encode()
    )
    raw, closed = exchange(hub.port, head + b'{"name": ')
    assert statuses(raw) == [413] and closed


def test_the_upload_route_takes_more_than_a_json_body(hub: LocalHub, api: Api) -> None:
    form = api.data("POST", "project_file_urls", project_id=1, file_path="big.bin")
    fits = b"\x01" * (SMALL_UPLOAD - 4096)
    assert len(fits) > SMALL_BODY
    ok = requests.post(form["url"], data=form["fields"], files={"file": ("big.bin", fits)})
    assert ok.status_code == 201
    too_big = b"\x01" * (SMALL_UPLOAD + 1)
    r = requests.post(form["url"], data=form["fields"], files={"file": ("big.bin", too_big)})
    assert r.status_code == 413


# -- compressed bodies --------------------------------------------------------------------------


def _bomb(size: int, encoding: str) -> bytes:
    raw = b'{"name": "' + b" " * size + b'"}'
    return gzip.compress(raw, 9) if encoding == "gzip" else zlib.compress(raw, 9)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_decompression_is_bounded(hub: LocalHub, encoding: str) -> None:
    data = _bomb(48 * 1024 * 1024, encoding)  # 48 MiB of spaces, ~48 KB compressed
    assert len(data) < SMALL_BODY
    started = time.perf_counter()
    r = requests.post(
        f"{hub.url}/api/v1/experiments",
        data=data,
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert r.status_code == 413, r.text
    assert time.perf_counter() - started < 2.0
    assert envelope_error(r)["error_param"] == "body"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_bad_query_string_token_is_refused_before_decompressing(
    hub: LocalHub, encoding: str
) -> None:
    r = requests.post(
        f"{hub.url}/api/v1/experiments?project_api_token=wrong",
        data=b"this is not compressed at all",
        headers={"Content-Type": "application/json", "Content-Encoding": encoding},
    )
    assert r.status_code == 401  # not a 400 about the gzip data: it was never inflated


def test_compressed_bodies_within_the_limit_still_work(hub: LocalHub) -> None:
    body = json.dumps({"project_api_token": hub.project_token, "limit": 2}).encode()
    two_members = gzip.compress(body[:10]) + gzip.compress(body[10:])
    for data, encoding in (
        (gzip.compress(body), "gzip"),
        (two_members, "gzip"),
        (zlib.compress(body), "deflate"),
    ):
        r = requests.get(
            f"{hub.url}/api/v1/experiments",
            data=data,
            headers={"Content-Type": "application/json", "Content-Encoding": encoding},
        )
        assert r.status_code == 200, (encoding, r.text)
        assert r.json()["meta"]["pagination"]["limit"] == 2
    for data, encoding in ((gzip.compress(body)[:-9], "gzip"), (b"xx", "deflate")):
        r = requests.get(
            f"{hub.url}/api/v1/experiments",
            data=data,
            headers={"Content-Type": "application/json", "Content-Encoding": encoding},
        )
        assert r.status_code == 400 and envelope_error(r)["error_param"] == "body"


# -- numbers and nesting -------------------------------------------------------------------------

HUGE = 99999999999999999999


def test_huge_limits_offsets_and_ids_are_not_500(hub: LocalHub, api: Api) -> None:
    page = api.get("trials", limit=HUGE).json()["meta"]["pagination"]
    assert page["limit"] == 1000
    r = api.get("trials", offset=HUGE)
    assert r.status_code == 200 and r.json()["data"] == []
    r = api.get("experiment_sessions", project_id=HUGE)
    assert r.status_code == 200 and r.json()["data"] == []
    assert api.get(f"projects/{HUGE}").status_code == 404
    assert api.get("trials", limit=-HUGE).status_code == 400
    headers = {"X-Limit": str(HUGE), "X-Skip": "0"}
    assert requests.get(f"{hub.url}/api/v1/trials", headers=headers, json={
        "project_api_token": hub.project_token}).status_code == 200
    models = f"{hub.fedn_url}/api/v1/models/"
    assert requests.get(models, headers={"X-Limit": str(HUGE)}).status_code == 200
    r = requests.get(models, headers={"X-Skip": str(HUGE)})
    assert r.status_code == 200 and r.json()["result"] == []


@pytest.mark.parametrize("depth", [101, 5_000, 100_000])
def test_deeply_nested_json_is_400(local_hub_session: LocalHub, depth: int) -> None:
    hub = local_hub_session
    deep = "[" * depth + "]" * depth
    body = f'{{"project_api_token": "{hub.project_token}", "name": "n", "x": {deep}}}'
    r = requests.post(
        f"{hub.url}/api/v1/experiments",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text[:200]
    error = envelope_error(r)
    assert error["error_param"] == "body" and "too deep" in error["message"]


def test_nesting_up_to_the_limit_is_fine(api: Api, hub: LocalHub) -> None:
    deep: Any = "leaf"
    for _ in range(99):  # with the body object itself: 100 levels, Ruby's JSON default
        deep = {"k": deep}
    r = api.get("experiments", limit=1, unused=deep)
    assert r.status_code == 200, r.text[:200]


# -- what LocalHub logs ----------------------------------------------------------------------------


def test_verbose_logs_never_show_a_token(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-t0ken-value-1234"
    with LocalHub(verbose=True, fedn=False) as hub:
        real = hub.project_token
        route = next(
            r
            for r in hub.auger_app.routes
            if r.template == "/api/v1/experiments" and r.method == "POST"
        )
        original = route.handler

        def explode(req: Any) -> Any:
            raise RuntimeError(f"boom {req.params.get('project_api_token')}")

        lines = [
            f"GET /api/v1/experiments?project_api_token={secret} HTTP/1.1 junk\r\n\r\n",
            f"GET /api/v1/experiments?token={secret}&x=1 HTTP/1.1 a b\r\n\r\n",
            f"GET /api/v1/experiments?project_api_token={secret}\r\n\r\n",
            f"GET /x HTTP/1.1 Authorization: Bearer {secret}\r\n\r\n",
            f"GET /?{real} HTTP/1.1 x\r\n\r\n",
            f"BREW /api/v1/experiments?system_token={secret} HTTP/1.1\r\nHost: x\r\n\r\n",
            f'POST /api/v1/x HTTP/1.1 {{"project_api_token": "{secret}"}}\r\n\r\n',
            f"GET /api/v1/experiments?project_api_token={real} HTTP/1.1 junk\r\n\r\n",
        ]
        for line in lines:
            exchange(hub.port, line.encode(), wait=0.5)
        route.handler = explode
        try:
            r = requests.post(
                f"{hub.url}/api/v1/experiments", json={"project_api_token": real, "name": "n"}
            )
            assert r.status_code == 500
        finally:
            route.handler = original
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "Bad request" in logged and "boom" in logged  # something was logged...
    assert secret not in logged and real not in logged  # ...but no token


def test_quiet_hub_logs_nothing(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, hub: LocalHub
) -> None:
    exchange(hub.port, b"GET /?project_api_token=abcdefgh HTTP/1.1 junk\r\n\r\n", wait=0.5)
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "abcdefgh" not in logged and "Bad request" not in logged


# -- whatever arrives, never a 500 -------------------------------------------------------------

NASTY_SCALARS = st.one_of(
    st.integers(),
    st.sampled_from([HUGE, -HUGE, 2**63, 2**63 - 1, -(2**63), 2**64, 10**400]),
    st.floats(allow_nan=False),
    st.sampled_from(["1e999", "-1e999", "NaN", "", " ", "\x00", "../..", "0x10", "1.5", "٣"]),
    st.text(max_size=12),
    st.booleans(),
    st.none(),
)
NASTY = st.recursive(
    NASTY_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
PARAMS = [
    "limit", "offset", "id", "name", "project_id", "experiment_id", "experiment_session_id",
    "trial_id", "pipeline_id", "endpoint_id", "organization_id", "cluster_id", "file_path",
    "status", "object", "records", "features", "statistics", "url", "model_settings",
]  # fmt: skip


@st.composite
def hostile_requests(draw: st.DrawFn, routes: list[tuple[str, str]]) -> dict[str, Any]:
    """A request to a real route with hostile parameters, in the query, a JSON body or a form."""
    method, rule = draw(st.sampled_from(routes))
    path = re.sub(
        r"<(?:\w+:)?\w+>",
        lambda _: draw(st.sampled_from(["1", "0", str(HUGE), "-1", "x", "%2e%2e", "1.5"])),
        rule,
    )
    params = draw(st.dictionaries(st.sampled_from(PARAMS), NASTY, max_size=4))
    where = draw(st.sampled_from(["json", "query", "form"]))
    return {"method": method, "path": path, "params": params, "where": where}


@pytest.fixture(scope="module")
def fuzz_hub() -> Iterator[tuple[LocalHub, requests.Session]]:
    """A hub the fuzzer may write to, and a keep-alive session to it."""
    with LocalHub(seed="demo", size=20, fedn=False) as h, requests.Session() as session:
        yield h, session


@settings(max_examples=examples(150), deadline=None)
@given(data=st.data(), system=st.booleans())
def test_hostile_parameters_never_get_a_500(
    fuzz_hub: tuple[LocalHub, requests.Session], data: st.DataObject, system: bool
) -> None:
    hub, session = fuzz_hub
    assert hub.auger_app is not None
    routes = sorted({(r.method, r.rule) for r in hub.auger_app.routes})
    case = data.draw(hostile_requests(routes))
    token = hub.system_token if system else hub.project_token
    params = dict(case["params"], project_api_token=token)
    url = hub.url + case["path"]
    if case["where"] == "json":
        body = json.dumps(params).encode()
        headers = {"Content-Type": "application/json"}
        r = session.request(case["method"], url, data=body, headers=headers)
    else:
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        where = "params" if case["where"] == "query" else "data"
        r = session.request(case["method"], url, **{where: flat})
    assert r.status_code < 500, (case, r.status_code, r.text[:300])
