"""``make bench``: hub-sdk against raw ``requests`` and the seed clients, on LocalHub.

Creates (or refreshes) ``.bench-venv`` with the peer clients, starts a LocalHub seeded with
enough data, then runs every workload for every side in separate worker processes,
interleaved round-robin (hub-sdk, raw, seed, hub-sdk, raw, seed, ...). Ratios are taken pair
by pair within a round; the table quotes medians over the rounds. Prints a markdown table and
writes ``bench/results.json``.

    .venv/bin/python bench/run.py [--rounds 5] [--quick] [--only get,iterate] [--no-memory]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_VENV = ROOT / ".bench-venv"
WORKER = HERE / "worker.py"
IMPORTTIME = HERE / "importtime.py"
RESULTS = HERE / "results.json"
MB = 1024  # ru_maxrss is in KiB on Linux
TIMES, DASH = "\u00d7", "\u2013"  # the table's multiplication sign and dash

# workload -> (title, sides in round-robin order, the size parameter)
WORKLOADS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "get": ("get one experiment by id", ("hub", "raw", "seed", "raw_default"), 1000),
    "iterate": ("iterate every trial", ("hub", "raw", "seed", "hub_prefetch"), 10_000),
    "navigate": ("trial → session → experiment name", ("hub", "raw", "seed"), 1000),
    "create": ("create experiments (client ids)", ("hub", "raw", "seed", "raw_default"), 500),
    "models": ("list every FEDn model", ("hub", "raw", "seed", "hub_one_page"), 5000),
}
SIDE_NAMES = {
    "hub": "hub-sdk",
    "hub_prefetch": "hub-sdk prefetch=True",
    "hub_one_page": "hub-sdk page_size=N",
    "raw": "raw requests",
    "raw_default": "raw requests, default Session (trust_env)",
    "seed": "seed client",
}
PEER_SIDES = frozenset({"seed"})
IMPORT_MODES = (
    "deps",
    "auger",
    "auger_over_deps",
    "fedn",
    "fedn_over_deps",
    "basemodel_over_deps",
    "auger_over_model",
    "fedn_over_model",
    "auger_resource_over_deps",
    "fedn_resource_over_deps",
)
PEER_IMPORT_MODES = ("seed", "seed_fedn")


# -- the peers' virtualenv ---------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def peer_requirements() -> list[str]:
    """The peer clients, plus requests/urllib3 pinned to the main venv's versions."""
    lines = (HERE / "requirements-peers.txt").read_text().splitlines()
    reqs = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    for dist in ("requests", "urllib3"):
        reqs.append(f"{dist}=={metadata.version(dist)}")
    return reqs


def ensure_bench_venv(venv: Path = BENCH_VENV) -> Path:
    """Create or refresh the peers' virtualenv; return its python."""
    reqs = peer_requirements()
    stamp = venv / ".bench-stamp"
    digest = hashlib.sha256("\n".join(reqs).encode()).hexdigest()
    python = _venv_python(venv)
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    print(f"preparing {venv.name}: {' '.join(reqs)}", flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *reqs], check=True)
    stamp.write_text(digest)
    return python


def ensure_wheel_venv(venv: Path = ROOT / ".bench-venv-wheel") -> Path:
    """A virtualenv with hub-sdk installed from a freshly built wheel, as users get it.

    Imports are timed there: an editable install adds its finder's lookups to every module.
    The dependencies are pinned to the main venv's versions and installed once.
    """
    python = _venv_python(venv)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    deps = [f"{d}=={metadata.version(d)}" for d in ("pydantic", "requests", "cachetools")]
    stamp = venv / ".deps-stamp"
    if not stamp.exists() or stamp.read_text() != " ".join(deps):
        subprocess.run([*pip, *deps], check=True)
        stamp.write_text(" ".join(deps))
    with tempfile.TemporaryDirectory() as tmp:
        build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp, str(ROOT)]
        subprocess.run(build, check=True, capture_output=True)
        wheel = next(Path(tmp).glob("hub_sdk-*.whl"))
        subprocess.run([*pip, "--force-reinstall", "--no-deps", str(wheel)], check=True)
    return python


# -- running workers ---------------------------------------------------------------------------


def run_worker(python: Path, spec: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
    """Run one workload once in a fresh process; its JSON line, or ``{"error": ...}``."""
    try:
        proc = subprocess.run(
            [str(python), str(WORKER), json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail) or f"exit {proc.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def time_import(python: Path, mode: str) -> float | None:
    """Seconds of one import mode in a fresh interpreter (None if it failed)."""
    proc = subprocess.run(
        [str(python), str(IMPORTTIME), mode], capture_output=True, text=True, cwd=ROOT
    )
    if proc.returncode != 0:
        return None
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


# -- LocalHub ----------------------------------------------------------------------------------


def start_hub(trials: int, models: int) -> Any:
    """A LocalHub whose demo project holds ``trials`` trials and ``models`` FEDn models."""
    from hub_sdk.testing import LocalHub

    # The seed puts min(10, size // 20) trials in a second project the token cannot see.
    hub = LocalHub(seed="demo", size=trials + min(10, trials // 20), fedn=models > 0)
    hub.start()
    if models:
        data = hub.fedn_app.data
        with hub.store.transaction():
            for i in range(models):
                data.add("models", {"name": f"bench-model-{i}"})
    return hub


def hub_facts(hub: Any) -> dict[str, Any]:
    """Ids the workloads need, read with a plain request."""
    import requests

    body = {"project_api_token": hub.project_token}
    with requests.Session() as s:
        exps = s.get(f"{hub.url}/api/v1/experiments", json=body).json()
        trials = s.get(f"{hub.url}/api/v1/trials", json={**body, "limit": 1}).json()
    return {
        "experiment_id": exps["data"][0]["id"],
        "trials": trials["meta"]["pagination"]["total"],
    }


# -- statistics and the table ------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


def summarise(runs: list[dict[str, dict[str, Any]]], sides: Sequence[str]) -> dict[str, Any]:
    """Medians per side and pair-by-pair ratio medians over the rounds."""
    out: dict[str, Any] = {"sides": {}, "ratios": {}}
    for side in sides:
        ok = [r[side] for r in runs if side in r and "error" not in r[side]]
        errors = [r[side]["error"] for r in runs if side in r and "error" in r[side]]
        out["sides"][side] = {
            "rounds": len(ok),
            "seconds": median([r["seconds"] for r in ok]),
            "requests": median([r["requests"] for r in ok]),
            "items": median([r["items"] for r in ok]),
            "rss_growth_kb": median([r["rss_growth_kb"] for r in ok]),
            "errors": errors,
        }
    for a in sides:
        for b in sides:
            if a == b or not a.startswith("hub") or b.startswith("hub"):
                continue
            ratios = [
                r[a]["seconds"] / r[b]["seconds"]
                for r in runs
                if a in r and b in r and "error" not in r[a] and "error" not in r[b]
            ]
            out["ratios"][f"{a}/{b}"] = median(ratios)
    return out


def _ms(seconds: float | None) -> str:
    return "error" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _x(ratio: float | None) -> str:
    return DASH if ratio is None else f"{ratio:.2f}{TIMES}"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**missed**")


def listing_pages(items: int) -> int:
    """The requests a default listing of ``items`` makes: pages grow from the first size."""
    from hub_sdk.core.walk import FIRST_PAGE_SIZE, MAX_PAGE_SIZE

    pages, size, got = 1, FIRST_PAGE_SIZE, FIRST_PAGE_SIZE
    while got < items:
        size = min(size * 2, MAX_PAGE_SIZE)
        pages, got = pages + 1, got + size
    return pages


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: what was measured, against what, met or missed."""
    rows: list[dict[str, Any]] = []
    w = results["workloads"]
    if "get" in w:
        r = w["get"]["ratios"]
        raw, seed = r.get("hub/raw"), r.get("hub/seed")
        ok = None if raw is None or seed is None else raw <= 1.15 and seed < 1.0
        rows.append(
            {
                "target": f"(1) get: ≤1.15{TIMES} raw and faster than the seed",
                "measured": f"{_x(raw)} raw, {_x(seed)} seed",
                "met": ok,
            }
        )
    if "iterate" in w:
        r = w["iterate"]["ratios"]
        seed = r.get("hub/seed")
        pre = r.get("hub_prefetch/seed")
        runs = w["iterate"]["runs"]
        floor = median(
            [x["raw"]["seconds"] / x["seed"]["seconds"] for x in runs
             if "error" not in x["raw"] and "error" not in x["seed"]]
        )  # fmt: skip
        rows.append(
            {
                "target": f"(2) iterate: ≤0.5{TIMES} the seed's iterate_all_trials",
                "measured": f"{_x(seed)} (prefetch {_x(pre)}; the raw floor is {_x(floor)})",
                "met": None if seed is None else seed <= 0.5,
            }
        )
    if "navigate" in w:
        runs = [
            r["hub"] for r in w["navigate"]["runs"] if "error" not in r.get("hub", {"error": 1})
        ]
        if runs:
            worst = max(runs, key=lambda r: r["requests"] - r["parents"])
            pages = worst.get("pages") or listing_pages(worst["items"])
            bound = worst["parents"] + pages
            rows.append(
                {
                    "target": "(3) navigate: requests ≤ distinct parents + pages",
                    "measured": f"{worst['requests']} ≤ {worst['parents']} + {pages}",
                    "met": worst["requests"] <= bound,
                }
            )
        else:
            rows.append({"target": "(3) navigate", "measured": "error", "met": None})
    if "create" in w:
        raw = w["create"]["ratios"].get("hub/raw")
        rows.append(
            {
                "target": f"(4) create: ≤1.15{TIMES} raw",
                "measured": _x(raw),
                "met": None if raw is None else raw <= 1.15,
            }
        )
    if "models" in w:
        seed = w["models"]["ratios"].get("hub/seed")
        ok = None if seed is None else seed <= 1.0
        what = f"(5) list FEDn models: ≤1.0{TIMES} the published client (one request)"
        rows.append({"target": what, "measured": _x(seed), "met": ok})
    imp = results.get("imports")
    if imp:
        for api in ("auger", "fedn"):
            over = imp["medians"].get(f"{api}_over_deps")
            rows.append(
                {
                    "target": f"(6) import hub_sdk.{api}: ≤60 ms over its dependencies",
                    "measured": _ms(over),
                    "met": None if over is None else over <= 0.060,
                }
            )
    mem = results.get("memory")
    if mem:
        for side in ("hub", "hub_prefetch"):
            growth = mem["sides"].get(side, {}).get("rss_growth_kb")
            rows.append(
                {
                    "target": f"memory: {SIDE_NAMES[side]} over {mem['items']:,} trials < 10 MB",
                    "measured": "error" if growth is None else f"{growth / MB:.1f} MB",
                    "met": None if growth is None else growth < 10 * MB,
                }
            )
    return rows


def render(results: dict[str, Any]) -> str:
    """The markdown report: machine, workloads, imports, memory, targets."""
    m = results["machine"]
    out = [
        f"Machine: {m['cpu']} ({m['cores']} cores), {m['system']}, Python {m['python']}; "
        f"load average {m['load_before']} before, {m['load_after']} after. "
        f"{results['rounds']} rounds, interleaved; medians; ratios taken pair by pair per round.",
        "",
        "| # | workload | hub-sdk | raw requests | seed client | hub-sdk ÷ raw | hub-sdk ÷ seed "
        "| HTTP requests (hub-sdk / raw / seed) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, (name, (title, sides, _)) in enumerate(WORKLOADS.items(), 1):
        w = results["workloads"].get(name)
        if w is None:
            continue
        s, r = w["sides"], w["ratios"]

        def req(side: str, s: dict[str, Any] = s) -> str:
            v = s.get(side, {}).get("requests")
            return DASH if v is None else f"{v:,.0f}"

        out.append(
            f"| {i} | {title} ({w['n']:,}) | {_ms(s['hub']['seconds'])} | "
            f"{_ms(s['raw']['seconds'])} | {_ms(s['seed']['seconds'])} | {_x(r.get('hub/raw'))} | "
            f"{_x(r.get('hub/seed'))} | {req('hub')} / {req('raw')} / {req('seed')} |"
        )
        for extra in sides[3:]:
            if extra.startswith("hub"):
                out.append(
                    f"| {i}b | … {SIDE_NAMES[extra]} | {_ms(s[extra]['seconds'])} | | | "
                    f"{_x(r.get(f'{extra}/raw'))} | {_x(r.get(f'{extra}/seed'))} | {req(extra)} |"
                )
            else:
                out.append(
                    f"| {i}b | … {SIDE_NAMES[extra]} | | {_ms(s[extra]['seconds'])} | | "
                    f"{_x(r.get(f'hub/{extra}'))} | | {req(extra)} |"
                )
    imp = results.get("imports")
    if imp:
        med = imp["medians"]
        out += [
            "",
            f"Imports (fresh interpreter each, median of {imp['rounds']}): "
            f"`pydantic, requests, cachetools` {_ms(med.get('deps'))}; "
            f"`import hub_sdk.auger` {_ms(med.get('auger'))} from bare, "
            f"{_ms(med.get('auger_over_deps'))} over the dependencies; "
            f"`import hub_sdk.fedn` {_ms(med.get('fedn'))} from bare, "
            f"{_ms(med.get('fedn_over_deps'))} over the dependencies. `import pydantic` is "
            f"lazy: `from pydantic import BaseModel` adds {_ms(med.get('basemodel_over_deps'))}"
            f", after which `hub_sdk.auger` costs {_ms(med.get('auger_over_model'))} and "
            f"`hub_sdk.fedn` {_ms(med.get('fedn_over_model'))}. Resources load on first use: "
            f"`from hub_sdk.auger import Experiment` costs "
            f"{_ms(med.get('auger_resource_over_deps'))} over the dependencies, "
            f"`from hub_sdk.fedn import Model` {_ms(med.get('fedn_resource_over_deps'))} "
            "(pydantic's model machinery included). Measured in a wheel install, as users get "
            "it. For comparison "
            f"`auger.hub_api_client` {_ms(med.get('seed'))}, `from fedn import APIClient` "
            f"{_ms(med.get('seed_fedn'))}.",
        ]
    mem = results.get("memory")
    if mem:
        parts = []
        for side, v in mem["sides"].items():
            g = v.get("rss_growth_kb")
            parts.append(f"{SIDE_NAMES[side]} {'error' if g is None else f'{g / MB:.1f} MB'}")
        out += [
            "",
            f"Memory (peak RSS growth iterating {mem['items']:,} trials, server in another "
            f"process): " + ", ".join(parts) + ".",
        ]
    out += ["", "| target | measured | result |", "|---|---|---|"]
    for row in results["targets"]:
        out.append(f"| {row['target']} | {row['measured']} | {_verdict(row['met'])} |")
    problems = results.get("problems") or []
    if problems:
        out += ["", "Problems:"] + [f"- {p}" for p in problems]
    return "\n".join(out)


def machine_info() -> dict[str, Any]:
    """CPU model, cores, OS, Python, load average."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_before": _load(),
    }


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


# -- phases ------------------------------------------------------------------------------------


def run_workloads(
    names: Sequence[str], rounds: int, scale: float, python: dict[str, Path], problems: list[str]
) -> dict[str, Any]:
    """Every workload, sides interleaved round by round, on one LocalHub."""
    n_models = int(WORKLOADS["models"][2] * scale) if "models" in names else 0
    n_trials = int(WORKLOADS["iterate"][2] * scale)
    t0 = time.perf_counter()
    hub = start_hub(n_trials, n_models)
    try:
        facts = hub_facts(hub)
        print(
            f"LocalHub at {hub.url} ({facts['trials']:,} trials, {n_models:,} FEDn models) "
            f"ready in {time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        base = {
            "url": hub.url,
            "fedn_url": hub.fedn_url if n_models else None,
            "token": hub.project_token,
            "experiment_id": facts["experiment_id"],
        }
        out: dict[str, Any] = {}
        for name in names:
            title, sides, size = WORKLOADS[name]
            n = max(1, int(size * scale))
            runs: list[dict[str, dict[str, Any]]] = []
            for rnd in range(rounds):
                row: dict[str, dict[str, Any]] = {}
                for side in sides:
                    spec = {**base, "workload": name, "side": side, "n": n, "tag": f"{rnd}{side}"}
                    py = python["peer"] if side in PEER_SIDES else python["main"]
                    row[side] = res = run_worker(py, spec)
                    if "error" in res:
                        problems.append(f"{name}/{side} round {rnd + 1}: {res['error']}")
                runs.append(row)
                line = ", ".join(f"{SIDE_NAMES[s]} {_ms(row[s].get('seconds'))}" for s in sides)
                print(f"  {name} round {rnd + 1}/{rounds}: {line}", flush=True)
            summary = summarise(runs, sides)
            summary.update({"title": title, "n": n, "runs": runs})
            _check_agreement(name, runs, sides, problems)
            out[name] = summary
        return out
    finally:
        hub.stop()


def _check_agreement(
    name: str, runs: list[dict[str, dict[str, Any]]], sides: Sequence[str], problems: list[str]
) -> None:
    """Every side must have seen the same number of items (and the same check value)."""
    for rnd, row in enumerate(runs):
        seen = {
            s: (row[s].get("items"), row[s].get("check")) for s in sides if "error" not in row[s]
        }
        items = {v[0] for v in seen.values()}
        checks = {json.dumps(v[1]) for v in seen.values()} if name != "create" else set()
        if len(items) > 1 or len(checks) > 1:
            problems.append(f"{name} round {rnd + 1}: sides disagree: {seen}")


def run_imports(rounds: int, python: dict[str, Path]) -> dict[str, Any]:
    """Import times in fresh interpreters, modes interleaved round by round."""
    modes = [(m, python.get("wheel", python["main"])) for m in IMPORT_MODES]
    modes += [(m, python["peer"]) for m in PEER_IMPORT_MODES]
    for mode, py in modes:  # compile the .pyc files first
        time_import(py, mode)
    samples: dict[str, list[float]] = {m: [] for m, _ in modes}
    for _ in range(rounds):
        for mode, py in modes:
            value = time_import(py, mode)
            if value is not None:
                samples[mode].append(value)
    medians = {m: median(v) for m, v in samples.items()}
    print(
        "  imports: " + ", ".join(f"{m} {_ms(v)}" for m, v in medians.items()),
        flush=True,
    )
    return {"rounds": rounds, "medians": medians, "samples": samples}


def run_memory(items: int, rounds: int, python: dict[str, Path], problems: list[str]) -> Any:
    """Peak RSS growth while iterating ``items`` trials (LocalHub runs in this process)."""
    t0 = time.perf_counter()
    hub = start_hub(items, 0)
    try:
        facts = hub_facts(hub)
        print(
            f"memory LocalHub ({facts['trials']:,} trials) ready in "
            f"{time.perf_counter() - t0:.1f}s",
            flush=True,
        )
        sides = ("hub", "hub_prefetch", "raw", "seed")
        runs: list[dict[str, dict[str, Any]]] = []
        for rnd in range(rounds):
            row: dict[str, dict[str, Any]] = {}
            for side in sides:
                spec = {
                    "url": hub.url,
                    "token": hub.project_token,
                    "workload": "memory",
                    "side": side,
                    "n": facts["trials"],
                }
                py = python["peer"] if side in PEER_SIDES else python["main"]
                row[side] = res = run_worker(py, spec)
                if "error" in res:
                    problems.append(f"memory/{side} round {rnd + 1}: {res['error']}")
            runs.append(row)
            print(
                "  memory: "
                + ", ".join(
                    f"{SIDE_NAMES[s]} +{row[s].get('rss_growth_kb', 0) / MB:.1f} MB "
                    f"in {_ms(row[s].get('seconds'))}"
                    for s in sides
                ),
                flush=True,
            )
        summary = summarise(runs, sides)
        summary.update({"items": facts["trials"], "runs": runs})
        return summary
    finally:
        hub.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; print the table; write bench/results.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per workload (≥5)")
    parser.add_argument("--import-rounds", type=int, default=11)
    parser.add_argument("--memory-rounds", type=int, default=1)
    parser.add_argument("--memory-items", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (smoke test)")
    parser.add_argument("--only", default="", help="comma-separated workloads, imports, memory")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-imports", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    only = {x.strip() for x in args.only.split(",") if x.strip()}
    names = [n for n in WORKLOADS if not only or n in only]
    do_imports = not args.no_imports and (not only or "imports" in only)
    do_memory = not args.no_memory and (not only or "memory" in only)
    scale = 0.1 if args.quick else 1.0

    python = {"main": Path(sys.executable), "peer": ensure_bench_venv()}
    if do_imports:
        python["wheel"] = ensure_wheel_venv()
    sys.path.insert(0, str(ROOT))

    results: dict[str, Any] = {
        "machine": machine_info(),
        "rounds": args.rounds,
        "scale": scale,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "peers": peer_requirements(),
        "workloads": {},
    }
    problems: list[str] = []
    if names:
        results["workloads"] = run_workloads(names, args.rounds, scale, python, problems)
    if do_imports:
        results["imports"] = run_imports(args.import_rounds, python)
    if do_memory:
        items = int(args.memory_items * scale)
        results["memory"] = run_memory(items, args.memory_rounds, python, problems)
    results["machine"]["load_after"] = _load()
    results["problems"] = problems
    results["targets"] = evaluate(results)
    report = render(results)
    results["report"] = report
    tmp = args.output.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, default=str) + "\n")
    tmp.replace(args.output)
    print()
    print(report)
    shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
    print(f"\nwrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
