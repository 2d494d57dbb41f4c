"""The floors of LocalHub's FEDn app: data at the bottom, the simulator on it, routes, the app."""

from __future__ import annotations

import subprocess
import sys

from ..core.test_structure import _cycles, _import_graph

PACKAGE = "hub_sdk.testing.fedn_local"
#: Each module's floor: a module imports only from floors below its own.
FLOORS = {
    "catalogue": 0,
    "npz": 0,
    "validation": 1,
    "filters": 2,
    "data": 2,
    "simulator": 3,
    "engine.request": 4,
    "engine.room": 4,
    "engine.crud": 5,
    "routes.controller": 5,
    "routes.models": 5,
    "routes.network": 5,
    "routes.packages": 5,
    "routes.sessions": 5,
    "app": 6,
}


def test_every_module_has_a_floor_and_imports_only_from_below() -> None:
    graph = _import_graph()
    inside = {m[len(PACKAGE) + 1 :] for m in graph if m.startswith(PACKAGE + ".")}
    faces = {"engine", "routes"}  # package faces: a docstring only
    assert inside - faces == set(FLOORS)
    for module, floor in FLOORS.items():
        for target in graph[f"{PACKAGE}.{module}"]:
            if target.startswith(PACKAGE + "."):
                name = target[len(PACKAGE) + 1 :]
                assert FLOORS[name] < floor, f"{module} (floor {floor}) imports {name}"


def test_no_import_circle_in_localhub() -> None:
    circles = _cycles(_import_graph())
    assert not [c for c in circles if any(m.startswith("hub_sdk.testing") for m in c)]


def test_the_data_side_loads_without_werkzeug() -> None:
    code = (
        "import sys\n"
        f"import {PACKAGE}.npz, {PACKAGE}.simulator\n"
        f"from {PACKAGE} import FednData, FednSimulator\n"
        "print(sorted(m for m in sys.modules if m.startswith('werkzeug')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr
