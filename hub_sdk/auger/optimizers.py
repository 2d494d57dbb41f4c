"""The optimizers service: next trials to evaluate (v1, v2) and fit-time estimates (fte).

It has its own base URL (``connect(..., optimizers_url=...)``), takes the same body token as the
Hub, and its requests are gzip-compressed JSON (``Content-Encoding: gzip``). Its calls are pure
computations, so they are retried on 5xx and connection errors although they are POSTs.
"""

from __future__ import annotations

import gzip
import random
import time
from collections.abc import Mapping
from typing import Any

from ..core import context
from ..core.connection import Connection
from ..core.encoding import encode_json
from ..core.protocol import ApiResponse
from ..core.request import Request
from ..core.retry import backoff_delay
from ..errors import APIConnectionError, RateLimitError, ServerError, ValidationError
from .models import AugerModel

__all__ = ["NextTrials", "TrialProposal", "fte", "next_trials", "next_trials_v2", "post"]


class TrialProposal(AugerModel):
    """One trial the optimizer proposes: an algorithm and its parameters."""

    algorithm_name: str | None = None
    algorithm_params: dict[str, Any] | None = None


class NextTrials(AugerModel):
    """The optimizer's answer: proposed ``trials`` and the ``optimizer_context`` to send back."""

    trials: list[TrialProposal] = []
    optimizer_context: dict[str, Any] = {}

    @classmethod
    def from_data(cls, data: Any) -> NextTrials:
        """Read any recorded shape: ``[[trials], context]``, ``{trials, optimizer_context}`` or
        a plain list of trials."""
        if isinstance(data, Mapping):
            return cls.model_validate(data)
        if isinstance(data, list) and len(data) == 2 and isinstance(data[0], list):
            return cls.model_validate({"trials": data[0], "optimizer_context": data[1] or {}})
        return cls.model_validate({"trials": data or []})


def _payload(payload: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    body = dict(payload or {})
    body.update(params)
    return body


def _require(body: Mapping[str, Any], names: tuple[str, ...], kinds: dict[str, type]) -> None:
    problems = [(n, "is required") for n in names if body.get(n) in (None, "")]
    problems += [
        (n, f"must be {'an object' if t is dict else 'a list'}")
        for n, t in kinds.items()
        if body.get(n) is not None and not isinstance(body[n], t)
    ]
    if problems:
        raise ValidationError.from_fields("invalid optimizer request", problems)


def post(
    path: str,
    body: Mapping[str, Any],
    *,
    connection: Connection | None = None,
    max_retries: int | None = None,
) -> ApiResponse:
    """POST gzip-compressed JSON to the optimizers service, with the connection's body token.

    A pure computation, so failures are retried (``max_retries``, default the connection's).
    """
    conn = context.resolve("auger", connection)
    retries = conn.retry.max_retries if max_retries is None else max_retries
    base = getattr(conn, "optimizers_url", None)
    if not base:
        raise ValidationError(
            "this connection has no optimizers service: pass optimizers_url to connect()",
            field_errors=[("optimizers_url", "is required")],
        )
    url = f"{base}/{path.lstrip('/')}"
    data = conn.auth.apply(Request("POST", url, body=dict(body))).body
    raw = gzip.compress(encode_json(data, "POST", path), compresslevel=5)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    attempt = 0
    while True:
        try:
            return conn.request(
                "POST", url, raw_body=raw, headers=headers, auth=False, max_retries=0
            )
        except (ServerError, RateLimitError, APIConnectionError) as exc:
            exc.may_have_been_applied = False  # a pure computation: nothing to apply
            if attempt >= retries:
                raise
            delay = backoff_delay(attempt, conn.retry, random.random())
            retry_after = getattr(exc, "retry_after", None)
            time.sleep(max(delay, retry_after or 0.0))
            attempt += 1


def next_trials(
    payload: Mapping[str, Any] | None = None,
    /,
    *,
    connection: Connection | None = None,
    **params: Any,
) -> NextTrials:
    """``POST /next_trials`` (``optimizer_name``, ``optimizer_params``, ``search_space``,
    ``trials_history``, ``trial_workers_count``, ``optimizer_context``, ...)."""
    body = _payload(payload, params)
    _require(body, ("optimizer_name",), {"search_space": dict, "trials_history": list})
    return NextTrials.from_data(post("next_trials", body, connection=connection).data)


def next_trials_v2(
    payload: Mapping[str, Any] | None = None,
    /,
    *,
    connection: Connection | None = None,
    **params: Any,
) -> NextTrials:
    """``POST /v2/next_trials`` (``search_space``, ``trials_limit``, ``trials_total_count``,
    ``trials_history``, ``optimizer_context``)."""
    body = _payload(payload, params)
    _require(body, ("search_space",), {"search_space": dict, "trials_history": list})
    return NextTrials.from_data(post("v2/next_trials", body, connection=connection).data)


def fte(
    payload: Mapping[str, Any] | None = None,
    /,
    *,
    connection: Connection | None = None,
    **params: Any,
) -> float:
    """``POST /fte``: the estimated fit time (seconds) of ``alg_name``/``alg_params`` on a
    dataset of ``nrows`` x ``ncols``."""
    body = _payload(payload, params)
    _require(body, ("alg_name", "alg_params"), {"alg_params": dict})
    data = post("fte", body, connection=connection).data
    value = data.get("estimated_time") if isinstance(data, Mapping) else None
    if not isinstance(value, (int, float)):
        from ..errors import ResponseDecodeError

        raise ResponseDecodeError(f"fte answered without an estimated_time: {data!r}"[:200])
    return float(value)
