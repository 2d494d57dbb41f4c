"""Run one workload once, for one side, and print its measurements as one JSON line.

``python bench/worker.py '<spec as JSON>'``. The spec names the ``workload`` and ``side`` and
carries the server URLs, the token and the workload's parameters. Only the timed part is
measured (not interpreter start, imports or the warm-up call). HTTP requests are counted at
the transport (``HTTPAdapter.send``), the same way for every side.

Peak RSS is read after setup and after the run. On Linux ``ru_maxrss`` carries over the
*parent's* high-water mark across fork+exec (the orchestrator, which hosts LocalHub, is
bigger than a worker), which would hide the worker's own growth; so the peak is read from
``VmHWM`` in ``/proc/self/status`` (this process image's own peak RSS) where it exists, and
``ru_maxrss`` is reported beside it.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS


def _count_requests() -> dict[str, int]:
    """Count every request that reaches the transport, whichever client sends it."""
    from requests.adapters import HTTPAdapter

    counter = {"n": 0}
    original = HTTPAdapter.send

    def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
        counter["n"] += 1
        return original(self, request, *args, **kwargs)

    HTTPAdapter.send = send  # type: ignore[method-assign]
    return counter


def peak_rss_kb() -> int:
    """This process's peak resident set size in KiB (VmHWM; else ru_maxrss)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    """Set up, run once, print ``{"seconds", "requests", "rss_growth_kb", ...}``."""
    spec: dict[str, Any] = json.loads(argv[1])
    counter = _count_requests()
    run = WORKLOADS[spec["workload"]][spec["side"]](spec)
    gc.collect()
    counter["n"] = 0
    rss_before = peak_rss_kb()
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    rss_after = peak_rss_kb()
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "seconds": seconds,
        "requests": counter["n"],
        "rss_before_kb": rss_before,
        "rss_growth_kb": rss_after - rss_before,
        "ru_maxrss_before_kb": maxrss_before,
        "ru_maxrss_growth_kb": maxrss_after - maxrss_before,
        **result,
    }
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
