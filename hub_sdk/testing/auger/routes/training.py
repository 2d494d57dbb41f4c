"""Training: experiments, experiment sessions, hyperparameters, trials, pipelines and their files.

Trials arrive in bulk (``PATCH /api/v1/trials``, upserted by ``uid``); ``POST /api/v1/trials``
refits one into a new trial. Pipelines and pipeline files are built lazily: ``creating_files``
or ``pending`` in the response, ``ready`` or ``success`` on the next read.
"""

from __future__ import annotations

import secrets

from werkzeug.wrappers import Response

from ...store import public
from ..catalogue import SPEC_BY_KIND
from ..engine.envelope import invalid, ok
from ..engine.request import HubRequest, as_float
from ..engine.room import Room, creates, route, updates
from ..templates import Doc, make

__all__ = ["Training"]


class Training(Room):
    """Experiments, sessions, hyperparameters, trials, pipelines and pipeline files."""

    @creates("experiment")
    def create_experiment(self, req: HubRequest) -> Doc:
        """An experiment of a project, optionally on a dataset manifest or file."""
        req.require("name")
        project = self.project_for_create(req)
        key = self.new_str_id(req, "experiment", 7)
        values: Doc = {
            "id": key,
            "name": str(req.params["name"]),
            "project_id": project["id"],
            "_project_id": project["id"],
        }
        dm_id = req.params.get("dataset_manifest_id")
        if dm_id not in (None, ""):
            values["_dataset_manifest_id"] = self.load(req, "dataset_manifest", dm_id)["id"]
        pf_id = req.params.get("project_file_id")
        if pf_id not in (None, ""):
            pf = self.load(req, "project_file", pf_id)
            values.update(project_file_id=pf["id"], data_path_url=pf["url"])
        if isinstance(req.params.get("search_space"), (dict, str)):
            values["search_space"] = req.params["search_space"]
        return self.insert("experiment", values)

    @updates("experiment")
    def update_experiment(self, req: HubRequest, doc: Doc) -> Doc:
        """Change an experiment's writable fields."""
        changes = req.pick(SPEC_BY_KIND["experiment"].writable)
        changes["updated_at"] = self.clock()
        return self.store.update("experiment", doc["id"], changes) or doc

    @creates("experiment_session")
    def create_experiment_session(self, req: HubRequest) -> Doc:
        """The next numbered session of an experiment."""
        req.require("experiment_id")
        exp = self.load(req, "experiment", req.params["experiment_id"])
        key = self.new_str_id(req, "experiment_session", 7)
        dm_id = req.params.get("dataset_manifest_id") or exp.get("_dataset_manifest_id")
        dm = self.load(req, "dataset_manifest", dm_id) if dm_id else None
        number = self.store.count("experiment_session", {"experiment_id": exp["id"]}) + 1
        values: Doc = {
            "id": key,
            "number": number,
            "project_id": exp["project_id"],
            "project_file_id": exp.get("project_file_id"),
            "experiment_id": exp["id"],
            "dataset_manifest_id": dm["id"] if dm else None,
            "notebook_uid": exp["id"],
            "datasource_name": dm["name"] if dm else exp["name"],
            "_project_id": exp["project_id"],
        }
        for name in ("status", "message", "model_type"):
            if isinstance(req.params.get(name), str):
                values[name] = req.params[name]
        for name in ("model_settings", "statistics"):
            if isinstance(req.params.get(name), dict):
                values[name] = req.params[name]
        return self.insert("experiment_session", values)

    @creates("hyperparameter")
    def create_hyperparameter(self, req: HubRequest) -> Doc:
        """A hyperparameter set."""
        req.require("algorithm_name")
        params = req.params.get("algorithm_params") or {}
        if not isinstance(params, dict):
            raise invalid("algorithm_params", "must be an object")
        return self.insert(
            "hyperparameter",
            {
                "id": self.next_id("hyperparameter"),
                "algorithm_name": str(req.params["algorithm_name"]),
                "algorithm_params": params,
                "algorithm_params_hash": req.params.get("algorithm_params_hash"),
            },
        )

    @creates("trial")
    def create_trial(self, req: HubRequest) -> Doc:
        """``POST /trials {id, refit_data_path}``: refit, i.e. a NEW trial copied from ``id``."""
        req.require("id", "refit_data_path")
        source = self.load(req, "trial", req.params["id"])
        new_id = secrets.token_hex(8)
        raw = dict(source.get("raw_data") or {})
        raw.update({"uid": new_id, "refit_data_path": str(req.params["refit_data_path"])})
        values = {k: v for k, v in source.items() if k not in ("object", "deleted")}
        values.update({"id": new_id, "raw_data": raw, "trial_metrics_count": 0})
        values.pop("created_at", None)
        values.pop("updated_at", None)
        return self.insert("trial", values)

    @updates("trial")
    def update_trial(self, req: HubRequest, doc: Doc) -> Doc:
        """Merge the whole payload into ``raw_data`` (as recorded) and update the scores."""
        payload = req.payload()
        raw = dict(doc.get("raw_data") or {})
        raw.update(payload)
        raw["trial"] = {
            k: payload[k] for k in ("score_name", "score_value", "task_type") if k in payload
        }
        changes: Doc = {"raw_data": raw, "updated_at": self.clock()}
        for name in ("score_name", "task_type"):
            if isinstance(payload.get(name), str):
                changes[name] = payload[name]
        if "score_value" in payload:
            changes["score_value"] = as_float(payload["score_value"], "score_value")
        return self.store.update("trial", doc["id"], changes) or doc

    @route("PATCH", "/api/v1/trials")
    def bulk_update_trials(self, req: HubRequest) -> Response:
        """``PATCH /trials {experiment_session_id, trials: [...]}``: upsert by ``uid``."""
        req.require("experiment_session_id")
        session = self.load(req, "experiment_session", req.params["experiment_session_id"])
        items = req.params.get("trials")
        if not isinstance(items, list) or not all(isinstance(t, dict) for t in items):
            raise invalid("trials", "should be an array of objects")
        out: list[Doc] = []
        ts = self.clock()
        with self.store.transaction():
            for item in items:
                tid = str(item.get("uid") or item.get("id") or secrets.token_hex(8))
                existing = self.store.get("trial", tid)
                if existing is not None and existing.get("experiment_session_id") != session["id"]:
                    raise invalid("trials", f"trial {tid} belongs to another experiment session")
                score = item.get("score", item.get("score_value"))
                if isinstance(score, bool) or not isinstance(score, (int, float, type(None))):
                    raise invalid("trials", "score should be a number")
                hp = (
                    dict(existing["hyperparameter"])
                    if existing
                    else {
                        "object": "hyperparameter",
                        "deleted": False,
                        "id": self.next_id("hyperparameter"),
                    }
                )
                hp.update(
                    {
                        "algorithm_name": str(
                            item.get("algorithm_name") or hp.get("algorithm_name") or ""
                        ),
                        "algorithm_params": item.get("algorithm_params")
                        or hp.get("algorithm_params")
                        or {},
                        "algorithm_params_hash": item.get(
                            "algorithm_params_hash", hp.get("algorithm_params_hash")
                        ),
                    }
                )
                values: Doc = {
                    "experiment_session_id": session["id"],
                    "project_id": session["project_id"],
                    "hyperparameter": hp,
                    "raw_data": item,
                    "updated_at": ts,
                    "_project_id": session["project_id"],
                }
                if score is not None:
                    values["score_value"] = float(score)
                for name in ("score_name", "task_type"):
                    if isinstance(item.get(name), str):
                        values[name] = item[name]
                if existing is None:
                    self.store.upsert("hyperparameter", hp)
                    doc = self.store.insert("trial", make("trial", {"id": tid, **values}, ts))
                else:
                    self.store.upsert("hyperparameter", hp)
                    doc = self.store.update("trial", tid, values) or existing
                out.append(public(doc))
            scores = [
                t["score_value"] for t in out if isinstance(t.get("score_value"), (int, float))
            ]
            if scores:
                best = max(
                    scores
                    + (
                        [session["top_score_value"]]
                        if isinstance(session.get("top_score_value"), (int, float))
                        else []
                    )
                )
                self.store.update("experiment_session", session["id"], {"top_score_value": best})
        return ok(out)

    @creates("pipeline")
    def create_pipeline(self, req: HubRequest) -> Doc:
        """A pipeline of a trial (``ready`` on the next read)."""
        req.require("trial_id")
        trial = self.load(req, "trial", req.params["trial_id"])
        project = self.project_for_create(req, trial["_project_id"])
        session = self.store.get("experiment_session", trial["experiment_session_id"]) or {}
        key = self.new_str_id(req, "pipeline")
        return self.insert(
            "pipeline",
            {
                "id": key,
                "status": "creating_files",
                "project_id": project["id"],
                "organization_id": project["organization_id"],
                "datasource_manifest_name": session.get("datasource_name") or "",
                "_trial_id": trial["id"],
                "_experiment_session_id": trial["experiment_session_id"],
                "_project_id": project["id"],
                "_next": {
                    "status": "ready",
                    "lambda_package_s3_path": f"workspace/pipelines/{key}.zip",
                },
            },
        )

    @creates("pipeline_file")
    def create_pipeline_file(self, req: HubRequest) -> Doc:
        """A pipeline file of a trial (``success`` on the next read)."""
        req.require("trial_id")
        trial = self.load(req, "trial", req.params["trial_id"])
        pid = self.next_id("pipeline_file")
        return self.insert(
            "pipeline_file",
            {
                "id": pid,
                "experiment_session_id": trial["experiment_session_id"],
                "trial_id": trial["id"],
                "_project_id": trial["_project_id"],
                "_next": {
                    "model_path_status": "success",
                    "model_path": f"workspace/models/{trial['id']}-{pid}.zip",
                },
            },
        )
