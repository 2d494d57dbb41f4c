"""Organizations and projects: creating them, deploying and undeploying, logs and project runs.

A deploy starts the project's components (:data:`COMPONENT_NAMES`); like every long-running
object the project shows ``deploying`` in the response and ``deployed`` on the next read.
"""

from __future__ import annotations

import re
import secrets

from werkzeug.wrappers import Response

from ...http_json import respond
from ..catalogue import SPEC_BY_KIND
from ..engine.envelope import invalid, ok
from ..engine.request import HubRequest
from ..engine.room import Room, creates, route
from ..templates import COMPONENT_NAMES, Doc

__all__ = ["Projects"]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x"


class Projects(Room):
    """Organizations, projects, deploys, pod logs and project runs."""

    @creates("organization")
    def create_organization(self, req: HubRequest) -> Doc:
        """A new organization with a slug subdomain and its own bucket."""
        req.require("name")
        name = str(req.params["name"])
        slug = _slug(name)
        return self.insert(
            "organization",
            {
                "id": self.next_id("organization"),
                "name": name,
                "subdomain": slug,
                "main_bucket": f"auger-{slug[:10]}-{secrets.token_hex(3)}",
                "status": "created",
            },
        )

    @creates("project")
    def create_project(self, req: HubRequest) -> Doc:
        """A new project of an organization."""
        req.require("name", "organization_id")
        org = self.load(req, "organization", req.params["organization_id"])
        name = str(req.params["name"])
        values = req.pick(SPEC_BY_KIND["project"].writable)
        pid = self.next_id("project")
        values.update(
            {
                "id": pid,
                "name": name,
                "organization_id": org["id"],
                "url": f"https://{_slug(name)}-project.localhub.test/?",
                "_project_id": pid,
            }
        )
        return self.insert("project", values)

    @route("PATCH", "/api/v1/projects/<id>/deploy")
    def deploy_project(self, req: HubRequest, id: str) -> Response:
        """Start the project's components (``deployed`` on the next read)."""
        project = self.load(req, "project", id)
        if project["status"] != "undeployed":
            raise invalid("status", f"project can't be deployed while {project['status']}")
        ts = self.clock()
        changes: Doc = {"status": "deploying", "updated_at": ts, "_next": {"status": "deployed"}}
        changes["default_worker_type_id"] = req.integer(
            "worker_type_id", project.get("default_worker_type_id")
        )
        changes["default_workers_count"] = req.integer(
            "workers_count", project.get("default_workers_count")
        )
        with self.store.transaction():
            existing = {
                c["name"]: c for c in self.store.iter("component", {"project_id": project["id"]})
            }
            for name in COMPONENT_NAMES:
                if name in existing:
                    self.store.update(
                        "component", existing[name]["id"], {"status": "deploying", "updated_at": ts}
                    )
                else:
                    self.insert(
                        "component",
                        {
                            "id": self.next_id("component"),
                            "name": name,
                            "status": "deploying",
                            "project_id": project["id"],
                            "_project_id": project["id"],
                        },
                    )
            new = self.store.update("project", project["id"], changes)
        return ok(self.render("project", new or project))

    @route("PATCH", "/api/v1/projects/<id>/undeploy")
    def undeploy_project(self, req: HubRequest, id: str) -> Response:
        """Stop the project's components (``undeployed`` on the next read)."""
        project = self.load(req, "project", id)
        if project["status"] not in ("deployed", "deploying"):
            raise invalid("status", f"project can't be undeployed while {project['status']}")
        ts = self.clock()
        with self.store.transaction():
            for comp in self.store.iter("component", {"project_id": project["id"]}):
                self.store.update(
                    "component", comp["id"], {"status": "undeploying", "updated_at": ts}
                )
            new = self.store.update(
                "project",
                project["id"],
                {"status": "undeploying", "updated_at": ts, "_next": {"status": "undeployed"}},
            )
        return ok(self.render("project", new or project))

    @route("GET", "/api/v1/projects/<id>/logs")
    def project_logs(self, req: HubRequest, id: str) -> Response:
        """The project's pod logs as plain text."""
        project = self.load(req, "project", id)
        logs, _ = self.store.query("pod_log", {"project_id": project["id"]}, limit=200)
        text = "".join(str(log.get("data", "")) for log in logs)
        return respond(
            text.encode(), 200, "text/plain; charset=utf-8", [("Cache-Control", "no-cache")]
        )

    @creates("project_run")
    def create_project_run(self, req: HubRequest) -> Doc:
        """A project run of a notebook."""
        req.require("notebook_uid")
        project = self.project_for_create(req)
        values: Doc = {
            "id": self.next_id("project_run"),
            "project_id": project["id"],
            "notebook_uid": str(req.params["notebook_uid"]),
            "_project_id": project["id"],
        }
        values.update(req.pick(("status", "message", "leaderbord", "model_settings")))
        return self.insert("project_run", values)
