"""The command line's one error of its own: it was used wrongly."""

from __future__ import annotations


class UsageError(Exception):
    """The command line was used wrongly (exit code 2)."""
