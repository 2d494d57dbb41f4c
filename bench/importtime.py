"""Time one import in a fresh interpreter and print the seconds as JSON.

``python bench/importtime.py MODE``; the clock starts before the timed import, so interpreter
start-up is excluded. Modes: ``deps`` (pydantic, requests, cachetools), ``auger`` /
``fedn`` (``import hub_sdk.auger`` / ``hub_sdk.fedn`` from a bare interpreter),
``auger_over_deps`` / ``fedn_over_deps`` (the same, after the dependencies are imported,
untimed), ``basemodel_over_deps`` (``from pydantic import BaseModel`` after them: pydantic
imports its model machinery lazily), ``auger_over_model`` / ``fedn_over_model`` (after the
dependencies *and* ``BaseModel``), ``seed`` (``auger.hub_api_client``) and ``seed_fedn``
(``from fedn import APIClient``), the last two in the peers' virtualenv.
"""

import sys
import time

DEPS = "import pydantic, requests, cachetools"
TIMED = {
    "deps": DEPS,
    "auger": "import hub_sdk.auger",
    "fedn": "import hub_sdk.fedn",
    "auger_over_deps": "import hub_sdk.auger",
    "fedn_over_deps": "import hub_sdk.fedn",
    "basemodel_over_deps": "from pydantic import BaseModel",
    "auger_over_model": "import hub_sdk.auger",
    "fedn_over_model": "import hub_sdk.fedn",
    "auger_resource_over_deps": "from hub_sdk.auger import Experiment",
    "fedn_resource_over_deps": "from hub_sdk.fedn import Model",
    "seed": "import auger.hub_api_client",
    "seed_fedn": "from fedn import APIClient",
}


def main() -> None:
    """Import (untimed) what the mode builds on, then time the mode's import."""
    mode = sys.argv[1]
    code = compile(TIMED[mode], "<bench>", "exec")
    if mode.endswith("_over_deps"):  # includes *_resource_over_deps
        exec(DEPS)
    elif mode.endswith("_over_model"):
        exec(DEPS + "; from pydantic import BaseModel")
    started = time.perf_counter()
    exec(code)
    seconds = time.perf_counter() - started
    sys.stdout.write(f'{{"seconds": {seconds!r}}}\n')


if __name__ == "__main__":
    main()
