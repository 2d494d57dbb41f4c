"""LocalHub's FEDn app where it is deliberately better than the real 0.33.0 controller.

The real server answers 500 to these client mistakes (or has a broken route); LocalHub answers a
clear 400 or the intended result, with the same response shapes. Also: the stdlib JWT and the
hand-written ``.npz`` helpers.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile

import pytest
import requests

from hub_sdk.testing.fedn_local.npz import npz_arrays, npz_bytes
from hub_sdk.testing.hs256 import TokenError, make_token
from hub_sdk.testing.hs256 import verify as decode_token

from .conftest import BACKEND, FednServer
from .helpers import package_bytes, session_config, upload_package, upload_seed

local_only = pytest.mark.skipif(BACKEND == "real", reason="LocalHub-only behaviour")


@local_only
def test_client_mistakes_are_400_not_500(fresh_fedn_server: FednServer) -> None:
    api, s = fresh_fedn_server.api, fresh_fedn_server.session()
    no_file = s.post(api + "/packages/", data={"helper": "numpyhelper", "name": "p",
                                               "description": "d"})
    assert no_file.status_code == 400 and "file" in no_file.json()["message"]
    bad_ext = s.post(api + "/packages/", files={"file": ("p.txt", b"x")},
                     data={"helper": "numpyhelper", "name": "p", "description": "d"})
    assert bad_ext.json() == {"message": "Validation failed for field 'file_name' with message: "
                                         "File extension not allowed"}
    bad_helper = s.post(api + "/packages/", files={"file": ("p.tgz", package_bytes())},
                        data={"helper": "nohelper", "name": "p", "description": "d"})
    assert bad_helper.status_code == 400
    assert s.put(api + "/packages/active", json={"id": "nope"}).status_code == 404
    assert s.post(api + "/models/", data={"name": "nofile"}).status_code == 400
    assert s.post(api + "/sessions/", json={"name": "no-config"}).json() == {
        "message": "Missing required field: session_config"}
    comma = s.post(api + "/models/list", json={"name": "a,b"})
    assert comma.status_code == 200 and comma.json() == {"count": 0, "result": []}
    bad_date = s.post(api + "/attributes/", json={"key": "k", "value": "v",
                                                  "timestamp": "not a date"})
    assert bad_date.status_code == 400
    ok_date = s.post(api + "/attributes/", json={"key": "k", "value": "v",
                                                 "timestamp": "2026-11-23T13:02:07.978078Z"})
    assert ok_date.status_code == 201
    assert ok_date.json()["timestamp"] == "Mon, 23 Nov 2026 13:02:07 GMT"


@local_only
def test_working_checksum_parameters_and_leaf_nodes(fresh_fedn_server: FednServer) -> None:
    api, s = fresh_fedn_server.api, fresh_fedn_server.session()
    upload_package(s, api)
    checksum = s.get(api + "/packages/checksum")
    assert checksum.status_code == 200
    assert checksum.json() == {"message": "Checksum created.",
                               "checksum": hashlib.sha256(package_bytes()).hexdigest()}
    assert s.get(api + "/clients/config").json()["checksum"] == checksum.json()["checksum"]
    seed = upload_seed(s, api)
    params = s.get(f"{api}/models/{seed['model_id']}/parameters")
    assert params.json() == {"array": [[1.0, 2.0, 3.0], [4.0]]}
    leaves = s.get(api + "/models/leaf-nodes").json()
    assert [m["model_id"] for m in leaves] == [seed["model_id"]]
    assert s.get(f"{api}/models/{seed['model_id']}/ancestors").json() == []  # no include_self


@local_only
def test_in_filter_and_date_filters(fresh_fedn_server: FednServer) -> None:
    api, s = fresh_fedn_server.api, fresh_fedn_server.session()
    upload_package(s, api)
    for name in ("a", "b", "c"):
        upload_seed(s, api, name)
    r = s.post(api + "/models/list", json={"name": "a,c"}, headers={"X-Sort-Key": "name",
                                                                    "X-Sort-Order": "asc"})
    assert [m["name"] for m in r.json()["result"]] == ["a", "c"]
    future = "Mon, 23 Nov 2099 12:00:00 GMT"
    assert s.get(api + "/models/count", params={"committed_at__lt": future}).json() == 3
    assert s.get(api + "/models/count", params={"committed_at__gt": future}).json() == 0
    assert s.get(api + "/models/count", params={"committed_at__gt": "garbage"}).status_code == 400


@local_only
def test_session_config_requires_rounds(fresh_fedn_server: FednServer) -> None:
    api = fresh_fedn_server.api
    cfg = session_config("m")
    cfg.pop("rounds")
    r = requests.post(api + "/sessions/", json={"session_config": cfg})
    assert r.status_code == 400
    assert r.json() == {"message": "Validation failed for field 'rounds' with message: "
                                   "Rounds is required"}


def test_jwt_roundtrip_and_errors() -> None:
    token = make_token("s", role="client", sub="x")
    claims = decode_token(token, "s")
    assert claims["role"] == "client" and claims["sub"] == "x" and claims["exp"] > time.time()
    with pytest.raises(TokenError, match="Invalid token"):
        decode_token(token, "other")
    with pytest.raises(TokenError, match="Token expired"):
        decode_token(make_token("s", exp=1), "s")
    with pytest.raises(TokenError, match="Invalid token"):
        decode_token("a.b", "s")
    head, body, _ = token.split(".")
    with pytest.raises(TokenError, match="Invalid token"):
        decode_token(f"{head}.{body}.AAAA", "s")


def test_npz_roundtrip_is_a_valid_npz() -> None:
    data = npz_bytes([[1.5, -2.0], [], [3.25]])
    assert npz_arrays(data) == [[1.5, -2.0], [], [3.25]]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        raw = z.read("0.npy")
    assert raw[:8] == b"\x93NUMPY\x01\x00"
    header_len = int.from_bytes(raw[8:10], "little")
    assert (10 + header_len) % 64 == 0
    assert b"'descr': '<f8'" in raw[10 : 10 + header_len]
    with pytest.raises(ValueError):
        npz_arrays(b"garbage")
