"""``connect()`` with no token warns once per API; tokens lose surrounding whitespace."""

from __future__ import annotations

import warnings

import pytest

from hub_sdk import auger, fedn
from hub_sdk.core import config
from hub_sdk.core.auth import BodyTokenAuth, HeaderTokenAuth
from hub_sdk.core.secret import Secret
from hub_sdk.errors import UnauthenticatedWarning


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_warned_unauthenticated", set())


def test_no_token_warns_once_per_api() -> None:
    with pytest.warns(UnauthenticatedWarning, match="auger.connect.*unauthenticated") as seen:
        auger.connect("http://127.0.0.1:9", default=False).close()
        auger.connect("http://127.0.0.1:9", default=False).close()
    assert len(seen) == 1
    with pytest.warns(UnauthenticatedWarning, match="fedn.connect") as seen:
        fedn.connect("http://127.0.0.1:9", default=False).close()
        fedn.connect("http://127.0.0.1:9", default=False).close()
    assert len(seen) == 1


def test_a_token_does_not_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEDN_AUTH_TOKEN", "from-env")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnauthenticatedWarning)
        auger.connect("http://127.0.0.1:9", token="t", default=False).close()
        fedn.connect("http://127.0.0.1:9", default=False).close()


def test_tokens_are_stripped(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = auger.connect("http://127.0.0.1:9", project_token="  tok\n", default=False)
    assert isinstance(conn.auth, BodyTokenAuth) and conn.auth.token.reveal() == "tok"
    conn = auger.connect("http://127.0.0.1:9", token=Secret("\tsecret "), default=False)
    assert isinstance(conn.auth, BodyTokenAuth) and conn.auth.token.reveal() == "secret"
    monkeypatch.setenv("FEDN_AUTH_TOKEN", "abc\n")
    conn = fedn.connect("http://127.0.0.1:9", default=False)
    assert isinstance(conn.auth, HeaderTokenAuth) and conn.auth.token.reveal() == "abc"
    with pytest.warns(UnauthenticatedWarning):  # only whitespace: no token at all
        conn = fedn.connect("http://127.0.0.1:9", token="  ", default=False)
    assert not isinstance(conn.auth, HeaderTokenAuth)
