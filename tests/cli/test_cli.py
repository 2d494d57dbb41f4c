"""``hub-sdk`` in-process: resource commands, output formats, errors, tokens, configuration."""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path

import pytest

from hub_sdk.auger.experiments import Experiment, ExperimentSession
from hub_sdk.cli import describe_error
from hub_sdk.cli.resources import command_name, discover, parse_pairs, parse_value
from hub_sdk.cli.usage import UsageError
from hub_sdk.errors import NotFoundError
from hub_sdk.testing import LocalHub

from .conftest import Cli

# -- building the commands -------------------------------------------------------------------


def test_command_names_follow_the_api_paths() -> None:
    assert command_name("experiment_sessions") == "experiment_sessions"
    assert command_name("endpoints/{endpoint_id}/predictions") == "endpoint_predictions"
    assert command_name("/statuses/{id}/items/") == "status_items"
    auger = discover("auger")
    assert auger["experiment_sessions"].cls is ExperimentSession
    assert auger["endpoint_predictions"].path_params == ("endpoint_id",)
    assert {"experiments", "hyperparameters", "trials", "pipelines"} <= set(auger)
    assert "tokens" not in auger  # `tokens create` would print a credential
    assert {"models", "sessions", "packages", "rounds", "clients"} <= set(discover("fedn"))


def test_help_lists_resources_and_only_declared_verbs(cli: Cli) -> None:
    r = cli("auger", "--help")
    assert r.code == 0 and "experiment_sessions" in r.out and "hyperparameters" in r.out
    r = cli("fedn", "--help")
    assert r.code == 0 and all(n in r.out for n in ("models", "sessions", "packages"))
    r = cli("fedn", "sessions", "--help")
    assert r.code == 0 and "start" in r.out and "delete" not in r.out
    r = cli("auger", "hyperparameters", "delete", "1")  # hyperparameters cannot be deleted
    assert r.code == 2 and "invalid choice: 'delete'" in r.err


def test_values_parse_as_json_else_text() -> None:
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("true") is True
    assert parse_value('{"a": [1]}') == {"a": [1]} and parse_value("null") is None
    assert parse_value("iris") == "iris" and parse_value("NaN") == "NaN"
    # a field declared as a string keeps the text, whatever it looks like
    assert parse_pairs(["name=123", "project_id=1"], Experiment) == {"name": "123", "project_id": 1}
    assert parse_pairs(["filter=a=b"]) == {"filter": "a=b"}
    for bad in (["novalue"], ["=x"], ["a=1", "a=2"]):
        with pytest.raises(UsageError):
            parse_pairs(bad)


# -- Auger resources -------------------------------------------------------------------------


def test_list_table_and_json(cli: Cli, auger_opts: list[str]) -> None:
    r = cli("auger", "experiments", "list", *auger_opts)
    assert r.code == 0, r.err
    header, rule, *rows = r.out.splitlines()
    assert header.split()[:2] == ["id", "name"] and set(rule.replace(" ", "")) == {"-"}
    assert len(rows) >= 3 and "iris-experiment-1" in r.out

    r = cli("auger", "trials", "list", "--limit", "2", *auger_opts)
    assert r.code == 0 and len(r.out.splitlines()) == 4
    assert "2 of " in r.err and "--all" in r.err  # the note goes to stderr, not the table

    r = cli("auger", "trials", "list", "--limit", "3", "--page-size", "2", "--json", *auger_opts)
    trials = json.loads(r.out)
    assert r.code == 0 and len(trials) == 3 and all(t["object"] == "trial" for t in trials)
    assert len({t["id"] for t in trials}) == 3 and r.err == ""

    r = cli("auger", "experiment_sessions", "list", "status=completed", "--json", *auger_opts)
    sessions = json.loads(r.out)
    assert sessions and all(s["status"] == "completed" for s in sessions)


def test_create_get_update_delete(cli: Cli, auger_opts: list[str]) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    r = cli("auger", "experiments", "create", f"name={name}", "project_id=1", "--json", *auger_opts)
    assert r.code == 0, r.err
    created = json.loads(r.out)
    exp_id = created["id"]
    assert created["name"] == name and created["project_id"] == 1

    r = cli("auger", "experiments", "get", exp_id, *auger_opts)
    assert r.code == 0 and r.out.startswith(f"Experiment {exp_id}\n")
    assert any(line.split() == ["name", name] for line in r.out.splitlines())

    r = cli("auger", "experiments", "update", exp_id, "name=renamed-by-cli", *auger_opts)
    assert r.code == 0 and "renamed-by-cli" in r.out
    r = cli("auger", "experiments", "get", exp_id, "--json", *auger_opts)
    assert json.loads(r.out)["name"] == "renamed-by-cli"

    r = cli("auger", "experiments", "delete", exp_id, *auger_opts)
    assert r.code == 0 and r.out.strip() == f"deleted Experiment {exp_id}"
    r = cli("auger", "experiments", "get", exp_id, *auger_opts)
    assert r.code == 1 and r.err.startswith("error: NotFoundError 404")


def test_path_parameters_as_options(cli: Cli, auger_opts: list[str]) -> None:
    r = cli("auger", "endpoint_predictions", "list", "--endpoint-id", "nope", *auger_opts)
    assert r.code == 1 and "[GET endpoints/nope/predictions]" in r.err
    r = cli("auger", "endpoint_predictions", "list", *auger_opts)
    assert r.code == 2 and "endpoint_id" in r.err


# -- errors ----------------------------------------------------------------------------------


def test_errors_are_one_actionable_line(cli: Cli, auger_opts: list[str]) -> None:
    r = cli("auger", "experiments", "get", "x", *auger_opts)
    assert r.code == 1 and r.out == ""
    assert r.err.startswith(
        "error: NotFoundError 404: Couldn't find Experiment [GET experiments/x]"
    )
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err

    r = cli("auger", "experiments", "create", "project_id=1", *auger_opts)  # name is required
    assert r.code == 2 and r.err.startswith("error: ValidationError") and "name" in r.err

    r = cli("auger", "experiments", "list", "oops", *auger_opts)
    assert r.code == 2 and "expected key=value" in r.err

    r = cli("auger", "experiments", "list")  # nowhere to connect to
    assert r.code == 2 and "--url" in r.err and "HUB_URL" in r.err

    r = cli("auger", "experiments", "list", "--url", "http://127.0.0.1:9", "--project-token", "t")
    assert r.code == 1 and r.err.startswith("error: APIConnectionError")
    assert len(r.err.strip().splitlines()) == 1

    r = cli("auger", "experiments", "frobnicate")
    assert r.code == 2


def test_describe_error_format() -> None:
    exc = NotFoundError("Couldn't find Experiment", method="GET", path="experiments/x", status=404)
    assert describe_error(exc) == "NotFoundError 404: Couldn't find Experiment [GET experiments/x]"
    assert describe_error(FileNotFoundError(2, "No such file", "a.npz")) == "No such file: a.npz"


def test_debug_shows_traceback_and_log(cli: Cli, auger_opts: list[str]) -> None:
    r = cli("auger", "experiments", "get", "x", "--debug", *auger_opts)
    assert r.code == 1 and "Traceback" in r.err and "hub_sdk DEBUG" in r.err
    assert r.err.rstrip().splitlines()[-1].startswith("error: NotFoundError 404")


def test_token_never_appears(cli: Cli, local_hub_session: LocalHub, tmp_path: Path) -> None:
    token = local_hub_session.project_token
    opts = ["--url", local_hub_session.url, "--project-token", token]
    runs = [
        cli("auger", "projects", "list", *opts),
        cli("auger", "projects", "get", "1", "--json", *opts),
        cli("auger", "experiments", "get", "x", "--debug", *opts),
        cli("auger", "experiments", "create", "name=", "project_id=[", "--debug", *opts),
        cli("auger", "trials", "list", "--limit", "5", "--json", *opts),
    ]
    wrong = "wrong-" + token[:20]
    bad = cli("auger", "experiments", "list", "--url", local_hub_session.url, "--token", wrong)
    assert bad.code == 1 and bad.err.startswith("error: AuthenticationError 401")
    assert "check the token" in bad.err
    for r in [*runs, bad]:
        assert token not in r.out + r.err and wrong not in r.out + r.err
    assert all(r.code in (0, 1, 2) for r in runs) and runs[0].code == 0


# -- configuration ---------------------------------------------------------------------------


def test_connection_from_environment(
    cli: Cli, local_hub_session: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_URL", local_hub_session.url)
    monkeypatch.setenv("HUB_PROJECT_TOKEN", local_hub_session.project_token)
    r = cli("auger", "experiments", "list", "--json")
    assert r.code == 0 and len(json.loads(r.out)) >= 3
    monkeypatch.setenv("FEDN_URL", local_hub_session.fedn_url)
    assert cli("fedn", "sessions", "list").code == 0


def test_connection_from_profile(
    cli: Cli, local_hub_session: LocalHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[staging.auger]\nurl = "{local_hub_session.url}"\n'
        f'project_token = "{local_hub_session.project_token}"\n'
    )
    monkeypatch.setenv("HUB_SDK_CONFIG", str(config))
    r = cli("auger", "projects", "get", "1", "--profile", "staging")
    assert r.code == 0 and "demo-project" in r.out
    r = cli("--json", "auger", "--profile", "staging", "projects", "get", "1")  # options first
    assert r.code == 0 and json.loads(r.out)["id"] == 1
    r = cli("auger", "projects", "get", "1", "--profile", "nope")
    assert r.code == 2 and "no profile 'nope'" in r.err


# -- FEDn ------------------------------------------------------------------------------------


def test_fedn_session_start_wait_and_download(
    cli: Cli, local_hub: LocalHub, fedn_files: tuple[Path, Path], tmp_path: Path
) -> None:
    package, seed = fedn_files
    opts = ["--url", local_hub.fedn_url]
    r = cli("fedn", "models", "upload", str(seed), *opts)  # no package yet: refused, not sent
    assert r.code == 2 and r.err.startswith("error: NoActivePackageError")
    r = cli("fedn", "packages", "upload", str(package), "--helper", "numpyhelper", *opts)
    assert r.code == 0 and "numpyhelper" in r.out
    r = cli("fedn", "models", "upload", str(seed), "--name", "seed", "--json", *opts)
    assert r.code == 0 and json.loads(r.out)["name"] == "seed"

    r = cli("fedn", "sessions", "start", "--rounds", "2", "--wait", "--timeout", "60", *opts)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("session ") and "started: 2 rounds" in lines[0]
    assert lines[1].startswith("round 1/2") and lines[2].startswith("round 2/2")
    assert lines[-1].lower().endswith("finished")

    r = cli("fedn", "models", "list", "--limit", "1", "--order-by=-committed_at", "--json", *opts)
    latest = json.loads(r.out)[0]
    assert latest["session_id"]
    target = tmp_path / "model.npz"
    r = cli("fedn", "models", "download", latest["model_id"], "-o", str(target), *opts)
    assert r.code == 0 and f"to {target}" in r.out
    assert zipfile.is_zipfile(target) and len(zipfile.ZipFile(target).namelist()) == 2

    # --json: progress on stderr, the final session as JSON on stdout
    r = cli("fedn", "sessions", "start", "--rounds", "1", "--wait", "--json", *opts)
    assert r.code == 0 and json.loads(r.out)["status"].lower() == "finished"
    assert "round 1/1" in r.err

    r = cli("fedn", "models", "download", "nope", "-o", str(tmp_path / "x.npz"), *opts)
    assert r.code == 1 and r.err.startswith("error: NotFoundError 404")
    assert not (tmp_path / "x.npz").exists()
