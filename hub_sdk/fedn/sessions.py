"""Training sessions and their rounds: create, start, continue, wait with progress."""

from __future__ import annotations

import builtins
import inspect
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import PrivateAttr

from ..core.pagination import LazyList
from ..core.progress import progress_bar
from ..core.relations import Children, Parent
from ..errors import BadRequestError
from .base import FednResource
from .errors import SessionStartError, SessionTimeoutError
from .types import CombinerReport, RoundConfig, RoundData, SessionConfig

if TYPE_CHECKING:
    from ..core.connection import Connection
    from .models import Model
    from .results import Metric, Run, Status, Validation

#: Statuses after which a session or a round does not change any more.
SESSION_DONE = frozenset({"finished", "terminated"})
ROUND_DONE = frozenset({"finished", "failed", "terminated"})

Progress = bool | Callable[["Round"], Any] | None

_DEFAULT_CONFIG: dict[str, Any] = {
    "aggregator": "fedavg",
    "aggregator_kwargs": None,
    "round_timeout": 180,
    "buffer_size": -1,
    "rounds": 5,
    "delete_models_storage": True,
    "clients_required": 1,
    "requested_clients": 8,
    "validate": True,
    "helper_type": None,
    "model_id": None,
    "server_functions": None,
}


class Session(
    FednResource,
    path="sessions",
    actions="list get create",
    id_field="session_id",
    repr_fields="name status",
):
    """A training session: a seed model, a configuration and the rounds it ran."""

    session_id: str | None = None
    name: str | None = None
    status: str | None = None
    seed_model_id: str | None = None
    session_config: SessionConfig | None = None

    _started_rounds: int | None = PrivateAttr(default=None)
    _rounds_before: frozenset[str] = PrivateAttr(default=frozenset())

    seed_model: ClassVar[Parent[Model]] = Parent("Model", key="seed_model_id")
    validations: ClassVar[Children[Validation]] = Children("Validation", key="session_id")
    statuses: ClassVar[Children[Status]] = Children("Status", key="session_id")
    metrics: ClassVar[Children[Metric]] = Children("Metric", key="session_id")
    runs: ClassVar[Children[Run]] = Children("Run", key="session_id")

    # -- creating and starting ----------------------------------------------------------------

    @classmethod
    def create(cls, *, connection: Connection | None = None, **fields: Any) -> Session:
        """Create a session (not started): ``name``, ``seed_model_id``, ``session_config``.

        Missing ``session_config`` entries take the published client's defaults (the helper:
        the active package's), and ``rounds`` is always sent (FEDn 0.33.0 on SQL answers 500
        without it).
        """
        config = fields.pop("session_config", None) or {}
        if isinstance(config, SessionConfig):
            config = config.model_dump(by_alias=True, exclude_unset=True)
        merged = {**_DEFAULT_CONFIG, **dict(config)}
        seed = fields.get("seed_model_id") or merged.get("model_id")
        seed = getattr(seed, "pk", seed)
        merged["model_id"] = seed
        fields["seed_model_id"] = seed
        if not fields.get("name"):
            fields["name"] = f"session-{uuid.uuid4().hex[:8]}"
        conn = cls._conn(connection)
        if not merged.get("helper_type"):
            from .packages import Package

            merged["helper_type"] = Package.active_helper(connection=conn) or "numpyhelper"
        body = cls.validate_input({k: v for k, v in fields.items() if k != "session_config"})
        body["session_config"] = SessionConfig.model_validate(merged).to_wire()
        resp = conn.request("POST", "sessions/", body=body)
        obj = cls._from_response(resp, conn)
        obj._remember()
        return obj

    @classmethod
    def start(
        cls,
        rounds: int = 5,
        aggregator: str = "fedavg",
        aggregator_kwargs: Mapping[str, Any] | str | None = None,
        model: Model | str | None = None,
        round_timeout: int = 180,
        clients_required: int = 1,
        requested_clients: int | None = 8,
        helper: str | None = None,
        validate: bool = True,
        name: str | None = None,
        *,
        buffer_size: int = -1,
        delete_models: bool = True,
        server_functions: Any = None,
        connection: Connection | None = None,
    ) -> Session:
        """Create a session and start it; returns the session (``.wait()`` for the rounds).

        ``model`` defaults to the latest model, ``helper`` to the active package's. If the
        controller refuses to start (e.g. too few clients), :class:`SessionStartError`
        carries the created session.
        """
        from .models import Model
        from .packages import Package

        conn = cls._conn(connection)
        if model is None:
            model = Model.latest(connection=conn)
            if model is None:
                raise BadRequestError("no model to start from: upload a seed model first")
        model_id = model.pk if isinstance(model, Model) else str(model)
        if helper is None:
            helper = Package.active_helper(connection=conn) or "numpyhelper"
        if server_functions is not None and not isinstance(server_functions, str):
            server_functions = inspect.getsource(server_functions)
        config = {
            "aggregator": aggregator,
            "aggregator_kwargs": dict(aggregator_kwargs)
            if isinstance(aggregator_kwargs, Mapping)
            else aggregator_kwargs,
            "round_timeout": round_timeout,
            "buffer_size": buffer_size,
            "rounds": rounds,
            "delete_models_storage": delete_models,
            "clients_required": clients_required,
            "requested_clients": requested_clients,
            "validate": validate,
            "helper_type": helper,
            "model_id": model_id,
            "server_functions": server_functions,
        }
        session = cls.create(
            connection=conn, name=name, seed_model_id=model_id, session_config=config
        )
        session._send_start(rounds, round_timeout)
        return session

    def continue_(self, rounds: int = 5, round_timeout: int | None = None) -> Session:
        """Run ``rounds`` more rounds of a finished session, from its latest model."""
        cfg = self.session_config
        timeout = round_timeout or (cfg.round_timeout if cfg else None) or 180
        self._rounds_before = frozenset(str(r.round_id) for r in self.rounds())
        self._send_start(rounds, timeout)
        return self

    def _send_start(self, rounds: int, round_timeout: int) -> None:
        conn = self._conn(self._connection)
        body = {"session_id": self.pk, "rounds": rounds, "round_timeout": round_timeout}
        try:
            conn.request("POST", "sessions/start", body=body)
        except BadRequestError as exc:
            raise SessionStartError(
                f"session {self.pk} was not started: {exc.message}",
                session=self,
                body=exc.body,
                method=exc.method,
                path=exc.path,
                status=exc.status,
                request_id=exc.request_id,
            ) from exc
        conn.cache.invalidate(self.cache_key(self.pk))
        self._started_rounds = rounds

    # -- state ----------------------------------------------------------------------------------

    def is_finished(self) -> bool:
        """Whether the session has ended (reloads it)."""
        self.refresh()
        return (self.status or "").lower() in SESSION_DONE

    def rounds(self) -> builtins.list[Round]:
        """The session's rounds, in order."""
        conn = self._conn(self._connection)
        found = Round.list(connection=conn, round_config__session_id=self.pk, page_size=500)
        # Controllers that ignore the nested filter send every round: keep this session's.
        mine = [r for r in found if r.session_id == self.pk]
        mine.sort(key=Round.sort_key)
        return mine

    def models(
        self, *, order_by: str = "committed_at", page_size: int | None = None, **filters: Any
    ) -> LazyList[Model]:
        """The models the session produced, oldest first (``[-1]`` is the latest)."""
        from .models import Model

        return Model.list(
            connection=self._connection,
            session_id=self.pk,
            order_by=order_by,
            page_size=page_size,
            **filters,
        )

    def wait(
        self,
        timeout: float | None = None,
        progress: Progress = None,
        *,
        poll: float = 0.1,
        max_poll: float = 2.0,
    ) -> Session:
        """Block until the session ends, reporting rounds as they finish.

        ``progress=True`` shows a rounds bar (tqdm when installed, notebook-aware) and prints
        one line per finished round; a callable receives each finished :class:`Round`.
        Polls every ``poll`` seconds, backing off to ``max_poll`` while nothing changes.
        Raises :class:`SessionTimeoutError` after ``timeout`` seconds.
        """
        report = _RoundReporter(self) if progress is True else (progress or None)
        try:
            return self._wait(report, timeout, poll, max_poll)
        finally:
            if isinstance(report, _RoundReporter):
                report.close()

    def _wait(
        self,
        report: Callable[[Round], None] | None,
        timeout: float | None,
        poll: float,
        max_poll: float,
    ) -> Session:
        deadline = None if timeout is None else time.monotonic() + timeout
        seen: set[str] = set(self._rounds_before)
        delay = poll
        while True:
            done = self.is_finished()
            fresh = [r for r in self.rounds() if r.round_id not in seen and (done or r.is_done)]
            for rnd in fresh:
                seen.add(str(rnd.round_id))
                if callable(report):
                    report(rnd)
            if done:
                return self
            delay = poll if fresh else min(delay * 1.5, max_poll)
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SessionTimeoutError(
                        f"session {self.pk} did not finish within {timeout} s "
                        f"(status {self.status!r}, {len(seen - self._rounds_before)} rounds done)",
                        session=self,
                    )
                delay = min(delay, remaining)
            time.sleep(delay)


class _RoundReporter:
    """The ``progress=True`` reporter: a rounds bar (tqdm when installed) and a line per round."""

    def __init__(self, session: Session) -> None:
        cfg = session.session_config
        self.total = session._started_rounds or (cfg.rounds if cfg else None)
        self.count = 0
        self.started = time.monotonic()
        self.bar: Any = None
        self.desc = f"session {session.name or session.pk}"

    def __call__(self, rnd: Round) -> None:
        if self.bar is None:
            self.bar = progress_bar(self.total, self.desc, "rounds")
        self.count += 1
        of = f"/{self.total}" if self.total else ""
        model = (rnd.model_id or "-")[:8]
        self.bar.write(
            f"round {self.count}{of} (id {rnd.round_id}) {rnd.status}: model {model} "
            f"[{time.monotonic() - self.started:.1f} s]"
        )
        self.bar.update(1)

    def close(self) -> None:
        """Finish the bar."""
        if self.bar is not None:
            self.bar.close()


class Round(
    FednResource,
    path="rounds",
    actions="list get",
    id_field="round_id",
    repr_fields="status session_id",
):
    """One round of a session, with the reports of the combiners that ran it."""

    round_id: str | None = None
    status: str | None = None
    round_config: RoundConfig | None = None
    round_data: RoundData | None = None
    combiners: builtins.list[CombinerReport] | None = None

    session: ClassVar[Parent[Session]] = Parent("Session", key="session_id")
    model: ClassVar[Parent[Model]] = Parent("Model", key="model_id")

    @property
    def session_id(self) -> str | None:
        """The session the round belongs to."""
        return self.round_config.session_id if self.round_config else None

    @property
    def model_id(self) -> str | None:
        """The model the round produced (before it finishes: the model it started from)."""
        for report in self.combiners or ():
            if report.model_id:
                return report.model_id
        return self.round_config.model_id if self.round_config else None

    @property
    def is_done(self) -> bool:
        """Whether the round has ended (finished, failed or terminated)."""
        return (self.status or "").lower() in ROUND_DONE

    @staticmethod
    def sort_key(rnd: Round) -> tuple[int, str]:
        """Order rounds by their numeric id."""
        rid = str(rnd.round_id or "")
        return (int(rid), rid) if rid.isdigit() else (1 << 62, rid)
