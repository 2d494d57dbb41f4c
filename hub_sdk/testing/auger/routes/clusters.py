"""Clusters and cluster tasks (cluster statuses are read-only, served by the generic CRUD)."""

from __future__ import annotations

import secrets

from ..catalogue import SPEC_BY_KIND
from ..engine.request import HubRequest
from ..engine.room import Room, creates, updates
from ..templates import Doc

__all__ = ["Clusters"]


class Clusters(Room):
    """Clusters (running on the next read) and the tasks queued on them."""

    @creates("cluster")
    def create_cluster(self, req: HubRequest) -> Doc:
        """A new cluster of an organization (``running`` on the next read)."""
        req.require("name", "organization_id")
        org = self.load(req, "organization", req.params["organization_id"])
        cid = self.next_id("cluster")
        project_name = None
        if req.params.get("project_id") not in (None, ""):
            project = self.load(req, "project", req.params["project_id"])
            project_name = project["name"]
            self.store.update("project", project["id"], {"cluster_id": cid})
        return self.insert(
            "cluster",
            {
                "id": cid,
                "name": str(req.params["name"]),
                "organization_id": org["id"],
                "project_name": project_name,
                "file_uploader_service": {
                    "url": None,
                    "params": {"auger_token": secrets.token_hex(32)},
                },
                "_next": {"status": "running"},
            },
        )

    @creates("cluster_task")
    def create_cluster_task(self, req: HubRequest) -> Doc:
        """A task queued on the project's cluster."""
        req.require("name")
        project = self.project_for_create(req)
        return self.insert(
            "cluster_task",
            {
                "id": self.next_id("cluster_task"),
                "cluster_id": project.get("cluster_id"),
                "project_id": project["id"],
                "queue": req.params.get("queue"),
                "name": str(req.params["name"]),
                "args": req.params.get("args"),
                "_project_id": project["id"],
            },
        )

    @updates("cluster_task")
    def update_cluster_task(self, req: HubRequest, doc: Doc) -> Doc:
        """The worker's report: status, result, exception (and a private traceback)."""
        changes = req.pick(SPEC_BY_KIND["cluster_task"].writable)
        if "traceback" in req.params:
            changes["_traceback"] = req.params["traceback"]
        return self.store.update("cluster_task", doc["id"], changes) or doc
