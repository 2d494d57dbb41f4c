"""Replay every recorded Auger Hub interaction against LocalHub and compare the shapes.

For each interaction of ``../shared/hub-api/interactions.json`` (read at run time, never copied):
set up the records it refers to (with the recorded ids, in the store), replay the recorded
request (method, path, JSON body with the token replaced by a LocalHub token; gzip for the
optimizers routes) and check: status, envelope keys (``data``/``meta``, meta keys incl.
pagination keys), ``data.object``, and that every recorded field name is present with a
compatible JSON type (values may differ; a null is accepted where the recording or the field
census allows one). Interactions that cannot apply are skipped with the reason.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import requests

from hub_sdk.testing import LocalHub
from hub_sdk.testing.auger import TEMPLATES, make
from hub_sdk.testing.store import Store
from tests.conftest import SHARED, shared_path

Doc = dict[str, Any]

SKIP = {
    "actuals/create_valid.yaml#0": "hand-edited cassette: the recorded request body is not valid "
    "JSON ({prediction_id:...}), LocalHub answers such a body with 400, the recording says 200",
    "general_errors/server_unavailable.yaml#0": "Heroku 503 page from another host "
    "(optimizers-service-prod.herokuapp.com); reproduced by the '503' fault "
    "(tests/localhub/test_faults.py)",
    "general_errors/server_unavailable.yaml#1": "Heroku 503 page from another host (retry 1); "
    "see the '503' fault",
    "general_errors/server_unavailable.yaml#2": "Heroku 503 page from another host (retry 2); "
    "see the '503' fault",
    "prediction_groups/show.yaml#0": "hand-edited cassette: GET /prediction_groups/7 returns an "
    "object whose id is a UUID (prediction_group ids are UUIDs)",
}

# State an object must be in *before* the recorded request (the recording shows the state after).
PRE_STATE = {
    "trial_searches/update_valid.yaml": ("trial_search", 1, {"status": "done"}),
    "trial_searches/update_invalid.yaml": ("trial_search", 1, {"status": "requested"}),
    "projects/deploy_project.yaml": ("project", 1, {"status": "undeployed"}),
    "projects/undeploy_project.yaml": ("project", 1, {"status": "deployed"}),
    "organizations/delete_valid.yaml": ("organization", 50, {"status": "created"}),
    "projects/delete_valid.yaml": ("project", 43, {"deleting": False}),
}

COLLECTIONS = {
    "organizations": "organization",
    "projects": "project",
    "project_files": "project_file",
    "dataset_manifests": "dataset_manifest",
    "experiments": "experiment",
    "experiment_sessions": "experiment_session",
    "hyperparameters": "hyperparameter",
    "trials": "trial",
    "pipelines": "pipeline",
    "pipeline_files": "pipeline_file",
    "predictions": "prediction",
    "prediction_groups": "prediction_group",
    "endpoints": "endpoint",
    "endpoint_pipelines": "endpoint_pipeline",
    "review_alerts": "review_alert",
    "review_alert_items": "review_alert_item",
    "cluster_tasks": "cluster_task",
    "cluster_statuses": "cluster_status",
    "clusters": "cluster",
    "instance_types": "instance_type",
    "warm_start_requests": "warm_start_request",
    "similar_trials_requests": "similar_trials_request",
    "trial_searches": "trial_search",
    "pod_logs": "pod_log",
}
REFS = {
    "dataset_manifest_id": "dataset_manifest",
    "experiment_id": "experiment",
    "experiment_session_id": "experiment_session",
    "trial_id": "trial",
    "pipeline_id": "pipeline",
    "endpoint_id": "endpoint",
    "organization_id": "organization",
    "project_id": "project",
    "cluster_id": "cluster",
}
INT_KINDS = {
    "organization",
    "project",
    "project_file",
    "cluster",
    "cluster_task",
    "cluster_status",
    "hyperparameter",
    "pipeline_file",
    "prediction",
    "endpoint_pipeline",
    "review_alert",
    "review_alert_item",
    "trial_search",
    "warm_start_request",
    "similar_trials_request",
    "pod_log",
    "component",
    "user",
}
UNSCOPED = {
    "organization",
    "dataset_manifest",
    "hyperparameter",
    "instance_type",
    "trial_search",
    "warm_start_request",
    "similar_trials_request",
    "cluster",
    "cluster_status",
    "user",
}

RESULTS: dict[str, str] = {}


@cache
def interactions() -> list[Doc]:
    path = SHARED / "hub-api" / "interactions.json"
    return json.loads(path.read_text()) if path.exists() else []


@cache
def census() -> Doc:
    path = SHARED / "hub-api" / "hub_api.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _ids() -> list[str]:
    found = [f"{i['file']}#{i['idx']}" for i in interactions()]
    return found or ["(interactions.json absent)"]


# ---------------------------------------------------------------------------- setup


class Setup:
    """Creates the records an interaction refers to, all in project ``pid``."""

    def __init__(self, store: Store, pid: int) -> None:
        self.store = store
        self.pid = pid

    def key(self, kind: str, value: Any) -> Any:
        if kind in INT_KINDS:
            return int(value)
        return str(value)

    def ensure(self, kind: str, raw_id: Any) -> Doc:
        """Make sure ``(kind, id)`` exists (minimal record with parents); return it."""
        key = self.key(kind, raw_id)
        doc = self.store.get(kind, key)
        if doc is not None:
            return doc
        values: Doc = {"id": key}
        pid = self.pid
        if kind == "organization":
            values.update(name=f"org-{key}", subdomain=f"org-{key}", main_bucket="auger-org-x")
        elif kind == "project":
            self.ensure("organization", 1)
            values.update(
                name=f"project-{key}",
                organization_id=1,
                _project_id=key,
                url=f"https://project-{key}.localhub.test/?",
            )
        elif kind == "cluster":
            values.update(name=f"cluster-{key}", organization_id=1)
        elif kind == "dataset_manifest":
            values.update(name=f"dm-{key}", display_name=f"dm-{key}")
        elif kind == "experiment":
            self.ensure("project", pid)
            values.update(
                name=f"exp-{key}", project_id=pid, project_file_id=1, data_path_url="files/x.csv"
            )
        elif kind == "experiment_session":
            exp = self.ensure("experiment", f"exp-of-{key}")
            values.update(experiment_id=exp["id"], project_id=pid, notebook_uid=exp["id"])
        elif kind == "trial":
            session = self.ensure("experiment_session", f"ses-of-{key}")
            values.update(
                experiment_session_id=session["id"],
                project_id=pid,
                hyperparameter=make(
                    "hyperparameter",
                    {"id": 999_000 + len(str(key)), "algorithm_name": "A", "algorithm_params": {}},
                ),
            )
        elif kind == "pipeline":
            trial = self.ensure("trial", f"trial-of-{key}")
            values.update(
                status="ready",
                project_id=pid,
                organization_id=1,
                _trial_id=trial["id"],
                _experiment_session_id=trial["experiment_session_id"],
            )
        elif kind == "endpoint":
            pipe = self.ensure("pipeline", f"pipe-of-{key}")
            values.update(
                project_id=pid,
                organization_id=1,
                primary_pipeline_id=pipe["id"],
                primary_experiment_session_id=pipe["_experiment_session_id"],
            )
            self.store.upsert(
                "endpoint_pipeline",
                make(
                    "endpoint_pipeline",
                    {
                        "id": 900_000 + self.store.count("endpoint_pipeline"),
                        "endpoint_id": key,
                        "pipeline_id": pipe["id"],
                        "active": True,
                        "_project_id": pid,
                    },
                ),
            )
        elif kind == "trial_search":
            values.update(trials_total_count=10, search_space={"version": 1})
        elif kind == "prediction_group":
            pipe = self.ensure("pipeline", f"pipe-of-{key}")
            values.update(pipeline_id=pipe["id"])
        else:
            pass
        if kind not in UNSCOPED:
            values.setdefault("_project_id", pid)
        doc = make(kind, values)
        self.store.upsert(kind, doc)
        return doc

    def upsert_recorded(self, obj: Doc) -> None:
        """Store a recorded object (and the ones it embeds) under its recorded id."""
        kind = obj.get("object")
        if kind not in TEMPLATES or kind == "user" or "id" not in obj:
            return
        values = {k: v for k, v in obj.items() if k not in ("object", "deleted")}
        if kind == "experiment" and isinstance(obj.get("dataset_manifest"), dict):
            self.upsert_recorded(obj["dataset_manifest"])
            values["_dataset_manifest_id"] = obj["dataset_manifest"]["id"]
        if kind == "experiment_session":
            for pipe in obj.get("pipelines") or []:
                self.upsert_recorded(pipe)
            if obj.get("experiment_id"):
                self.ensure("experiment", obj["experiment_id"])
        if kind == "pipeline" and isinstance(obj.get("trial"), dict):
            self.upsert_recorded(obj["trial"])
            values["_trial_id"] = obj["trial"]["id"]
            values["_experiment_session_id"] = obj["trial"]["experiment_session_id"]
        if kind == "trial" and obj.get("experiment_session_id"):
            self.ensure("experiment_session", obj["experiment_session_id"])
        if kind == "endpoint":
            for ep in obj.get("endpoint_pipelines") or []:
                self.upsert_recorded(ep)
            if obj.get("primary_pipeline_id"):
                self.ensure("pipeline", obj["primary_pipeline_id"])
        endpoint_children = (
            "endpoint_pipeline",
            "review_alert",
            "review_alert_item",
            "prediction_group",
        )
        if kind in endpoint_children and obj.get("endpoint_id"):
            self.ensure("endpoint", obj["endpoint_id"])
        if kind in ("endpoint_pipeline", "prediction_group", "prediction") and obj.get(
            "pipeline_id"
        ):
            self.ensure("pipeline", obj["pipeline_id"])
        if kind == "project":
            self.ensure("organization", obj.get("organization_id") or 1)
            for comp in obj.get("components") or []:
                self.upsert_recorded(comp)
            values["_project_id"] = obj["id"]
        if kind == "cluster" and isinstance(obj.get("instance_type"), dict):
            self.upsert_recorded(obj["instance_type"])
            values["_instance_type"] = obj["instance_type"]["id"]
        if kind == "cluster_status" and obj.get("cluster_id") is not None:
            self.ensure("cluster", obj["cluster_id"])
        if kind not in UNSCOPED and kind != "project":
            values["_project_id"] = self.pid
            if "project_id" in values:
                values["project_id"] = self.pid
        self.store.upsert(kind, make(kind, values))


def _main_object(res: Any) -> Doc | None:
    data = res.get("data") if isinstance(res, dict) else None
    if isinstance(data, list):
        data = data[0] if data and isinstance(data[0], dict) else None
    return data if isinstance(data, dict) else None


def _project_of(it: Doc) -> int:
    path = it["path"]
    parts = path.strip("/").split("/")
    if len(parts) >= 4 and parts[2] == "projects" and parts[3].isdigit():
        return int(parts[3])
    main = _main_object(it["res_json"])
    if main is not None:
        if main.get("object") == "project":
            return int(main["id"])
        if isinstance(main.get("project_id"), int):
            return int(main["project_id"])
    body = it["req_json"] or {}
    if body.get("object") == "Project":
        return int(body["id"])
    if isinstance(body.get("project_id"), int):
        return int(body["project_id"])
    return 1


def _recorded_objects(res: Any) -> Iterator[Doc]:
    data = res.get("data") if isinstance(res, dict) else None
    items = data if isinstance(data, list) else [data]
    for item in items:
        if isinstance(item, dict) and "object" in item:
            yield item


def prepare(hub: LocalHub, it: Doc) -> Doc:
    """Set up the store for an interaction; return the request body to send."""
    store = hub.store
    pid = _project_of(it)
    setup = Setup(store, pid)
    setup.ensure("project", pid)
    method, path = it["method"], it["path"]
    parts = path.strip("/").split("/")
    body: Doc = dict(it["req_json"] or {})
    is_create = method == "POST" and len(parts) == 3
    # objects in the recorded response (for listings: every page of the cassette)
    sources = [it]
    if method == "GET" and len(parts) == 3:
        sources = [i for i in interactions() if i["file"] == it["file"]]
    for src in sources:
        for obj in _recorded_objects(src["res_json"]):
            if is_create:
                # the created object must not exist yet, but what it embeds must
                for name in ("dataset_manifest", "trial"):
                    if isinstance(obj.get(name), dict):
                        setup.upsert_recorded(obj[name])
                continue
            setup.upsert_recorded(obj)
    # objects named in the path
    if len(parts) >= 4 and parts[0] == "api" and parts[2] in COLLECTIONS:
        kind = COLLECTIONS[parts[2]]
        if it["status"] == 404:
            store.delete(kind, setup.key(kind, parts[3]))
        elif kind != "prediction_group":
            setup.ensure(kind, parts[3])
    if len(parts) >= 6 and parts[2] == "endpoints" and parts[4] == "predictions":
        doc = store.get("prediction_group", parts[5])
        if doc is not None:
            store.update("prediction_group", parts[5], {"endpoint_id": parts[3]})
    # objects named in the body
    for name, kind in REFS.items():
        value = body.get(name)
        if value is not None and kind != "project":
            setup.ensure(kind, value)
    if path == "/api/v1/trials" and method == "POST":
        setup.ensure("trial", body["id"])
    if (
        is_create
        and body.get("id") is not None
        and parts[2] in COLLECTIONS
        and parts[2] != "trials"
    ):
        store.delete(COLLECTIONS[parts[2]], setup.key(COLLECTIONS[parts[2]], body["id"]))
    if it["file"] in PRE_STATE:
        kind, key, state = PRE_STATE[it["file"]]
        setup.ensure(kind, key)
        store.update(kind, key, {**state, "_next": None})
    # a file path names the recorded project's folder: give the project the recorded name
    folder = re.match(r"workspace/projects/([^/]+)/", str(body.get("file_path", "")))
    if folder:
        store.update("project", pid, {"name": folder.group(1)})
    # the token
    if "project_api_token" in body and it["status"] != 401:
        body["project_api_token"] = hub.issue_token("project", project_id=pid)
    if "token" in body and it["status"] != 401:
        body["token"] = hub.user_token
    if it["file"] == "tokens/create_valid.yaml":
        body.update(email=hub.user_email, password=hub.user_password)
    return body


# ---------------------------------------------------------------------------- comparison


def jtype(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _nullable(kind: str, field: str) -> bool:
    spec = census().get(kind, {}).get("fields", {}).get(field, "")
    return "null" in spec


def compare_objects(recorded: list[Doc], ours: list[Doc], where: str) -> None:
    """Every recorded field name present in our objects, with compatible JSON types."""
    assert ours, f"{where}: LocalHub returned no {recorded[0].get('object')} objects"
    kind = recorded[0]["object"]
    assert {o.get("object") for o in ours} == {kind}, where
    rec_types: dict[str, set[str]] = {}
    for obj in recorded:
        for k, v in obj.items():
            rec_types.setdefault(k, set()).add(jtype(v))
    our_types: dict[str, set[str]] = {}
    for obj in ours:
        for k, v in obj.items():
            our_types.setdefault(k, set()).add(jtype(v))
    missing = sorted(set(rec_types) - set(our_types))
    assert not missing, f"{where}: {kind} lacks recorded fields {missing}"
    for field, rtypes in rec_types.items():
        if rtypes == {"null"}:
            continue
        for t in our_types[field]:
            if t == "null":
                assert "null" in rtypes or _nullable(kind, field), (
                    f"{where}: {kind}.{field} is null, recorded {sorted(rtypes)}"
                )
            else:
                assert t in rtypes, f"{where}: {kind}.{field} is {t}, recorded {sorted(rtypes)}"
        # embedded objects
        rec_nested = [
            o[field] for o in recorded if isinstance(o.get(field), dict) and "object" in o[field]
        ]
        rec_nested += [
            x
            for o in recorded
            if isinstance(o.get(field), list)
            for x in o[field]
            if isinstance(x, dict) and "object" in x
        ]
        if rec_nested:
            our_nested = [o[field] for o in ours if isinstance(o.get(field), dict)]
            our_nested += [
                x
                for o in ours
                if isinstance(o.get(field), list)
                for x in o[field]
                if isinstance(x, dict)
            ]
            if our_nested:
                compare_objects(rec_nested, our_nested, f"{where}.{field}")


def compare(it: Doc, response: requests.Response) -> None:
    where = f"{it['file']}#{it['idx']}"
    assert response.status_code == it["status"], (
        f"{where}: {response.status_code} {response.text[:300]}"
    )
    recorded = it["res_json"]
    if recorded is None:
        recorded_type = (
            it["res_headers"].get("content-type") or it["res_headers"].get("Content-Type") or [""]
        )[0]
        if recorded_type.startswith("text/plain"):
            assert response.headers["Content-Type"] == recorded_type
        return
    ours = response.json()
    assert set(ours) == set(recorded), where
    assert set(ours["meta"]) == set(recorded["meta"]), where
    assert ours["meta"]["status"] == recorded["meta"]["status"]
    if "pagination" in recorded["meta"]:
        assert list(ours["meta"]["pagination"]) == list(recorded["meta"]["pagination"])
    if "errors" in recorded["meta"]:

        def norm(errors: list[Doc]) -> list[Doc]:
            return [{k: e[k] for k in sorted(e)} for e in errors]

        assert norm(ours["meta"]["errors"]) == norm(recorded["meta"]["errors"]), where
    if "data" not in recorded:
        return
    rdata, odata = recorded["data"], ours["data"]
    assert jtype(odata) == jtype(rdata), where
    if isinstance(rdata, dict):
        if "object" in rdata:
            assert odata.get("object") == rdata["object"], where
            compare_objects([rdata], [odata], where)
        else:
            assert set(odata) == set(rdata), where
            for k, v in rdata.items():
                assert jtype(odata[k]) == jtype(v), f"{where}: {k}"
                if k == "fields" and isinstance(v, dict):  # presigned form fields
                    assert set(odata[k]) == set(v), f"{where}: {k}"
    else:
        objs = [x for x in rdata if isinstance(x, dict) and "object" in x]
        if objs:
            compare_objects(objs, [x for x in odata if isinstance(x, dict)], where)
        elif rdata:  # /next_trials: [[trial...], {context}]
            assert len(odata) == len(rdata), where
            assert [jtype(x) for x in odata] == [jtype(x) for x in rdata], where


# ---------------------------------------------------------------------------- tests


@pytest.fixture
def hub() -> Iterator[LocalHub]:
    with LocalHub(fedn=False) as h:
        yield h


@pytest.mark.parametrize("name", _ids())
def test_recorded_interaction(hub: LocalHub, name: str) -> None:
    shared_path("hub-api", "interactions.json")
    if name in SKIP:
        RESULTS[name] = "skipped"
        pytest.skip(SKIP[name])
    it = next(i for i in interactions() if f"{i['file']}#{i['idx']}" == name)
    if it["req_json"] is None and it["req_body_raw"]:
        RESULTS[name] = "skipped"
        pytest.skip("the recorded request body is not JSON")
    body = prepare(hub, it)
    base = hub.optimizers_url if it["req_enc"] == "gzip" else hub.url
    raw = json.dumps(body).encode()  # NaN/Infinity stay as recorded (invalid JSON on purpose)
    headers = {"Content-Type": "application/json"}
    if it["req_enc"] == "gzip":
        raw = gzip.compress(raw)
        headers["Content-Encoding"] = "gzip"
    response = requests.request(
        it["method"], base + it["path"], data=raw if body else None, headers=headers, timeout=30
    )
    RESULTS[name] = "failed"
    compare(it, response)
    RESULTS[name] = "passed"


MIN_COVERAGE = 115


def test_contract_coverage_summary() -> None:
    shared_path("hub-api", "interactions.json")
    total = len(interactions())
    if len(RESULTS) < total:
        pytest.skip(f"only {len(RESULTS)} of {total} interactions ran in this session")
    passed = sum(1 for v in RESULTS.values() if v == "passed")
    skipped = sorted(k for k, v in RESULTS.items() if v == "skipped")
    print(f"\ncontract coverage: {passed} of {total}")
    for name in skipped:
        print(f"  skipped {name}: {SKIP.get(name, 'not JSON')}")
    assert passed >= MIN_COVERAGE, f"contract coverage: {passed} of {total}"
