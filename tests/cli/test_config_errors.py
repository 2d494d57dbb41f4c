"""Profile file mistakes name the file, the profile and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Cli


def test_bad_config_names_file_key_and_profile(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    monkeypatch.setenv("HUB_SDK_CONFIG", str(config))
    config.write_text('[default.auger]\nurl = 5\n[prod.auger]\nprojet_token = "x"\n')
    r = cli("auger", "experiments", "list")
    assert r.code == 2 and str(config) in r.err and "url" in r.err and "default" in r.err, r.err
    r = cli("auger", "experiments", "list", "--profile", "prod")
    assert r.code == 2 and "projet_token" in r.err and "prod" in r.err, r.err
    assert "project_token" in r.err  # the nearest valid name

    config.write_text('[default.fedn]\nurl = "http://127.0.0.1:9"\ntimeout = "soon"\n')
    r = cli("fedn", "models", "list")
    assert r.code == 2 and "timeout" in r.err and str(config) in r.err, r.err

    config.write_text('[default]\nauger = "oops"\n')
    r = cli("auger", "experiments", "list", "--url", "http://127.0.0.1:9")
    assert r.code == 2 and str(config) in r.err and "auger" in r.err, r.err

    config.write_text('[default.auger]\nurl = "http://127.0.0.1:9"\n')
    monkeypatch.setenv("HUB_SDK_PROFILE", "nosuch")
    r = cli("auger", "experiments", "list", "--url", "http://127.0.0.1:9")
    assert r.code == 2 and "nosuch" in r.err and "HUB_SDK_PROFILE" in r.err
    assert str(config) in r.err and "default" in r.err  # the profiles there are

    config.unlink()
    r = cli("auger", "experiments", "list", "--url", "http://127.0.0.1:9")
    assert r.code == 2 and "nosuch" in r.err and str(config) in r.err
