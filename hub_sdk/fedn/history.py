"""The per-round view of a session: what each round committed and how the clients scored it."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Model
    from .results import Validation
    from .sessions import Round, Session

__all__ = ["RoundHistory", "RoundResult", "session_history"]


@dataclass(frozen=True, eq=False)
class RoundResult:
    """One round as a practitioner reads it.

    ``number`` counts the session's rounds from 1 (``round_id`` is the controller's id,
    counted across sessions); ``model`` is the model the round committed (None if it
    failed); ``validations`` are the clients' evaluations of that model.
    """

    number: int
    round: Round
    model: Model | None = None
    validations: builtins.list[Validation] = field(default_factory=builtins.list)
    committed_id: str | None = None

    @property
    def round_id(self) -> str | None:
        """The controller's round id."""
        return self.round.round_id

    @property
    def status(self) -> str | None:
        """``"Finished"``, ``"Failed"``, ``"Terminated"``, or a running state."""
        return self.round.status

    @property
    def succeeded(self) -> bool:
        """Whether the round committed a model (``"Success"`` or ``"Finished"``)."""
        return self.round.committed

    @property
    def model_id(self) -> str | None:
        """The committed model's id (known even when ``model`` was not fetched)."""
        return self.model.model_id if self.model is not None else self.committed_id

    @property
    def started_at(self) -> datetime | None:
        """When the controller created the round (second resolution)."""
        return self.round.committed_at

    @property
    def finished_at(self) -> datetime | None:
        """When the controller last updated the round (second resolution)."""
        return self.round.updated_at

    @property
    def duration(self) -> float | None:
        """Seconds from start to last update (whole seconds: the controller's resolution)."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def metrics(self) -> dict[str, dict[str, Any]]:
        """Each validating client's metrics, by client name."""
        return {_client(v): v.metrics for v in self.validations}

    @property
    def mean(self) -> dict[str, float]:
        """Each numeric metric averaged over the clients that reported it."""
        sums: dict[str, list[float]] = {}
        for v in self.validations:
            for key, value in v.metrics.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    sums.setdefault(key, []).append(float(value))
        return {k: sum(vals) / len(vals) for k, vals in sums.items()}

    def rows(self) -> builtins.list[dict[str, Any]]:
        """One row per validating client (one row without client when there are none)."""
        base = {
            "round": self.number,
            "round_id": self.round_id,
            "status": self.status,
            "model_id": self.model_id,
            "started_at": self.started_at,
            "duration": self.duration,
        }
        if not self.validations:
            return [{**base, "client": None}]
        return [{**base, "client": _client(v), **v.metrics} for v in self.validations]

    def describe(self, position: int | None = None, total: int | None = None) -> str:
        """One line: ``round 2/5 Finished: model 1a2b3c4d, mean accuracy 0.91 (2 clients)``.

        ``position``/``total`` count within a run (default: the round's number).
        """
        of = f"/{total}" if total else ""
        line = f"round {position or self.number}{of} {self.status}"
        if self.model_id:
            line += f": model {self.model_id[:8]}"
        mean = self.mean
        if mean:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in builtins.list(mean.items())[:3])
            line += f", mean {shown} ({len(self.validations)} clients)"
        return line

    def __repr__(self) -> str:
        return f"<RoundResult {self.number} {self.status} model={self.model_id}>"


class RoundHistory(builtins.list[RoundResult]):
    """The rounds of a session in order, as :class:`RoundResult`s."""

    @property
    def failed(self) -> builtins.list[RoundResult]:
        """The rounds that ended without committing a model."""
        return [r for r in self if r.round.is_done and not r.succeeded]

    def rows(self) -> builtins.list[dict[str, Any]]:
        """One row per round and validating client."""
        return [row for result in self for row in result.rows()]

    def to_pandas(self) -> Any:
        """A DataFrame with one row per round and client (metrics as columns)."""
        import pandas as pd

        columns = ["round", "round_id", "status", "model_id", "started_at", "duration", "client"]
        frame = pd.DataFrame(self.rows())
        return frame.reindex(columns=columns + [c for c in frame.columns if c not in columns])


def _client(v: Validation) -> str:
    sender = v.sender
    return str((sender.name or sender.client_id) if sender else None)


def committed_ids(
    rounds: Sequence[Round],
    validations: Iterable[Validation] = (),
    models: Iterable[Model] | None = None,
) -> dict[str, str]:
    """Round id -> the id of the model it committed, for the session's ``rounds`` in order.

    The combiners' report names a temporary aggregate, so the committed model is found
    through lineage: it is the session model whose parent is the model the round started
    from. Without ``models``: a committed round's model is the next round's start model,
    and the last one's the validated model that is no round's start.
    """
    found: dict[str, str] = {}
    if models is not None:
        by_parent = {m.parent_model: m.model_id for m in models if m.parent_model}
        for rnd in rounds:
            start = rnd.start_model_id
            if rnd.committed and start and by_parent.get(start):
                found[str(rnd.round_id)] = str(by_parent[start])
    for i, rnd in enumerate(rounds):
        later = rounds[i + 1] if i + 1 < len(rounds) else None
        nxt = later.start_model_id if later is not None else None
        if rnd.committed and str(rnd.round_id) not in found and nxt and nxt != rnd.start_model_id:
            found[str(rnd.round_id)] = nxt
    open_rounds = [r for r in rounds if r.committed and str(r.round_id) not in found]
    starts = {r.start_model_id for r in rounds}
    candidates = {v.model_id for v in validations if v.model_id} - starts - set(found.values())
    if len(open_rounds) == 1 and len(candidates) == 1:
        found[str(open_rounds[0].round_id)] = str(candidates.pop())
    return found


def link_committed_models(rounds: Sequence[Round], models: Iterable[Model]) -> None:
    """Tell each round which of the session's ``models`` it committed."""
    found = committed_ids(rounds, (), models)
    for rnd in rounds:
        model_id = found.get(str(rnd.round_id))
        if model_id is not None:  # not found: left for a lookup of its own
            rnd.link(model_id)


def build_history(
    rounds: Sequence[Round],
    models: Iterable[Model],
    validations: Iterable[Validation],
    committed: dict[str, str] | None = None,
) -> RoundHistory:
    """Assemble the per-round view from a session's rounds, models and validations."""
    models = builtins.list(models)
    validations = builtins.list(validations)
    if committed is None:
        committed = committed_ids(rounds, validations, models)
    by_id = {m.model_id: m for m in models}
    by_model: dict[str | None, builtins.list[Validation]] = {}
    for v in validations:
        by_model.setdefault(v.model_id, []).append(v)
    history = RoundHistory()
    for number, rnd in enumerate(rounds, 1):
        model_id = committed.get(str(rnd.round_id))
        if model_id is not None:
            rnd.link(model_id)
        found = sorted(by_model.get(model_id, []), key=_client) if model_id else []
        model = by_id.get(model_id) if model_id else None
        history.append(RoundResult(number, rnd, model, found, model_id))
    return history


def session_history(session: Session) -> RoundHistory:
    """The per-round view of ``session`` (three requests)."""
    from .results import Validation

    conn = session._conn(session._connection)
    rounds = session._round_list()
    models = session.models(page_size=1000)
    validations = Validation.list(connection=conn, session_id=session.pk, page_size=1000)
    return build_history(rounds, models, validations)


def find_committed_model(rnd: Round) -> str | None:
    """The id of the model ``rnd`` committed, looked up by lineage (one request)."""
    from .models import Model

    if not rnd.session_id or not rnd.start_model_id:
        return None
    found = Model.list(
        connection=rnd.connection,
        session_id=rnd.session_id,
        parent_model=rnd.start_model_id,
        limit=1,
    ).first()
    return found.model_id if found is not None else None
