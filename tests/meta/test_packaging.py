"""Release metadata: the license file, project URLs, a changelog section for the version, and a
demo that installs only what it needs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from hub_sdk import __version__

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_license_file_matches_the_declared_license() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_project_urls() -> None:
    urls = PYPROJECT["project"]["urls"]
    assert urls and all(re.match(r"https://\S+$", u) for u in urls.values())


def test_changelog_has_a_section_for_the_version_below_unreleased() -> None:
    headings = re.findall(r"^## \[([^\]]+)\]", (REPO / "CHANGELOG.md").read_text("utf-8"), re.M)
    assert headings[0] == "Unreleased"
    assert __version__ in headings[1:], headings


def test_demo_installs_only_the_local_extra() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:(.*)\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    stamp = recipe.group(1).split()[0]
    variables = dict(re.findall(r"^(\w+)\s*:=\s*(.+)$", makefile, re.M))
    name = stamp.strip("$()")
    install = re.search(
        rf"^\$\({name}\):.*\n((?:\t.*\n)+)", makefile, re.M
    )
    assert install is not None, stamp
    steps = install.group(1)
    assert "'.[local]'" in steps and "dev" not in steps and "notebook" not in steps
    assert variables[name] != variables["STAMP"]  # not `make test`'s dev install
