"""Notebook display, progress bars and configuration from the environment and profiles."""

from __future__ import annotations

import pytest

from hub_sdk import auger
from hub_sdk.core import LazyList, Page
from hub_sdk.core.config import load_profile, resolve
from hub_sdk.errors import ValidationError

from .conftest import Widget


def test_resource_html_and_rich_show_key_fields(toy, conn):
    toy.add("widgets", name="<b>bold</b>", size=3, created_at="2020-01-02T03:04:05.000Z")
    w = Widget.get(1)
    page = w._repr_html_()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold" not in page
    assert "created_at" in page and "2020-01-02 03:04:05" in page
    assert dict(w.__rich_repr__())["name"] == "<b>bold</b>"


def test_lazy_list_html_fetches_only_the_first_page(toy, conn):
    for i in range(30):
        toy.add("widgets", name=f"w{i}")
    before = len(toy.log)
    page = Widget.list(page_size=5)._repr_html_()
    assert len(toy.log) == before + 1
    assert "5 of 30" in page and page.count("<tr>") == 6  # header + 5 rows


def test_to_pandas_has_typed_columns(toy, conn):
    pd = pytest.importorskip("pandas")
    toy.add("widgets", name="a", size=1, created_at="2020-01-02T03:04:05.000Z")
    toy.add("widgets", name="b", size=None, created_at="2021-01-02T03:04:05.000Z")
    frame = Widget.list().to_pandas()
    assert list(frame["name"]) == ["a", "b"]
    assert str(frame["size"].dtype) == "Int64"
    assert isinstance(frame["created_at"].dtype, pd.DatetimeTZDtype)


def test_progress_iteration_yields_everything(capsys):
    items = list(range(45))
    lazy = LazyList(lambda o, n: Page(items[o : o + n], len(items)), page_size=10, progress=True,
                    describe="numbers")
    assert list(lazy) == items
    assert "numbers" in capsys.readouterr().err


@pytest.fixture()
def profile_file(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(
        '[default.auger]\nurl = "http://default.test"\nproject_token = "from-file"\n'
        '[prod.auger]\nurl = "http://prod.test"\n'
        '[prod.fedn]\nurl = "http://fedn.prod.test"\ntoken = "t"\n'
    )
    monkeypatch.setenv("HUB_SDK_CONFIG", str(path))
    for var in ("HUB_URL", "HUB_PROJECT_TOKEN", "HUB_SDK_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    return path


ENV = {"url": "HUB_URL", "project_token": "HUB_PROJECT_TOKEN"}


def test_profiles_environment_and_arguments_in_that_order(profile_file, monkeypatch):
    assert resolve("auger", {}, ENV) == {"url": "http://default.test", "project_token": "from-file"}
    assert resolve("auger", {}, ENV, profile="prod") == {"url": "http://prod.test"}
    monkeypatch.setenv("HUB_URL", "http://env.test")
    assert resolve("auger", {}, ENV)["url"] == "http://env.test"
    assert resolve("auger", {"url": "http://arg.test"}, ENV)["url"] == "http://arg.test"
    assert load_profile("fedn", "prod") == {"url": "http://fedn.prod.test", "token": "t"}


def test_unknown_profile_is_named(profile_file):
    with pytest.raises(ValidationError, match=r"no profile .staging.*default, prod"):
        resolve("auger", {}, ENV, profile="staging")


def test_missing_file_is_fine_for_the_default_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_SDK_CONFIG", str(tmp_path / "absent.toml"))
    assert load_profile("auger") == {}
    with pytest.raises(ValidationError, match="does not exist"):
        load_profile("auger", "prod")


def test_connect_accepts_explicit_arguments():
    c = auger.connect("http://x.test", project_token="t", default=False)
    assert c.base_url == "http://x.test"


def test_connect_with_no_arguments_reads_the_environment(monkeypatch, tmp_path):
    from hub_sdk import fedn

    monkeypatch.setenv("HUB_SDK_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("HUB_URL", "http://env-hub.test/")
    monkeypatch.setenv("HUB_CLUSTER_TOKEN", "cluster-secret")
    c = auger.connect(default=False)
    assert (c.base_url, c.auth.kind) == ("http://env-hub.test", "cluster_api_token")
    assert auger.connect(project_token="p", default=False).auth.kind == "project_api_token"
    monkeypatch.setenv("FEDN_HOST", "fedn-host.test:8092")
    monkeypatch.setenv("FEDN_AUTH_TOKEN", "fedn-secret")
    monkeypatch.setenv("FEDN_AUTH_SCHEME", "Token")
    f = fedn.connect(default=False)
    assert f.base_url == "http://fedn-host.test:8092" and f.auth.scheme == "Token"


def test_connect_from_a_named_profile(profile_file):
    from hub_sdk import fedn

    assert auger.connect(profile="prod", default=False).base_url == "http://prod.test"
    f = fedn.connect(profile="prod", default=False)
    assert f.base_url == "http://fedn.prod.test" and f.auth.token.reveal() == "t"


def test_missing_settings_are_named(tmp_path, monkeypatch):
    from hub_sdk import fedn

    monkeypatch.setenv("HUB_SDK_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(ValidationError, match="HUB_URL") as err:
        auger.connect(default=False)
    assert err.value.fields == ["url"]
    with pytest.raises(ValidationError, match="FEDN_URL or FEDN_HOST"):
        fedn.connect(default=False)


def test_connect_and_login_share_one_set_of_connection_options():
    from hub_sdk import fedn

    conn = auger.connect(
        "http://x.test",
        default=False,
        timeout=2.0,
        max_retries=1,
        verify="/ca.pem",
        cache_size=0,
        cache_ttl=1.0,
    )
    assert (conn.timeout, conn.retry.max_retries, conn.verify) == (2.0, 1, "/ca.pem")
    assert not conn.cache.enabled
    f = fedn.connect("http://f.test", None, None, "/ca.pem", default=False, max_retries=0)
    assert (f.verify, f.retry.max_retries) == ("/ca.pem", 0)
    # Strict at the edge: Connection's other keywords are not connect()'s.
    with pytest.raises(TypeError, match=r"connect\(\) got an unexpected keyword .*'pool_size'"):
        auger.connect("http://x.test", default=False, pool_size=2)
    with pytest.raises(TypeError, match="'protocol'"):
        fedn.connect("http://f.test", default=False, protocol=None)
    with pytest.raises(TypeError, match=r"login\(\) got an unexpected keyword argument 'retries'"):
        auger.login("a@b.c", "pw", url="http://x.test", retries=1)
