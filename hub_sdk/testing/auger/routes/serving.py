"""Serving: predictions, endpoints and their pipelines, actuals, review alerts and ROI checks.

A prediction (or prediction group) answers ``requested``/``running`` and is ``processed`` on the
next read, its result a deterministic stand-in (the mean of each record's numbers). Deleting
actuals and validating ROI expressions are cluster tasks, as on the real Hub.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from werkzeug.wrappers import Response

from ...store import public
from ..catalogue import SPEC_BY_KIND
from ..engine.auth import TOKEN_KEYS
from ..engine.envelope import ApiError, ParamErrors, invalid, listing, not_found, ok
from ..engine.request import HubRequest, as_float
from ..engine.room import Room, creates, route, updates
from ..templates import Doc, make

__all__ = ["Serving"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _balanced(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0 and bool(expr.strip())


def _predict(records: list[Any], features: list[Any]) -> Doc:
    """The stand-in model: each record's mean of its numbers as the prediction column."""
    data = []
    for rec in records:
        nums = [v for v in rec if isinstance(v, (int, float)) and not isinstance(v, bool)]
        data.append([*rec, round(sum(nums) / len(nums), 4) if nums else None])
    return {"columns": [*features, "prediction"], "data": data}


class Serving(Room):
    """Predictions, endpoints, endpoint pipelines, actuals, review alerts and ROI validation."""

    def _validate_records(
        self, req: HubRequest, pipeline_id: Any = None
    ) -> tuple[list[Any], list[Any]]:
        req.require("records", "features")
        records, features = req.params["records"], req.params["features"]
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise invalid("features", "should be an array of strings")
        good = isinstance(records, list) and all(
            isinstance(r, list)
            and len(r) == len(features)
            and all(not isinstance(v, (list, dict)) for v in r)
            for r in records
        )
        if not good:
            echo = {k: ("****" if k in TOKEN_KEYS else v) for k, v in req.params.items()}
            if pipeline_id is not None:
                echo["prediction"] = {"pipeline_id": pipeline_id}
            p = req.principal
            if p is not None and p.project_id is not None:
                echo["project_id"] = p.project_id
            raise ApiError(
                400,
                [
                    {
                        "error_type": "invalid_param",
                        "error_param": "records",
                        "message": "records should be an array of arrays of plain values, "
                        "each records "
                        "size should be equal to the features count",
                    }
                ],
                request_params=echo,
            )
        return records, features

    @creates("prediction")
    def create_prediction(self, req: HubRequest) -> Doc:
        """A prediction on a pipeline (``processed`` on the next read)."""
        req.require("pipeline_id")
        records, features = self._validate_records(req, req.params.get("pipeline_id"))
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self.insert(
            "prediction",
            {
                "id": self.next_id("prediction"),
                "pipeline_id": pipe["id"],
                "records_count": len(records),
                "_project_id": pipe["_project_id"],
                "_next": {
                    "status": "processed",
                    "time_consumed_ms": 12 + len(records),
                    "result": _predict(records, features),
                },
            },
        )

    @creates("prediction_group")
    def create_prediction_group(self, req: HubRequest, endpoint: Doc | None = None) -> Doc:
        """A prediction group on a pipeline or an endpoint's primary one."""
        if endpoint is None:
            req.require("pipeline_id")
        records, features = self._validate_records(req, req.params.get("pipeline_id"))
        if endpoint is not None:
            pipe = self.load(req, "pipeline", endpoint["primary_pipeline_id"])
        else:
            pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self.insert(
            "prediction_group",
            {
                "id": str(uuid.uuid4()),
                "pipeline_id": pipe["id"],
                "endpoint_id": endpoint["id"] if endpoint else None,
                "status": "running",
                "records_count": len(records),
                "_project_id": pipe["_project_id"],
                "_next": {
                    "status": "processed",
                    "time_consumed_ms": 20 + len(records),
                    "result": _predict(records, features),
                },
            },
        )

    @creates("endpoint")
    def create_endpoint(self, req: HubRequest) -> Doc:
        """An endpoint serving a pipeline (its first endpoint pipeline, active)."""
        req.require("pipeline_id")
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        eid = str(uuid.uuid4())
        with self.store.transaction():
            doc = self.insert(
                "endpoint",
                {
                    "id": eid,
                    "name": req.params.get("name"),
                    "project_id": pipe["project_id"],
                    "dataset_signature": hashlib.md5(
                        str(pipe["_experiment_session_id"]).encode()
                    ).hexdigest(),
                    "organization_id": pipe["organization_id"],
                    "primary_pipeline_id": pipe["id"],
                    "primary_experiment_session_id": pipe["_experiment_session_id"],
                    "_project_id": pipe["_project_id"],
                },
            )
            self.insert(
                "endpoint_pipeline",
                {
                    "id": self.next_id("endpoint_pipeline"),
                    "endpoint_id": eid,
                    "pipeline_id": pipe["id"],
                    "active": True,
                    "_project_id": pipe["_project_id"],
                },
            )
        return doc

    @creates("endpoint_pipeline")
    def create_endpoint_pipeline(self, req: HubRequest) -> Doc:
        """Attach one more pipeline to an endpoint."""
        req.require("endpoint_id", "pipeline_id")
        endpoint = self.load(req, "endpoint", req.params["endpoint_id"])
        pipe = self.load(req, "pipeline", req.params["pipeline_id"])
        return self.insert(
            "endpoint_pipeline",
            {
                "id": self.next_id("endpoint_pipeline"),
                "endpoint_id": endpoint["id"],
                "pipeline_id": pipe["id"],
                "active": bool(req.params.get("active", False)),
                "_project_id": endpoint["_project_id"],
            },
        )

    @route("GET", "/api/v1/endpoints/<endpoint_id>/predictions")
    def endpoint_predictions(self, req: HubRequest, endpoint_id: str) -> Response:
        """The prediction groups of an endpoint, one page."""
        endpoint = self.load(req, "endpoint", endpoint_id)
        limit, offset = req.page()
        docs, total = self.store.query(
            "prediction_group", {"endpoint_id": endpoint["id"]}, offset=offset, limit=limit
        )
        return listing(self.render_many("prediction_group", docs), limit, offset, total)

    @route("GET", "/api/v1/endpoints/<endpoint_id>/predictions/<id>")
    def endpoint_prediction(self, req: HubRequest, endpoint_id: str, id: str) -> Response:
        """One prediction group of an endpoint."""
        endpoint = self.load(req, "endpoint", endpoint_id)
        doc = self.load(req, "prediction_group", id)
        if doc.get("endpoint_id") != endpoint["id"]:
            raise not_found("PredictionGroup")
        return ok(self.render("prediction_group", doc))

    @route("POST", "/api/v1/endpoints/<endpoint_id>/predictions")
    def create_endpoint_prediction(self, req: HubRequest, endpoint_id: str) -> Response:
        """Predict with an endpoint's primary pipeline."""
        endpoint = self.load(req, "endpoint", endpoint_id)
        doc = self.create_prediction_group(req, endpoint)
        return ok(self.render("prediction_group", doc))

    @creates("review_alert")
    def create_review_alert(self, req: HubRequest) -> Doc:
        """A review alert on an endpoint."""
        req.require("endpoint_id", "kind")
        endpoint = self.load(req, "endpoint", req.params["endpoint_id"])
        values: Doc = {
            "id": self.next_id("review_alert"),
            "endpoint_id": endpoint["id"],
            "kind": str(req.params["kind"]),
            "_project_id": endpoint["_project_id"],
        }
        values.update(req.pick(("sensitivity", "actions", "notifications", "active")))
        if "threshold" in req.params:
            values["threshold"] = as_float(req.params["threshold"], "threshold")
        return self.insert("review_alert", values)

    @updates("review_alert")
    def update_review_alert(self, req: HubRequest, doc: Doc) -> Doc:
        """Change a review alert's writable fields (the threshold as a number)."""
        changes = req.pick(SPEC_BY_KIND["review_alert"].writable)
        if "threshold" in changes:
            changes["threshold"] = as_float(changes["threshold"], "threshold")
        changes["updated_at"] = self.clock()
        return self.store.update("review_alert", doc["id"], changes) or doc

    def _hub_info(self, project: Doc, pipeline: Doc | None, task_id: int) -> Doc:
        session = exp = pfile = None
        if pipeline is not None:
            session = self.store.get("experiment_session", pipeline.get("_experiment_session_id"))
        if session is not None:
            exp = self.store.get("experiment", session.get("experiment_id"))
            if session.get("project_file_id") is not None:
                pfile = self.store.get("project_file", session["project_file_id"])
        path = f"s3://localhub/workspace/projects/{project['name']}"
        return {
            "dataset_manifest_id": session.get("dataset_manifest_id") if session else None,
            "experiment_id": exp["id"] if exp else None,
            "experiment_name": exp["name"] if exp else None,
            "project_name": project["name"],
            "project_path": path,
            "project_file_id": pfile["id"] if pfile else None,
            "project_file": public(pfile) if pfile else None,
            "experiment_session_id": session["id"] if session else None,
            "experiment_session": public(session) if session else None,
            "pipeline_id": pipeline["id"] if pipeline else None,
            "prediction_id": None,
            "cluster_task_id": task_id,
        }

    @route("POST", "/api/v1/actuals")
    @route("POST", "/api/v1/endpoints/<endpoint_id>/actuals")
    def create_actuals(self, req: HubRequest, endpoint_id: str | None = None) -> Response:
        """Store actuals for a pipeline (or an endpoint's primary pipeline)."""
        endpoint = None
        if endpoint_id is not None:
            endpoint = self.load(req, "endpoint", endpoint_id)
            pipeline = self.load(req, "pipeline", endpoint["primary_pipeline_id"])
        else:
            req.require("pipeline_id")
            pipeline = self.load(req, "pipeline", req.params["pipeline_id"])
        actuals = req.params.get("actuals")
        if not isinstance(actuals, list) or not all(isinstance(a, dict) for a in actuals):
            raise invalid("actuals", "should be an array of objects")
        ts = self.clock()
        docs = [
            make(
                "actual",
                {
                    "id": str(uuid.uuid4()),
                    "pipeline_id": pipeline["id"],
                    "endpoint_id": endpoint["id"] if endpoint else None,
                    "prediction_id": a.get("prediction_id"),
                    "actual": a.get("actual", a.get("endpoint_actual")),
                    "created_at": ts,
                    "_project_id": pipeline["_project_id"],
                    "_date": ts[:10],
                },
                ts,
            )
            for a in actuals
        ]
        if docs:
            self.store.insert_many("actual", docs)
        return ok({})

    def _date_range(self, req: HubRequest) -> tuple[str, str]:
        errors = ParamErrors()
        values = []
        for name in ("from", "to"):
            value = req.params.get(name)
            if value in (None, ""):
                errors.add(name, "is required")
            elif not (isinstance(value, str) and _DATE.fullmatch(value)):
                errors.add(name, "should be a date YYYY-MM-DD")
            values.append(str(value))
        errors.raise_if_any()
        return values[0], values[1]

    def _delete_actuals_for(self, req: HubRequest, pipeline: Doc, begin: str, end: str) -> Doc:
        project = self.load(req, "project", pipeline["_project_id"])
        with_predictions = bool(req.params.get("with_predictions", False))
        with self.store.transaction():
            n = self.store.delete_where(
                "actual", {"pipeline_id": pipeline["id"], "_date__gte": begin, "_date__lte": end}
            )
            task_id = self.store.next_int_id("cluster_task")
            args: list[Doc] = [
                {
                    "data_path": None,
                    "content_type": "text/csv",
                    "provider_info": {"auger": {}},
                    "with_predictions": with_predictions,
                    "begin_date": begin,
                    "end_date": end,
                    "provider": "auger",
                    "hub_info": self._hub_info(project, pipeline, task_id),
                }
            ]
            doc = self.insert(
                "cluster_task",
                {
                    "id": task_id,
                    "cluster_id": project.get("cluster_id"),
                    "project_id": project["id"],
                    "name": "a2ml.tasks_queue.tasks_hub_api.delete_actuals_task",
                    "args": args,
                    "_project_id": project["id"],
                    "_next": {"status": "success", "result": {"deleted_actuals": n}},
                },
            )
        return doc

    @route("DELETE", "/api/v1/actuals")
    def delete_actuals(self, req: HubRequest) -> Response:
        """Delete a pipeline's actuals in a date range: a cluster task."""
        req.require("pipeline_id")
        begin, end = self._date_range(req)
        pipeline = self.load(req, "pipeline", req.params["pipeline_id"])
        return ok(self.render("cluster_task", self._delete_actuals_for(req, pipeline, begin, end)))

    @route("DELETE", "/api/v1/endpoints/<endpoint_id>/actuals")
    def delete_endpoint_actuals(self, req: HubRequest, endpoint_id: str) -> Response:
        """Delete the actuals of every pipeline of an endpoint: one task each."""
        endpoint = self.load(req, "endpoint", endpoint_id)
        begin, end = self._date_range(req)
        tasks = []
        for ep in self.store.iter("endpoint_pipeline", {"endpoint_id": endpoint["id"]}):
            pipeline = self.store.get("pipeline", ep["pipeline_id"])
            if pipeline is not None:
                tasks.append(public(self._delete_actuals_for(req, pipeline, begin, end)))
        return ok(tasks)

    @route("POST", "/api/v1/endpoints/<endpoint_id>/roi_validations")
    def roi_validation(self, req: HubRequest, endpoint_id: str) -> Response:
        """Check ROI expressions (balanced parentheses): a cluster task."""
        endpoint = self.load(req, "endpoint", endpoint_id)
        exprs = req.params.get("expressions")
        if not isinstance(exprs, list) or not exprs or not all(isinstance(e, str) for e in exprs):
            raise invalid("expressions", "should be a non-empty array of strings")
        project = self.load(req, "project", endpoint["_project_id"])
        pipeline = self.store.get("pipeline", endpoint["primary_pipeline_id"])
        result = {"expressions": [{"expression": e, "is_valid": _balanced(e)} for e in exprs]}
        with self.store.transaction():
            task_id = self.store.next_int_id("cluster_task")
            args: list[Doc] = [
                {
                    "data_path": None,
                    "content_type": None,
                    "provider_info": {"auger": {}},
                    "expressions": exprs,
                    "provider": "auger",
                    "hub_info": self._hub_info(project, pipeline, task_id),
                }
            ]
            hub_info: Doc = args[0]["hub_info"]
            hub_info.update(experiment_session=None, project_file=None)
            doc = self.insert(
                "cluster_task",
                {
                    "id": task_id,
                    "cluster_id": project.get("cluster_id"),
                    "project_id": project["id"],
                    "name": "a2ml.tasks_queue.tasks_hub_api.validate_roi_syntax_task",
                    "args": args,
                    "_project_id": project["id"],
                    "_next": {"status": "success", "result": result},
                },
            )
        return ok(self.render("cluster_task", doc))
