"""The benchmark workloads, one function per (workload, side).

Each function does its setup (imports, connection, one warm-up call) and returns the timed
callable; the worker times only that callable. Sides:

* ``hub`` (and ``hub_prefetch``): hub-sdk, in the main virtualenv;
* ``raw``: hand-written calls on a pooled ``requests.Session`` with the same JSON bodies
  (the floor; ``trust_env=False``), in the main virtualenv; ``raw_default`` is the same with
  a default session, which looks proxies and ``.netrc`` up in the environment on every request;
* ``seed``: the published clients (``auger-hub-api-client==0.7.4``'s ``HubApiClient``,
  ``fedn==0.33.0``'s ``APIClient``), in the bench virtualenv.

This module must import nothing but the standard library at its top: it is loaded in both
virtualenvs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Spec = dict[str, Any]
Timed = Callable[[], dict[str, Any]]

# Page size the raw floor asks for: the same as hub-sdk's default, so that both send the
# same requests and the ratio measures only the client's own overhead.
RAW_PAGE = 200


def _token(spec: Spec) -> dict[str, str]:
    return {"project_api_token": spec["token"]}


def _hub_connect(spec: Spec) -> Any:
    from hub_sdk import auger

    return auger.connect(spec["url"], project_token=spec["token"])


def _seed_client(spec: Spec) -> Any:
    from auger.hub_api_client import HubApiClient

    return HubApiClient(hub_app_url=spec["url"], hub_project_api_token=spec["token"])


def _raw_session(trust_env: bool = False) -> Any:
    """A pooled session. The floor skips the per-request proxy/.netrc lookup in the
    environment (``trust_env=False``); hub-sdk does that lookup once per origin instead."""
    import requests

    session = requests.Session()
    session.trust_env = trust_env
    return session


def _raw_get(session: Any, url: str, body: dict[str, Any]) -> Any:
    resp = session.get(url, json=body)
    resp.raise_for_status()
    return resp.json()


def _raw_pages(session: Any, url: str, body: dict[str, Any], limit: int | None = None) -> Any:
    """Yield the items of an Auger listing, page by page (``limit`` caps the items)."""
    offset = 0
    while limit is None or offset < limit:
        size = RAW_PAGE if limit is None else min(RAW_PAGE, limit - offset)
        payload = _raw_get(session, url, {**body, "offset": offset, "limit": size})
        items = payload["data"]
        yield from items
        offset += len(items)
        if not items or offset >= payload["meta"]["pagination"]["total"]:
            return


# -- 1. get one object by id, N calls ------------------------------------------------------


def get_hub(spec: Spec) -> Timed:
    from hub_sdk import auger

    conn = _hub_connect(spec)
    eid, n = spec["experiment_id"], spec["n"]
    auger.Experiment.get(eid)

    def run() -> dict[str, Any]:
        sent = conn.requests_sent
        name = None
        for _ in range(n):
            name = auger.Experiment.get(eid).name
        return {"items": n, "check": name, "sdk_requests": conn.requests_sent - sent}

    return run


def get_raw(spec: Spec) -> Timed:
    session = _raw_session(spec.get("trust_env", False))
    url = f"{spec['url']}/api/v1/experiments/{spec['experiment_id']}"
    body, n = _token(spec), spec["n"]
    _raw_get(session, url, body)

    def run() -> dict[str, Any]:
        name = None
        for _ in range(n):
            name = _raw_get(session, url, body)["data"]["name"]
        return {"items": n, "check": name}

    return run


def get_seed(spec: Spec) -> Timed:
    client = _seed_client(spec)
    eid, n = spec["experiment_id"], spec["n"]
    client.get_experiment(eid)

    def run() -> dict[str, Any]:
        name = None
        for _ in range(n):
            name = client.get_experiment(eid)["data"]["name"]
        return {"items": n, "check": name}

    return run


# -- 2. iterate every trial ----------------------------------------------------------------


def _iterate_hub(spec: Spec, prefetch: bool | None) -> Timed:
    from hub_sdk import auger

    conn = _hub_connect(spec)
    auger.Trial.list(limit=1).first()
    options = {} if prefetch is None else {"prefetch": prefetch}  # None: the default

    def run() -> dict[str, Any]:
        sent = conn.requests_sent
        count, total = 0, 0.0
        for trial in auger.Trial.list(**options):
            count += 1
            total += trial.score_value or 0.0
        return {"items": count, "check": round(total, 3), "sdk_requests": conn.requests_sent - sent}

    return run


def iterate_hub(spec: Spec) -> Timed:
    return _iterate_hub(spec, prefetch=None)


def iterate_hub_prefetch(spec: Spec) -> Timed:
    return _iterate_hub(spec, prefetch=True)


def iterate_raw(spec: Spec) -> Timed:
    session = _raw_session()
    url, body = f"{spec['url']}/api/v1/trials", _token(spec)
    _raw_get(session, url, {**body, "limit": 1})

    def run() -> dict[str, Any]:
        count, total = 0, 0.0
        for trial in _raw_pages(session, url, body):
            count += 1
            total += trial["score_value"] or 0.0
        return {"items": count, "check": round(total, 3)}

    return run


def iterate_seed(spec: Spec) -> Timed:
    client = _seed_client(spec)
    client.get_trials(limit=1)

    def run() -> dict[str, Any]:
        state = {"count": 0, "total": 0.0}

        def handler(trial: dict[str, Any]) -> None:
            state["count"] += 1
            state["total"] += trial["score_value"] or 0.0

        client.iterate_all_trials(handler)
        return {"items": state["count"], "check": round(state["total"], 3)}

    return run


# -- 3. navigate trials to their session's experiment name ---------------------------------


def navigate_hub(spec: Spec) -> Timed:
    from hub_sdk import auger

    conn = _hub_connect(spec)
    n = spec["n"]
    first = auger.Trial.list(limit=1).first()
    assert first is not None and first.experiment_session is not None
    sent = conn.requests_sent
    listed = sum(1 for _ in auger.Trial.list(limit=n))
    pages = conn.requests_sent - sent  # what the listing alone asks for (pages grow, ~256 KiB)
    assert listed == n
    conn.cache.clear()

    def run() -> dict[str, Any]:
        sent = conn.requests_sent
        names: set[str] = set()
        sessions: set[str] = set()
        experiments: set[str] = set()
        count = 0
        for trial in auger.Trial.list(limit=n):
            session = trial.experiment_session
            experiment = session.experiment
            names.add(experiment.name)
            sessions.add(session.id)
            experiments.add(experiment.id)
            count += 1
        return {
            "items": count,
            "check": sorted(names),
            "parents": len(sessions) + len(experiments),
            "pages": pages,
            "sdk_requests": conn.requests_sent - sent,
        }

    return run


def _navigate_by_hand(get_page: Callable[[], Any], get_session: Any, get_experiment: Any) -> Any:
    """What a user writes without an ORM: a dict memo per parent kind."""
    sessions: dict[str, dict[str, Any]] = {}
    experiments: dict[str, dict[str, Any]] = {}
    names: set[str] = set()
    count = 0
    for trial in get_page():
        sid = trial["experiment_session_id"]
        session = sessions.get(sid)
        if session is None:
            session = sessions[sid] = get_session(sid)
        eid = session["experiment_id"]
        experiment = experiments.get(eid)
        if experiment is None:
            experiment = experiments[eid] = get_experiment(eid)
        names.add(experiment["name"])
        count += 1
    return {
        "items": count,
        "check": sorted(names),
        "parents": len(sessions) + len(experiments),
    }


def navigate_raw(spec: Spec) -> Timed:
    session = _raw_session()
    base, body, n = spec["url"] + "/api/v1", _token(spec), spec["n"]
    _raw_get(session, f"{base}/trials", {**body, "limit": 1})

    def run() -> dict[str, Any]:
        return _navigate_by_hand(
            lambda: _raw_pages(session, f"{base}/trials", body, limit=n),
            lambda sid: _raw_get(session, f"{base}/experiment_sessions/{sid}", body)["data"],
            lambda eid: _raw_get(session, f"{base}/experiments/{eid}", body)["data"],
        )

    return run


def navigate_seed(spec: Spec) -> Timed:
    client = _seed_client(spec)
    n = spec["n"]
    client.get_trials(limit=1)

    def pages() -> Any:
        offset = 0
        while offset < n:
            page = client.get_trials(offset=offset, limit=min(50, n - offset))["data"]
            if not page:
                return
            yield from page
            offset += len(page)

    def run() -> dict[str, Any]:
        return _navigate_by_hand(
            pages,
            lambda sid: client.get_experiment_session(sid)["data"],
            lambda eid: client.get_experiment(eid)["data"],
        )

    return run


# -- 4. create objects with client-chosen ids ------------------------------------------------


def _names(spec: Spec) -> list[tuple[str, str]]:
    tag = spec["tag"]
    return [(f"bx{tag}{i:05d}", f"bench {tag} {i}") for i in range(spec["n"])]


def create_hub(spec: Spec) -> Timed:
    from hub_sdk import auger

    conn = _hub_connect(spec)
    auger.Experiment.create(id=f"bx{spec['tag']}w", name=f"bench {spec['tag']} warm-up")
    todo = _names(spec)

    def run() -> dict[str, Any]:
        sent = conn.requests_sent
        last = None
        for key, name in todo:
            last = auger.Experiment.create(id=key, name=name).id
        return {"items": len(todo), "check": last, "sdk_requests": conn.requests_sent - sent}

    return run


def create_raw(spec: Spec) -> Timed:
    session = _raw_session(spec.get("trust_env", False))
    url, body = f"{spec['url']}/api/v1/experiments", _token(spec)
    todo = _names(spec)

    def post(key: str, name: str) -> Any:
        resp = session.post(url, json={"id": key, "name": name, **body})
        resp.raise_for_status()
        return resp.json()["data"]

    post(f"bx{spec['tag']}w", f"bench {spec['tag']} warm-up")

    def run() -> dict[str, Any]:
        last = None
        for key, name in todo:
            last = post(key, name)["id"]
        return {"items": len(todo), "check": last}

    return run


def create_seed(spec: Spec) -> Timed:
    client = _seed_client(spec)
    client.create_experiment(id=f"bx{spec['tag']}w", name=f"bench {spec['tag']} warm-up")
    todo = _names(spec)

    def run() -> dict[str, Any]:
        last = None
        for key, name in todo:
            last = client.create_experiment(id=key, name=name)["data"]["id"]
        return {"items": len(todo), "check": last}

    return run


# -- 5. list every FEDn model -----------------------------------------------------------------


def _fedn_hub(spec: Spec, page_size: int | None) -> Timed:
    from hub_sdk import fedn

    conn = fedn.connect(spec["fedn_url"])
    fedn.Model.list(limit=1).first()

    def run() -> dict[str, Any]:
        sent = conn.requests_sent
        ids = [m.model_id for m in fedn.Model.list(page_size=page_size)]
        return {
            "items": len(ids),
            "check": len(set(ids)),
            "sdk_requests": conn.requests_sent - sent,
        }

    return run


def models_hub(spec: Spec) -> Timed:
    return _fedn_hub(spec, None)


def models_hub_one_page(spec: Spec) -> Timed:
    return _fedn_hub(spec, spec["n"])


def models_raw(spec: Spec) -> Timed:
    session = _raw_session()
    url = f"{spec['fedn_url']}/api/v1/models/"
    session.get(url, headers={"X-Limit": "1"}).raise_for_status()

    def run() -> dict[str, Any]:
        ids: list[str] = []
        skip = 0
        while True:
            resp = session.get(url, headers={"X-Limit": str(RAW_PAGE), "X-Skip": str(skip)})
            resp.raise_for_status()
            payload = resp.json()
            ids.extend(m["model_id"] for m in payload["result"])
            skip += len(payload["result"])
            if not payload["result"] or skip >= payload["count"]:
                break
        return {"items": len(ids), "check": len(set(ids))}

    return run


def models_seed(spec: Spec) -> Timed:
    from urllib.parse import urlsplit

    from fedn import APIClient

    parts = urlsplit(spec["fedn_url"])
    client = APIClient(host=parts.hostname, port=parts.port)
    client.get_models(n_max=1)

    def run() -> dict[str, Any]:
        ids = [m["model_id"] for m in client.get_models(n_max=spec["n"])["result"]]
        return {"items": len(ids), "check": len(set(ids))}

    return run


# -- memory: iterate many items, peak RSS growth ------------------------------------------------


def memory_hub(spec: Spec) -> Timed:
    return _iterate_hub(spec, prefetch=None)


def memory_hub_prefetch(spec: Spec) -> Timed:
    return _iterate_hub(spec, prefetch=True)


WORKLOADS: dict[str, dict[str, Callable[[Spec], Timed]]] = {
    "get": {
        "hub": get_hub,
        "raw": get_raw,
        "seed": get_seed,
        "raw_default": lambda spec: get_raw({**spec, "trust_env": True}),
    },
    "iterate": {
        "hub": iterate_hub,
        "hub_prefetch": iterate_hub_prefetch,
        "raw": iterate_raw,
        "seed": iterate_seed,
    },
    "navigate": {"hub": navigate_hub, "raw": navigate_raw, "seed": navigate_seed},
    "create": {
        "hub": create_hub,
        "raw": create_raw,
        "seed": create_seed,
        "raw_default": lambda spec: create_raw({**spec, "trust_env": True}),
    },
    "models": {
        "hub": models_hub,
        "hub_one_page": models_hub_one_page,
        "raw": models_raw,
        "seed": models_seed,
    },
    "memory": {
        "hub": memory_hub,
        "hub_prefetch": memory_hub_prefetch,
        "raw": iterate_raw,
        "seed": iterate_seed,
    },
}
