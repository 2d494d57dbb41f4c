"""Typed errors from LocalHub: 400 field errors, 401, 404, 5xx, and retries."""

from __future__ import annotations

import pytest

from hub_sdk import auger
from hub_sdk.errors import AuthenticationError, BadRequestError, NotFoundError, ServerError


def test_400_carries_the_field_errors(ro_conn):
    pipe = auger.Pipeline.list(status="ready").first()
    assert pipe is not None
    with pytest.raises(BadRequestError) as err:
        pipe.predict([[1, 2], [3]], ["a", "b"])  # rows of different sizes: the server says no
    assert err.value.status == 400
    assert err.value.field_errors[0][0] == "records"
    assert err.value.request_id and err.value.method == "POST"


def test_404_and_401(local_hub_session):
    hub = local_hub_session
    conn = auger.connect(hub.url, project_token=hub.project_token, default=False)
    with pytest.raises(NotFoundError) as err:
        auger.Experiment.get("a0138f7adf78d6", connection=conn)
    assert "Couldn't find Experiment" in str(err.value)
    with pytest.raises(NotFoundError):  # another project's object is invisible
        auger.Project.get(2, connection=conn)
    bad = auger.connect(hub.url, project_token="not-a-token", default=False)
    with pytest.raises(AuthenticationError) as err401:
        auger.Experiment.list(connection=bad).first()
    assert "not-a-token" not in str(err401.value) and err401.value.status == 401
    conn.close()
    bad.close()


def test_wrong_password_is_401(local_hub_session):
    hub = local_hub_session
    with pytest.raises(AuthenticationError) as err:
        auger.login(hub.user_email, "wrong-password", url=hub.url, default=False)
    assert "Email or password incorrect" in str(err.value)
    assert "wrong-password" not in str(err.value)


def test_reads_are_retried_after_a_503(conn, hub):
    hub.faults.next("503", route="GET /api/v1/projects/{id}")
    assert auger.Project.get(1).id == 1
    assert hub.stats["faults"]


def test_writes_are_not_retried_blindly(conn, hub):
    hub.faults.next("503", route="POST /api/v1/organizations")
    with pytest.raises(ServerError) as err:
        auger.Organization.create(name="once")
    assert err.value.may_have_been_applied is True
    assert hub.stats["requests"].get("POST /api/v1/organizations") == 1
