"""Fixtures for the SDK tests: a connection to ``fedn_server`` (made the default), files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub_sdk import fedn
from hub_sdk.core import context
from hub_sdk.testing.fedn_local.npz import npz_bytes

from ..conftest import FednServer
from ..helpers import SEED_ARRAYS, package_bytes


def connect_to(server: FednServer, default: bool = False) -> fedn.FednConnection:
    """A connection to ``server`` (with its admin token when auth is on)."""
    return fedn.connect(server.url, token=server.token, max_retries=0, default=default)


@pytest.fixture(scope="module")
def conn(fedn_server: FednServer) -> Iterator[fedn.FednConnection]:
    """The default FEDn connection for the module's tests."""
    c = connect_to(fedn_server, default=True)
    yield c
    c.close()
    context.clear_default("fedn")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A compute package (.tgz) and a seed model (.npz) on disk."""
    folder = tmp_path_factory.mktemp("fedn-files")
    pkg = folder / "package.tgz"
    pkg.write_bytes(package_bytes())
    seed = folder / "seed.npz"
    seed.write_bytes(npz_bytes(SEED_ARRAYS))
    return {"package": pkg, "seed": seed}


@pytest.fixture(scope="module")
def package(conn: fedn.FednConnection, files: dict[str, Path]) -> fedn.Package:
    """The module's active compute package."""
    return fedn.Package.upload(files["package"], helper="numpyhelper", name="sdk-package")


@pytest.fixture(scope="module")
def seed(package: fedn.Package, files: dict[str, Path]) -> fedn.Model:
    """A seed model (uploaded after the package)."""
    return fedn.Model.upload(files["seed"], name="sdk-seed")
