"""No token in repr, str, logs, exception text or pickles, whatever the token looks like."""

from __future__ import annotations

import logging
import pickle
import re
import string

import pytest
import responses
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hub_sdk import auger, errors, fedn
from hub_sdk.core import Secret, redact
from hub_sdk.core.auth import HeaderTokenAuth
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


@given(
    token=st.text(string.ascii_letters + string.digits + "._~+/=-", min_size=6, max_size=40),
    scheme=st.sampled_from(["Bearer", "bearer", "Token", "Basic", "JWT"]),
    shape=st.sampled_from(["Authorization: {s} {t}", '{{"Authorization": "{s} {t}"}}',
                           "'authorization': '{s} {t}'", "authorization={s} {t}"]),
)
def test_redact_scrubs_a_header_shaped_credential_that_is_not_a_live_secret(token, scheme, shape):
    """``Authorization: Bearer <token>`` in a text (a header dump, a pasted curl line): the
    token goes even when no connection holds it; the scheme word may stay."""
    assume(token.lower() not in ("bearer", "token", "basic", "jwt", "authorization"))
    cleaned = redact(shape.format(s=scheme, t=token))
    assert token not in cleaned, cleaned


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


# Characters that cannot be inside a token: whitespace (ASCII and Unicode), controls, and
# anything an HTTP header cannot carry (not latin-1).
bad_chars = st.one_of(
    st.sampled_from(" \t\n\r\x0b\x0c\x85\xa0\u2028\u2029\u3000"),
    st.characters(categories=["Cc", "Cf"]),
    st.characters(min_codepoint=0x100, max_codepoint=0x10FFFF, exclude_categories=["Cs"]),
)


@st.composite
def flawed_tokens(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(a token with a bad character inside, the parts of it no message may show)."""
    token = draw(tokens)
    at = draw(st.integers(1, len(token) - 1))
    flawed = token[:at] + draw(bad_chars) + token[at:]
    cores = [p for p in (token[:at], token[at:]) if re.search(r"[A-Z]~[0-9]", p)]
    return flawed, [flawed, *cores]


def _shown(exc: BaseException) -> str:
    return " ".join((str(exc), repr(exc), repr(exc.args), str(pickle.loads(pickle.dumps(exc)))))


@given(case=flawed_tokens())
def test_a_token_that_cannot_be_sent_is_refused_at_connect_without_showing_it(case):
    token, hidden = case
    calls = {
        "project_token": lambda: auger.connect("http://h.test", project_token=token,
                                               default=False),
        "token": lambda: auger.connect("http://h.test", token=Secret(token), default=False),
        "system_token": lambda: auger.connect("http://h.test", system_token=token,
                                              default=False),
    }
    # FEDn reads "<scheme> <token>" in one string as the token after a scheme (as the
    # published client does): one plain space is a separator there, not a flaw.
    fedn_calls = (f"Bearer {token}",) if " " in token else (token, Secret(token))
    for name, call in [*calls.items(), *(("token", lambda t=t: fedn.connect(
            "http://h.test", token=t, default=False)) for t in fedn_calls)]:
        with pytest.raises(errors.ValidationError) as err:
            call()
        assert err.value.fields == [name]
        text = _shown(err.value)
        assert not any(part in text for part in hidden), text


def test_an_auth_scheme_that_cannot_be_sent_is_refused():
    with pytest.raises(errors.ValidationError) as err:
        fedn.connect("http://h.test", token="tok-123456", auth_scheme="Be arer", default=False)
    assert err.value.fields == ["auth_scheme"]


@pytest.mark.parametrize("bad", ["\n", "\r", "\u2028", "\u00e9\u0100"])
@pytest.mark.parametrize("form", [None, {"a": "1"}])
def test_a_header_requests_refuses_is_a_redacted_hub_error(bad, form):
    """Defense in depth: a credential that got past the checks (set on the auth by hand)
    fails as a typed error that does not show it, whichever way requests refuses it."""
    token = f"Leaky{bad}Q~7token-value"
    conn = fedn.connect("http://127.0.0.1:9", token="tok-123456", default=False, max_retries=0)
    assert isinstance(conn.auth, HeaderTokenAuth)
    conn.auth.token = Secret(token)
    with pytest.raises(errors.HubError) as err:
        conn.request("POST", "x", form=form)
    assert isinstance(err.value, errors.ValidationError)
    assert err.value.fields == ["Authorization"]
    text = _shown(err.value)
    assert "Q~7token" not in text and "Leaky" not in text, text
    conn.close()


def test_short_secrets_do_not_garble_text():
    s = Secret("t")
    assert redact("statistics is required") == "statistics is required"
    assert repr(s) == "Secret('****')"


def test_logging_filter_scrubs_arguments():
    s = Secret("very-secret-value-42")
    record = logging.LogRecord("hub_sdk", logging.INFO, __file__, 1, "got %s", (s.reveal(),), None)
    RedactingFilter().filter(record)
    assert "very-secret-value-42" not in record.getMessage()


# -- URLs: presigned links and credentials in userinfo ----------------------------------------

URL_SECRET_KEYS = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "x-amz-signature",
    "X-Goog-Signature",
    "X-Goog-Credential",
    "Signature",
    "AWSAccessKeyId",
    "sig",
    "token",
    "access_token",
    "api_key",
    "project_api_token",
]
signatures = st.text(
    alphabet=string.ascii_letters + string.digits + "%-_.~", min_size=8, max_size=80
)
plain = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)


@st.composite
def signed_urls(draw: st.DrawFn) -> tuple[str, str, list[str]]:
    """(URL, the secret it carries, the parts that are no secret and must stay readable)."""
    secret = draw(signatures)
    host = f"{draw(plain)}.s3.amazonaws.test"
    path = "/".join(draw(st.lists(plain, min_size=1, max_size=3)))
    params = [(draw(plain), draw(plain)) for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        key = draw(st.sampled_from(URL_SECRET_KEYS))
        params.insert(draw(st.integers(0, len(params))), (key, secret))
        user = ""
    else:
        user = f"{draw(plain)}:{secret}@"
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"https://{user}{host}/{path}" + (f"?{query}" if query else "")
    assume(url.count(secret) == 1)  # (not also part of the host, the path or another value)
    return url, secret, [host, path]


@given(
    case=signed_urls(),
    context=st.sampled_from(["{}", "GET {} -> 404", "'{}'", '"{}"', "({})", "<a href={}>"]),
)
def test_redact_scrubs_credentials_from_urls(
    case: tuple[str, str, list[str]], context: str
) -> None:
    url, secret, readable = case
    cleaned = redact(context.format(url))
    assert secret not in cleaned
    for part in readable:
        assert part in cleaned


def test_a_presigned_download_keeps_its_signature_out_of_logs_and_errors(caplog, tmp_path):
    from hub_sdk.testing import LocalHub

    caplog.set_level(logging.DEBUG, logger="hub_sdk")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    with LocalHub(seed="demo", size=5, fedn=False) as hub:
        conn = auger.connect(hub.url, project_token=hub.project_token, default=False)
        uploaded = auger.ProjectFile.upload(tmp_path / "data.csv", project_id=1, connection=conn)
        link = uploaded.link()
        signature = link.url.split("X-Amz-Signature=")[1].split("&")[0]
        assert len(signature) >= 16 and link.download() == b"a,b\n1,2\n"
        broken = auger.ProjectFileUrl.model_validate({"url": link.url + "x"})
        broken._bind(conn, None)
        with pytest.raises(errors.HubError) as err:
            broken.download()
    for text in (str(err.value), repr(err.value), str(pickle.loads(pickle.dumps(err.value)))):
        assert signature not in text, text
    logged = [record.getMessage() for record in caplog.records]
    assert any("X-Amz-Signature=****" in line for line in logged), logged
    for line in logged:
        assert signature not in line, line


@responses.activate
def test_a_redirect_loop_error_does_not_show_the_location_credentials():
    conn = auger.connect("http://h.test", project_token="tok-123456", default=False)
    loop = "http://h.test/api/v1/loop?X-Amz-Signature=abcdef0123456789&X-Amz-Credential=AKIA42"
    responses.get("http://h.test/api/v1/start", status=302, headers={"Location": loop})
    responses.get(loop, status=302, headers={"Location": loop})
    with pytest.raises(errors.APIConnectionError) as err:
        conn.request("GET", "start")
    assert "redirects" in str(err.value)
    assert "abcdef0123456789" not in str(err.value) and "AKIA42" not in str(err.value)
