"""LocalHub does not trust its callers: scoped file paths, bounded bodies, strict framing.

Every test talks to a real LocalHub over loopback sockets: ``requests`` where a well-formed
request is enough, a raw socket where the point is a malformed one.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hub_sdk.testing import LocalHub

from .conftest import Api

SMALL_BODY = 64 * 1024
SMALL_UPLOAD = 256 * 1024


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    """A demo hub with small body limits, so that exceeding them is cheap."""
    with LocalHub(seed="demo", size=20) as h:
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
