"""JWT auth: the token goes in ``Authorization``; refusals are typed 401 errors."""

from __future__ import annotations

import pytest

from hub_sdk import fedn
from hub_sdk.errors import AuthenticationError

from ..conftest import FednServer


def test_admin_token_is_accepted(fedn_auth_server: FednServer) -> None:
    conn = fedn.connect(fedn_auth_server.url, token=fedn_auth_server.token, default=False)
    try:
        assert fedn.Model.list(connection=conn).total == 0
        assert fedn.Model.count(connection=conn) == 0
        # A token that already carries its scheme is accepted too.
        conn2 = fedn.connect(
            fedn_auth_server.url, token=f"Bearer {fedn_auth_server.token}", default=False
        )
        assert fedn.Session.count(connection=conn2) == 0
        conn2.close()
    finally:
        conn.close()


def test_token_from_environment(fedn_auth_server: FednServer, monkeypatch) -> None:
    monkeypatch.setenv("FEDN_AUTH_TOKEN", fedn_auth_server.token or "")
    conn = fedn.connect(fedn_auth_server.url, default=False)
    try:
        assert fedn.Package.count(connection=conn) == 0
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("token", "message"),
    [(None, "Missing token"), ("not-a-jwt", "Invalid token"), ("role:client", "Invalid token")],
)
def test_refusals_are_authentication_errors(
    fedn_auth_server: FednServer, monkeypatch, token: str | None, message: str
) -> None:
    monkeypatch.delenv("FEDN_AUTH_TOKEN", raising=False)
    if token == "role:client":
        token = fedn_auth_server.make_token("client")
    conn = fedn.connect(fedn_auth_server.url, token=token, max_retries=0, default=False)
    try:
        with pytest.raises(AuthenticationError) as err:
            fedn.Model.list(connection=conn).first()
        assert err.value.status == 401 and message in err.value.message
        if token:
            assert token not in str(err.value) and token not in repr(conn)
    finally:
        conn.close()
