"""No token in repr, str, logs, exception text or pickles, whatever the token looks like."""

from __future__ import annotations

import logging
import pickle

import pytest
import responses
from hypothesis import HealthCheck, given, settings

from hub_sdk import auger, errors, fedn
from hub_sdk.core import Secret, redact
from hub_sdk.core.log import RedactingFilter
from tests.conftest import secret_tokens

tokens = secret_tokens()  # never a word of the texts it is looked for in


@given(token=tokens)
def test_secret_never_shows_itself(token):
    s = Secret(token)
    for text in (repr(s), str(s), f"{s}", f"{s!r}", repr([s]), repr({"t": s})):
        assert token not in text
    assert pickle.loads(pickle.dumps(s)).reveal() == ""
    assert s.reveal() == token


@given(token=tokens)
def test_connections_do_not_show_tokens(token):
    def shown(tok):
        conns = (
            auger.connect("http://h.test", project_token=tok, default=False),
            fedn.connect("http://h.test", token=tok, default=False),
        )
        for conn in conns:
            with pytest.raises(TypeError):
                pickle.dumps(conn)
        return [text for c in conns for text in (repr(c), str(c), repr(c.auth))]

    # What a connection shows does not depend on its token at all.
    assert shown(token) == shown("another-token-value")


@given(token=tokens)
def test_redact_scrubs_live_secrets_and_credential_keys(token):
    s = Secret(token)
    text = f'{{"project_api_token": "{token}", "x": 1}} Authorization: Bearer {token}'
    cleaned = redact(text)
    assert token not in cleaned and '"x": 1' in cleaned
    del s


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
@given(token=tokens)
@responses.activate
def test_errors_and_logs_never_carry_the_token(token, caplog):
    responses.reset()
    conn = auger.connect("http://h.test", project_token=token, default=False, max_retries=0)
    echo = {
        "meta": {
            "status": 400,
            "errors": [
                {
                    "error_type": "invalid_param",
                    "error_param": "x",
                    "message": f"bad value near {token}",
                }
            ],
            "request_params": {"project_api_token": token},
        }
    }
    responses.post("http://h.test/api/v1/x", json=echo, status=400)
    responses.get("http://h.test/api/v1/y", body=f"<html>{token}</html>", status=200)
    caplog.set_level(logging.DEBUG, logger="hub_sdk")
    for method, path in (("POST", "x"), ("GET", "y")):
        with pytest.raises(errors.HubError) as err:
            conn.request(method, path, body={"token_echo": token})
        exc = err.value
        assert token not in str(exc) and token not in repr(exc)
        assert token not in str(pickle.loads(pickle.dumps(exc)))
    for record in caplog.records:
        assert token not in record.getMessage()


def test_short_secrets_do_not_garble_text():
    s = Secret("t")
    assert redact("statistics is required") == "statistics is required"
    assert repr(s) == "Secret('****')"


def test_logging_filter_scrubs_arguments():
    s = Secret("very-secret-value-42")
    record = logging.LogRecord("hub_sdk", logging.INFO, __file__, 1, "got %s", (s.reveal(),), None)
    RedactingFilter().filter(record)
    assert "very-secret-value-42" not in record.getMessage()
