"""Arguments checked before anything is sent: JSON options, models, files that are not there."""

from __future__ import annotations

import json
from pathlib import Path

from hub_sdk.testing import LocalHub

from .conftest import Cli


def test_bad_aggregator_kwargs_is_a_usage_error(cli: Cli, local_hub_session: LocalHub) -> None:
    opts = ["--url", local_hub_session.fedn_url]
    before = cli("fedn", "sessions", "list", "--json", *opts).out
    r = cli("fedn", "sessions", "start", "--aggregator-kwargs", "{bad json", *opts)
    assert r.code == 2 and "--aggregator-kwargs" in r.err
    r = cli("fedn", "sessions", "start", "--aggregator-kwargs", "[1, 2]", *opts)
    assert r.code == 2 and "--aggregator-kwargs" in r.err
    assert cli("fedn", "sessions", "list", "--json", *opts).out == before

def test_refused_model_leaves_no_session(cli: Cli, local_hub_session: LocalHub) -> None:
    opts = ["--url", local_hub_session.fedn_url]
    before = cli("fedn", "sessions", "list", "--all", "--json", *opts).out
    r = cli("fedn", "sessions", "start", "--model", "nosuch", *opts)
    assert r.code == 1 and "NotFoundError" in r.err and "nosuch" in r.err
    assert cli("fedn", "sessions", "list", "--all", "--json", *opts).out == before

def test_file_arguments_name_the_path(
    cli: Cli, local_hub: LocalHub, tmp_path: Path, fedn_files: tuple[Path, Path]
) -> None:
    opts = ["--url", local_hub.fedn_url]
    missing = tmp_path / "missing.npz"
    for argv in (
        ("fedn", "models", "upload", str(missing)),
        ("fedn", "packages", "upload", str(missing)),
    ):
        r = cli(*argv, *opts)
        assert r.code == 2 and r.err.startswith("error: ValidationError"), r.err
        assert str(missing) in r.err and "does not exist" in r.err
        assert "FileNotFoundError" not in r.err
    r = cli("fedn", "models", "upload", str(tmp_path), *opts)
    assert r.code == 2 and str(tmp_path) in r.err and "is a directory" in r.err
    assert "IsADirectoryError" not in r.err

    package, seed = fedn_files
    assert cli("fedn", "packages", "upload", str(package), *opts).code == 0
    r = cli("fedn", "models", "upload", str(seed), "--json", *opts)
    assert r.code == 0, r.err
    model_id = json.loads(r.out)["model_id"]
    for target, words in (
        (tmp_path, "is a directory"),
        (tmp_path / "no" / "such" / "dir" / "m.npz", "does not exist"),
    ):
        r = cli("fedn", "models", "download", model_id, "-o", str(target), *opts)
        assert r.code == 2 and words in r.err, r.err
        assert ".part" not in r.err and "Error:" not in r.err.split(":", 2)[-1]


def test_unknown_and_null_filters_are_one_line_usage_errors(
    cli: Cli, local_hub_session: LocalHub
) -> None:
    hub = local_hub_session
    auger_opts = ["--url", hub.url, "--project-token", hub.project_token]
    fedn_opts = ["--url", hub.fedn_url]
    for argv, field in [
        (("auger", "trials", "list", "experiment_sesion_id=x", *auger_opts), "sesion_id"),
        (("auger", "experiments", "list", "project_id=null", *auger_opts), "leave it out"),
        (("auger", "trials", "list", "experiment_session_id=", *auger_opts), "empty string"),
        (("fedn", "models", "list", "session_id=", *fedn_opts), "empty string"),
        (("fedn", "models", "list", "nosuch=x", *fedn_opts), "nosuch"),
        (("fedn", "models", "list", "--order-by", "nosuchfield", *fedn_opts), "order_by"),
        (("auger", "experiments", "create", "name=x", "nme=y", *auger_opts), "did you mean"),
    ]:
        r = cli(*argv)
        assert r.code == 2 and r.out == "", (argv, r)
        assert r.err.startswith("error: ValidationError") and field in r.err, r.err
        assert len(r.err.strip().splitlines()) == 1, r.err
