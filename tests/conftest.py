"""Shared test configuration: hypothesis profiles, where the recorded contracts live, fixtures.

Hypothesis runs under the profile named by ``HUB_SDK_HYPOTHESIS_PROFILE``:

* ``ci`` (the default, and what ``make test`` sets): derandomized, no example database, so every
  run draws the same examples and a failure prints the blob that reproduces it;
* ``fuzz`` (``make fuzz``): random and :data:`FUZZ_FACTOR` times more examples per test, with
  the example database under ``.hypothesis/`` so that a failure found is replayed first.

Tests size their own runs with :func:`examples`, which scales under ``fuzz``.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st

from hub_sdk.auger.connection import SETTINGS as AUGER_SETTINGS
from hub_sdk.fedn.connection import SETTINGS as FEDN_SETTINGS

REPO = Path(__file__).resolve().parents[1]

FUZZ_FACTOR = 25
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None)
settings.register_profile(
    "fuzz", max_examples=100 * FUZZ_FACTOR, derandomize=False, print_blob=True, deadline=None
)
PROFILE = os.environ.get("HUB_SDK_HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """``max_examples`` for a test that runs ``n`` in CI (scaled up under ``make fuzz``)."""
    return n * FUZZ_FACTOR if PROFILE == "fuzz" else n


_TOKEN_CHARS = string.ascii_letters + string.digits + "-_.~+/="


def secret_tokens() -> st.SearchStrategy[str]:
    """Credential-like strings that no repr, message or log line can contain by coincidence.

    A bare ``st.text()`` token may be drawn as ``"field_errors"``, which every ValidationError
    shows. These are 16 to 64 characters with an upper-case letter, a ``~`` and a digit in a row
    in the middle: no identifier, field name, URL or number of ours looks like that.
    """
    side = st.text(alphabet=_TOKEN_CHARS, min_size=6, max_size=30)
    core = st.tuples(
        st.sampled_from(string.ascii_uppercase), st.sampled_from(string.digits)
    ).map(lambda p: f"{p[0]}~{p[1]}")
    return st.tuples(side, core, side).map("".join)

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
