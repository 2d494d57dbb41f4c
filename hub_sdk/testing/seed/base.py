"""What every family of the demo data builds with: fixed ids, fixed timestamps, one RNG.

The families draw from one :class:`Demo`'s RNG in a fixed order (the order :func:`load_demo
<hub_sdk.testing.seed.load_demo>` calls them), so every load yields the same ids and values.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from ..auger import iso, make

__all__ = [
    "DEFAULT_SIZE",
    "DEMO_CLUSTER_ID",
    "DEMO_ORG_ID",
    "DEMO_PROJECT_ID",
    "DEMO_USER_EMAIL",
    "SECOND_PROJECT_ID",
    "Demo",
    "Doc",
    "hex_id",
    "ts",
    "uuid_id",
]

Doc = dict[str, Any]

DEMO_USER_EMAIL = "demo@localhub.test"
DEMO_ORG_ID = 1
DEMO_PROJECT_ID = 1
SECOND_PROJECT_ID = 2
DEMO_CLUSTER_ID = 1
DEFAULT_SIZE = 300
_BASE = datetime(2024, 1, 8, 9, 0, 0, tzinfo=timezone.utc)


def ts(seconds: float) -> str:
    """The timestamp ``seconds`` after the demo's fixed origin."""
    return iso(_BASE + timedelta(seconds=seconds))


def uuid_id(rng: random.Random) -> str:
    """A UUID4 drawn from ``rng``."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hex_id(rng: random.Random, n: int) -> str:
    """``n`` hex digits drawn from ``rng``."""
    return f"{rng.getrandbits(4 * n):0{n}x}"


class Demo:
    """The demo data set under construction: its RNG and its documents per kind, in order."""

    def __init__(self, seed: int = 20240108) -> None:
        """Start empty, with the RNG seeded."""
        self.rng = random.Random(seed)
        self.docs: dict[str, list[Doc]] = {}

    def add(self, kind: str, values: Doc, at: str) -> Doc:
        """Build a ``kind`` document created ``at`` and queue it for insertion."""
        doc = make(kind, values, at)
        self.docs.setdefault(kind, []).append(doc)
        return doc
