"""The ``hub_sdk`` logger, switched on by ``HUB_SDK_LOG=debug|info``."""

from __future__ import annotations

import logging
import os

from .secret import redact

logger = logging.getLogger("hub_sdk")


class RedactingFilter(logging.Filter):
    """Scrub secrets from every record that reaches a hub-sdk handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_from_env() -> None:
    """Attach a stderr handler at the level named by ``HUB_SDK_LOG`` (if set)."""
    level_name = os.environ.get("HUB_SDK_LOG", "").strip().upper()
    if not level_name:
        return
    level = getattr(logging, level_name, None)
    if not isinstance(level, int):
        return
    if not any(getattr(h, "_hub_sdk", False) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s hub_sdk %(levelname)s %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._hub_sdk = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(level)


logger.addFilter(RedactingFilter())
