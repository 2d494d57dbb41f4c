"""Auger Hub quickstart: navigate, build a pipeline, predict, and catch a typed error.

python examples/quickstart.py                  # starts its own LocalHub(seed="demo")
HUB_URL=... HUB_PROJECT_TOKEN=... python examples/quickstart.py   # against a given hub
"""

from __future__ import annotations

import os

from hub_sdk import auger
from hub_sdk.errors import BadRequestError, NotFoundError, ValidationError


def main(url: str, project_token: str) -> None:
    """Run the quickstart against the hub at ``url`` with a project token."""
    conn = auger.connect(url, project_token=project_token)  # the default connection from now on
    try:
        _tour(conn)
    finally:
        conn.close()


def _tour(conn: auger.AugerConnection) -> None:
    # 1. organization -> project ---------------------------------------------------------
    project = auger.Project.list().first()  # a project token sees its own project
    assert project is not None, "the hub has no project for this token"
    org = project.organization  # a cached parent lookup
    print(f"organization  {org.name!r} (id {org.id})" if org else "organization  -")
    print(f"project       {project.name!r} (id {project.id}), status {project.status}")

    # 2. project -> experiments -> sessions ---------------------------------------------
    experiments = project.experiments()  # lazy, paginated
    print(f"\n{len(experiments)} experiments:")
    for exp in experiments:
        sessions = exp.sessions()
        manifest = exp.dataset_manifest.name if exp.dataset_manifest else "-"
        print(f"  {exp.id}  {exp.name:<26} dataset {manifest:<14} {len(sessions)} sessions")

    session = None
    for exp in experiments:
        session = exp.sessions(status="completed").first()
        if session is not None and session.trials.count():
            break
    assert session is not None, "no completed session with trials"
    print(f"\nsession {session.id} ({session.status}), {session.trials.count()} trials")

    # 3. session -> trials (typed: scores are floats, hyperparameters are models) ------------
    trials = sorted(session.trials(), key=lambda t: t.score_value or 0.0, reverse=True)
    print("top 5 trials:")
    for trial in trials[:5]:
        hp = trial.hyperparameter
        algorithm = (hp.algorithm_name or "?").rsplit(".", 1)[-1] if hp else "?"
        print(f"  {trial.id}  {trial.score_name} {trial.score_value:.4f}  {algorithm}")
    best = trials[0]
    before = conn.requests_sent
    chain = best.experiment_session.experiment.project.organization
    print(
        f"trial -> session -> experiment -> project -> organization: {chain.name!r} "
        f"({conn.requests_sent - before} requests; the rest came from the cache)"
    )

    # 4. a pipeline from the best trial, then a prediction ------------------------------
    pipeline = session.pipelines.create(trial_id=best.id)
    print(f"\npipeline {pipeline.id} created from trial {pipeline.trial_id}: {pipeline.status}")
    pipeline.refresh()
    print(f"pipeline {pipeline.id} is now {pipeline.status}")
    features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    group = pipeline.predict([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], features)
    print(f"prediction group {group.id}: {group.status}, {group.records_count} records")
    group.refresh()
    print(f"prediction group {group.id}: {group.status}")
    if isinstance(group.result, dict):
        for row in group.result.get("data", []):
            print("  ", dict(zip(group.result.get("columns", []), row)))

    # 5. typed errors --------------------------------------------------------------------
    print("\ntyped errors:")
    try:
        auger.Pipeline.create()  # nothing is sent: the trial_id is missing
    except ValidationError as exc:
        print(f"  ValidationError before sending: fields {exc.fields}")
    try:
        pipeline.predict([[1.0, 2.0], [3.0]], ["a", "b"])  # rows of different sizes
    except BadRequestError as exc:
        print(f"  BadRequestError {exc.status}: {exc.field_errors}")
    try:
        auger.Experiment.get("does-not-exist")
    except NotFoundError as exc:
        print(f"  NotFoundError {exc.status}: {exc.message}")


if __name__ == "__main__":
    hub_url = os.environ.get("HUB_URL")
    if hub_url:
        main(hub_url, os.environ.get("HUB_PROJECT_TOKEN", ""))
    else:
        from hub_sdk.testing import LocalHub

        with LocalHub(seed="demo") as hub:
            print(f"LocalHub running at {hub.url}\n")
            main(hub.url, hub.project_token)
