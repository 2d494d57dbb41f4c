"""Every error pickles with its context; HUB_SDK_LOG switches on request logging."""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys

import pytest

from hub_sdk import errors

from .toy_server import ToyServer

ALL = [c for c in (getattr(errors, n) for n in errors.__all__) if issubclass(c, errors.HubError)]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_error_pickles_with_its_context(cls):
    kw = {
        "method": "GET",
        "path": "experiments/1",
        "status": 418,
        "request_id": "rid",
        "may_have_been_applied": True,
    }
    if issubclass(cls, errors.APIStatusError):
        kw.update(body={"meta": {}}, field_errors=[("name", "is required")])
    if cls is errors.ValidationError:
        kw = {"field_errors": [("name", "is required")]}
    exc = cls("something failed", **kw)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls and str(back) == str(exc) and back.__dict__ == exc.__dict__
    assert isinstance(back, errors.HubError)


def test_status_errors_derive_from_the_base():
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)
    for cls in (errors.BadRequestError, errors.NotFoundError, errors.ServerError):
        assert issubclass(cls, errors.APIStatusError)
    assert issubclass(errors.ValidationError, ValueError)


def test_info_logging_shows_method_path_status_duration_retries(caplog):
    from hub_sdk.auger import connect

    with ToyServer() as toy:
        conn = connect(toy.url, project_token=toy.token, default=False)
        caplog.set_level(logging.INFO, logger="hub_sdk")
        conn.request("GET", "widgets")
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("GET widgets -> 200 in ") and "ms (retries=0)" in line
    assert toy.token not in line


def test_hub_sdk_log_env_installs_a_handler():
    code = (
        "import logging, hub_sdk.core; l = logging.getLogger('hub_sdk'); "
        "print(l.level, len(l.handlers))"
    )
    env = {**os.environ, "HUB_SDK_LOG": "debug"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [str(logging.DEBUG), "1"]
