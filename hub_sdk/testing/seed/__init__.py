"""Deterministic data for LocalHub: the bootstrap account and the ``demo`` data set.

:func:`bootstrap` always runs: one user (the ``/tokens`` login), the instance-type catalogue,
organization 1, cluster 1 and project 1 (the project the hub's ``project_token`` is scoped to).
:func:`load_demo` adds a realistic project, one resource family at a time (a module each):
dataset manifests and project files, experiments and experiment sessions with ``size`` trials in
total (hyperparameters embedded, scores), pipelines for the top trials, an endpoint with endpoint
pipelines, prediction groups, review alerts and items, cluster tasks, cluster statuses, pod logs,
optimizer requests, and a second project (for scoping tests). Every value comes from a fixed RNG
seed and fixed timestamps, so two loads are identical; 10,000-100,000 trials load in seconds
(one transaction, ``executemany``).
"""

from __future__ import annotations

from ..store import Store
from . import clusters, files, optimizers, projects, serving, training
from .accounts import bootstrap
from .base import DEFAULT_SIZE, DEMO_PROJECT_ID, DEMO_USER_EMAIL, Demo

__all__ = ["DEMO_PROJECT_ID", "DEMO_USER_EMAIL", "bootstrap", "load_demo"]


def load_demo(store: Store, size: int | None = None) -> dict[str, int]:
    """Load the demo data set (``size`` trials in total); return the number of docs per kind."""
    n_trials = DEFAULT_SIZE if size is None else max(0, int(size))
    demo = Demo()  # the families below draw from its RNG in this order: keep it
    projects.second_project(demo)
    manifests = files.dataset_manifests(demo)
    project_files = files.project_files(demo, manifests)
    sessions = training.experiments(demo, project_files, manifests)
    trials, hyperparameters, by_session = training.scored_trials(demo, sessions, n_trials)
    pipelines = serving.pipelines(demo, sessions, by_session)
    endpoint = serving.demo_endpoint(demo, pipelines)
    if endpoint is not None:
        serving.predictions(demo, endpoint)
        serving.review_alerts(demo, endpoint)
    clusters.cluster_tasks(demo, sessions)
    clusters.pod_logs(demo)
    clusters.cluster_statuses(demo)
    optimizers.optimizer_requests(demo, hyperparameters)
    projects.project_runs(demo)

    with store.transaction():
        for kind, items in demo.docs.items():
            store.insert_many(kind, items)
        store.insert_many("hyperparameter", hyperparameters)
        store.insert_many("trial", trials)
    counts = {kind: len(items) for kind, items in demo.docs.items()}
    counts["hyperparameter"] = len(hyperparameters)
    counts["trial"] = len(trials)
    return counts
