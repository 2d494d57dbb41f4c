"""Shared test configuration: where the recorded contracts live, and common fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub_sdk.auger.connection import SETTINGS as AUGER_SETTINGS
from hub_sdk.fedn.connection import SETTINGS as FEDN_SETTINGS

REPO = Path(__file__).resolve().parents[1]

# Hermetic tests: no developer profile file, no connection settings from the environment.
os.environ["HUB_SDK_CONFIG"] = str(REPO / ".no-such-hub-sdk-config.toml")
for _setting in (*AUGER_SETTINGS, *FEDN_SETTINGS):
    for _var in _setting.env:
        os.environ.pop(_var, None)
os.environ.pop("HUB_SDK_PROFILE", None)
SHARED = Path(os.environ.get("HUB_SDK_SHARED", REPO.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Return a path inside ../shared, skipping the calling test (with the reason) if absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"recorded contract not available: {path} is absent (set HUB_SDK_SHARED)")
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ../shared folder with the recorded contracts; skips when it is absent."""
    return shared_path()
