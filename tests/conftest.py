"""Shared test configuration: where the recorded contracts live, and common fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
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
