"""Projects: the second project (for scoping tests) and the demo project's notebook run."""

from __future__ import annotations

from .base import DEMO_ORG_ID, DEMO_PROJECT_ID, SECOND_PROJECT_ID, Demo, ts

__all__ = ["project_runs", "second_project"]


def second_project(demo: Demo) -> None:
    """Project 2, which a project token of project 1 must not see."""
    add = demo.add
    add(
        "project",
        {
            "id": SECOND_PROJECT_ID,
            "name": "second-project",
            "url": "https://second-project-project.localhub.test/?",
            "organization_id": DEMO_ORG_ID,
            "cluster_autoterminate_minutes": 30,
            "_project_id": SECOND_PROJECT_ID,
        },
        ts(10),
    )


def project_runs(demo: Demo) -> None:
    """A completed run of the first experiment's notebook."""
    add, docs = demo.add, demo.docs
    add(
        "project_run",
        {
            "id": 1,
            "project_id": DEMO_PROJECT_ID,
            "notebook_uid": docs["experiment"][0]["id"],
            "status": "completed",
            "message": None,
            "leaderbord": {},
            "model_settings": {},
        },
        ts(66300),
    )
    docs["project_run"][0]["_project_id"] = DEMO_PROJECT_ID
