"""A notebook-style walkthrough of the typed Auger Hub API (run it, or step through the cells).

python examples/walkthrough.py                 # starts its own LocalHub(seed="demo")
HUB_URL=... HUB_PROJECT_TOKEN=... [HUB_OPTIMIZERS_URL=...] python examples/walkthrough.py
"""

# %% Setup: a hub to talk to
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hub_sdk import auger
from hub_sdk.compat import HubApiClient
from hub_sdk.errors import HubError


def main(url: str, project_token: str, optimizers_url: str | None = None) -> None:
    """Walk through the typed API against the hub at ``url``."""
    # %% Connect: the connection becomes the default of every resource call
    conn = auger.connect(url, project_token=project_token, optimizers_url=optimizers_url)
    print(conn)

    # %% Listings are lazy: nothing is fetched until you iterate, index or ask len()
    trials = auger.Trial.list(page_size=100)
    print(f"{len(trials)} trials; the 42nd: {trials[41]!r}")
    print("first 3:", trials[:3])

    # %% Children and parents
    project = auger.Project.get(1)
    experiment = project.experiments().first()
    assert experiment is not None
    session = experiment.sessions().first()
    assert session is not None
    print(repr(experiment), "->", repr(session))
    print("search space:", str(experiment.search_space)[:70])
    trial = session.trials().first()
    assert trial is not None
    print("trial's session is the same object:", trial.experiment_session == session)

    # %% Editing: save() sends only the writable fields you changed
    session.message = "reviewed in the walkthrough"
    print("changes:", session.changes())
    session.save()

    # %% Many trials at once, and a refit
    written = session.update_trials(
        [{"uid": "walkthrough-1", "algorithm_name": "sklearn.svm.SVC", "score": 0.91}]
    )
    print("bulk update:", written)
    print("refit:", trial.refit("s3://bucket/new-data.csv"))

    # %% Files: upload through a presigned form, register, download again
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.csv"
        path.write_text("a,b\n1,2\n")
        pfile = auger.ProjectFile.upload(path, project_id=project.id)
        print("uploaded:", pfile, "->", pfile.download())

    # %% Endpoints: pipelines, predictions, alerts, actuals
    endpoint = project.endpoints().first()
    if endpoint is not None:
        print("endpoint pipelines:", endpoint.pipelines())
        group = endpoint.predict([[1.0, 2.0]], ["a", "b"])
        print("endpoint prediction:", group.refresh())
        print("review alerts:", endpoint.review_alerts().to_list())
        print("ROI check task:", endpoint.validate_roi(["P = true"]))

    # %% Deploy, then ask the lightweight status route
    print("deploy:", project.deploy(worker_type_id=1, workers_count=1).status)
    print("status now:", auger.status(project))
    project.undeploy()

    # %% Server-side searches and the optimizers service
    search = auger.TrialSearch.create(
        trials_total_count=10, search_space={"sklearn.svm.SVC": {}}, trials_limit=2
    )
    print("trial search:", search.refresh().next_trials)
    if optimizers_url:
        print("next trials:", auger.next_trials_v2(search_space={"sklearn.svm.SVC": {}}))
        print("fit time estimate:", auger.fte(alg_name="SVC", alg_params={}, nrows=1e4, ncols=20))

    # %% Errors are typed, and carry the method, path, status and request id
    try:
        auger.Experiment.get("no-such-experiment")
    except HubError as exc:
        print(type(exc).__name__, "->", exc)

    # %% Old scripts: the seed client's API, on the same core
    client = HubApiClient(hub_app_url=url, hub_project_api_token=project_token)
    print("compat:", client.get_experiments(limit=2)["meta"]["pagination"])
    client.connection.close()
    conn.close()


# %% Run
if __name__ == "__main__":
    hub_url = os.environ.get("HUB_URL")
    if hub_url:
        main(
            hub_url,
            os.environ.get("HUB_PROJECT_TOKEN", ""),
            os.environ.get("HUB_OPTIMIZERS_URL"),
        )
    else:
        from hub_sdk.testing import LocalHub

        with LocalHub(seed="demo") as hub:
            main(hub.url, hub.project_token, hub.optimizers_url)
