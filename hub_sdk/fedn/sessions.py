"""Training sessions and their rounds: create, start, continue, wait, and the per-round view."""

from __future__ import annotations

import builtins
import inspect
import time
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import PrivateAttr

from ..core.pagination import LazyList
from ..core.protocol import Page
from ..core.relations import Children, OptionalParent, Parent
from ..errors import BadRequestError, ValidationError, invalid
from .base import FednResource
from .errors import SessionStartError
from .types import START_ARGUMENTS, CombinerReport, RoundConfig, RoundData, SessionConfig

if TYPE_CHECKING:
    from ..core.connection import Connection
    from .history import RoundHistory, RoundResult
    from .models import Model
    from .results import Metric, Run, Status, Validation

#: Statuses after which a session or a round does not change any more.
SESSION_DONE = frozenset({"finished", "terminated"})
ROUND_DONE = frozenset({"finished", "failed", "terminated"})
#: Round statuses after which the round's model is committed.
ROUND_COMMITTED = frozenset({"success", "finished"})

Progress = bool | Callable[["RoundResult"], Any] | None

class Session(
    FednResource,
    path="sessions",
    actions="list get create",
    id_field="session_id",
    repr_fields="name status",
):
    """A training session: a seed model, a configuration and the rounds it ran.

    ``Session.create(name=, seed_model_id=, session_config=)`` creates one without starting
    it: ``session_config`` (a mapping or a :class:`SessionConfig`) is checked strictly and
    missing entries take :class:`SessionConfig`'s defaults (the helper: the active
    package's); ``rounds`` is always sent (FEDn 0.33.0 on SQL answers 500 without it).
    ``Session.start(...)`` creates and starts one.
    """

    session_id: str
    name: str | None = None
    status: str | None = None
    seed_model_id: str | None = None
    session_config: SessionConfig | None = None

    # What the latest start() / continue_() asked for, so wait() follows that run only.
    _run_rounds: int | None = PrivateAttr(default=None)
    _rounds_before: frozenset[str] = PrivateAttr(default=frozenset())
    _status_before: str | None = PrivateAttr(default=None)
    _started_at: float | None = PrivateAttr(default=None)

    seed_model: ClassVar[Parent[Model]] = Parent("Model", key="seed_model_id")
    validations: ClassVar[Children[Validation]] = Children("Validation", key="session_id")
    statuses: ClassVar[Children[Status]] = Children("Status", key="session_id")
    metrics: ClassVar[Children[Metric]] = Children("Metric", key="session_id")
    runs: ClassVar[Children[Run]] = Children("Run", key="session_id")

    # -- creating and starting ----------------------------------------------------------------

    @classmethod
    def _create_body(cls, fields: dict[str, Any], conn: Connection) -> dict[str, Any]:
        """``session_config`` checked strictly and completed (see the class docstring)."""
        config = SessionConfig.build(fields.pop("session_config", None))
        seed = fields.get("seed_model_id") or config.model_id
        seed = getattr(seed, "pk", seed)
        fields["seed_model_id"] = seed
        if not fields.get("name"):
            fields["name"] = f"session-{uuid.uuid4().hex[:8]}"
        body = cls.validate_input(fields)
        if not config.helper_type:
            from .packages import Package

            helper = Package.active_helper(connection=conn) or "numpyhelper"
            config = config.model_copy(update={"helper_type": helper})
        config = config.model_copy(update={"model_id": seed})
        body["session_config"] = config.to_wire(_statestore(conn, config))
        return body

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

        Every setting is checked before anything is sent: ``rounds`` and ``round_timeout`` at
        least 1, ``aggregator`` one the controller ships (``fedavg``, ``fedopt``,
        ``splitlearningagg``) with ``aggregator_kwargs`` it takes. ``model`` (a Model or an
        id; a wrong id raises ``NotFoundError`` before anything is created) defaults to the
        latest model, ``helper`` to the active package's. If the controller refuses to start
        (e.g. too few clients), :class:`SessionStartError` carries the created session.
        """
        from .models import Model

        if server_functions is not None and not isinstance(server_functions, str):
            try:
                server_functions = inspect.getsource(server_functions)
            except (TypeError, OSError) as exc:
                raise ValidationError(
                    f"invalid server_functions: {exc}",
                    field_errors=[("server_functions", "must be a class or its source text")],
                ) from None
        settings = {
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
            "server_functions": server_functions,
        }
        try:
            config = SessionConfig.build(settings)
        except ValidationError as exc:
            raise _as_arguments(exc, "Session.start") from None
        if model is not None and not isinstance(model, (Model, str)):
            raise ValidationError(
                f"invalid model: expected a Model or a model id, not {type(model).__name__}",
                field_errors=[("model", "must be a Model or a model id")],
            )
        conn = cls._conn(connection)
        if model is None:
            model = Model.latest(connection=conn)
            if model is None:
                raise BadRequestError("no model to start from: upload a seed model first")
        elif isinstance(model, str):
            model = Model.get(model, connection=conn)  # a wrong id: no session left behind
        model_id = model.pk
        session = cls.create(
            connection=conn,
            name=name,
            seed_model_id=model_id,
            session_config=config.model_copy(update={"model_id": model_id}),
        )
        session._send_start(rounds, round_timeout)
        return session

    def continue_(self, rounds: int = 5, round_timeout: int | None = None) -> Session:
        """Run ``rounds`` more rounds of a finished session, from its latest model.

        ``wait()`` then follows the new rounds only.
        """
        cfg = self.session_config
        if round_timeout is None:
            round_timeout = cfg.round_timeout if cfg else SessionConfig().round_timeout
        timeout = round_timeout
        try:
            SessionConfig.build(rounds=rounds, round_timeout=timeout)
        except ValidationError as exc:
            raise _as_arguments(exc, "Session.continue_") from None
        self._send_start(rounds, timeout, before=self._round_list())
        return self

    def _send_start(
        self, rounds: int, round_timeout: int, before: builtins.list[Round] | None = None
    ) -> None:
        conn = self._conn(self._connection)
        self._rounds_before = frozenset(str(r.round_id) for r in before or ())
        self._status_before = self.status
        body = {"session_id": self.pk, "rounds": rounds, "round_timeout": round_timeout}
        try:
            with conn.cache.writing(self.cache_key(self.pk)):
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
        self._run_rounds = rounds
        self._started_at = time.monotonic()

    # -- state ----------------------------------------------------------------------------------

    def is_finished(self) -> bool:
        """Whether the session has ended (reloads it)."""
        self.refresh()
        return (self.status or "").lower() in SESSION_DONE

    def rounds(self) -> LazyList[Round]:
        """The session's rounds in numeric order, each knowing the model it committed.

        A lazy listing like every child collection: nothing is fetched until it is used, then
        the rounds and the session's models in two requests (the order is numeric, which the
        controller cannot sort by), once per pass from the start.
        """
        from .history import link_committed_models

        loaded: builtins.list[Round] = []

        def fetch(offset: int, size: int) -> Page[Round]:
            if offset == 0 or not loaded:
                mine = self._round_list()
                link_committed_models(mine, self.models(page_size=1000))
                loaded[:] = mine
            return Page(loaded[offset : offset + size], len(loaded))

        return LazyList(fetch, prefetch=False, describe="Round", item_type=Round)

    def _round_list(self) -> builtins.list[Round]:
        """The session's rounds in order (one request)."""
        conn = self._conn(self._connection)
        found = Round.list(connection=conn, round_config__session_id=self.pk, page_size=1000)
        # Controllers that ignore the nested filter send every round: keep this session's.
        return sorted((r for r in found if r.session_id == self.pk), key=Round.sort_key)

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

    def latest_model(self) -> Model | None:
        """The last model the session committed, or None when no round committed one."""
        from .models import Model

        return Model.latest(connection=self._connection, session_id=self.pk)

    def history(self) -> RoundHistory:
        """Every round of the session: number, status, timing, committed model, validations.

        Three requests (rounds, models, validations) however many rounds there are.
        """
        from .history import session_history

        return session_history(self)

    def metrics_frame(self) -> Any:
        """A pandas DataFrame of the validations: one row per round and client."""
        return self.history().to_pandas()

    def wait(
        self,
        timeout: float | Literal["auto"] | None = "auto",
        progress: Progress = None,
        *,
        poll: float = 1.0,
        raise_on_failure: bool = True,
        start_timeout: float = 30.0,
        stall_timeout: float | None = None,
        validation_timeout: float = 30.0,
    ) -> Session:
        """Block until the session has finished and its rounds' validations are stored.

        Follows the rounds of the latest :meth:`start` / :meth:`continue_` only. Returns when
        the session is "Finished" (or "Terminated") and every round that committed a model
        has the validations of the clients that trained it (when the session validates;
        the controller stores them up to ~1 s after it marks the session finished).

        * ``timeout``: ``"auto"`` (the default) allows each round its ``round_timeout`` plus a
          minute; a number of seconds; ``None`` waits as long as there is progress.
          :class:`SessionTimeoutError` when it passes.
        * Stalls raise :class:`SessionStalledError` naming the cause: still not started
          ``start_timeout`` s after the start, no client online while a round waits, or no
          change for ``stall_timeout`` s (default: ``round_timeout`` plus a minute).
        * Rounds that ended "Failed" raise :class:`SessionFailedError` (each round's status on
          it) unless ``raise_on_failure=False``; :meth:`history` shows them either way.
        * ``progress=True`` shows "round N/M" and the latest mean validation metrics (a bar on
          a terminal or notebook, one line per round otherwise); a callable receives each
          ended round as a :class:`RoundResult`.
        * Polls at most once per ``poll`` seconds on average (short bursts when a change is
          due); validations still missing ``validation_timeout`` s after the session finished
          are given up on with a warning.
        """
        from .waiting import SessionWatch

        watch = SessionWatch(
            self,
            timeout=timeout,
            progress=progress,
            poll=poll,
            start_timeout=start_timeout,
            stall_timeout=stall_timeout,
            validation_timeout=validation_timeout,
        )
        watch.run()
        watch.check(raise_on_failure)
        return self


class Round(
    FednResource,
    path="rounds",
    actions="list get",
    id_field="round_id",
    repr_fields="status session_id",
):
    """One round of a session, with the reports of the combiners that ran it.

    ``model`` / ``model_id`` are the model the round committed. The combiners' reports name a
    temporary aggregate instead (``aggregate_model_id``), which the controller deletes when it
    commits the result under a new id; the committed model is found through lineage (its
    parent is ``start_model_id``, the model the round started from).
    """

    round_id: str
    status: str | None = None
    round_config: RoundConfig | None = None
    round_data: RoundData | None = None
    combiners: builtins.list[CombinerReport] | None = None

    _committed: str | None = PrivateAttr(default=None)
    _linked: bool = PrivateAttr(default=False)

    session: ClassVar[Parent[Session]] = Parent("Session", key="session_id")
    model: ClassVar[OptionalParent[Model]] = OptionalParent("Model", key="model_id")

    @property
    def session_id(self) -> str | None:
        """The session the round belongs to."""
        return self.round_config.session_id if self.round_config else None

    @property
    def start_model_id(self) -> str | None:
        """The model the round started from."""
        return self.round_config.model_id if self.round_config else None

    @property
    def aggregate_model_id(self) -> str | None:
        """The combiners' temporary aggregate (deleted once the round commits its model)."""
        for report in self.combiners or ():
            if report.model_id:
                return report.model_id
        return None

    @property
    def model_id(self) -> str | None:
        """The model the round committed (None while it runs, or if it failed).

        Known without a request for rounds from :meth:`Session.rounds` or
        :meth:`Session.history`; otherwise looked up once (one request) and remembered.
        """
        if not self.committed:
            return None
        if not self._linked:
            from .history import find_committed_model

            self.link(find_committed_model(self))
        return self._committed

    def link(self, model_id: str | None) -> None:
        """Record the model this round committed (found through lineage)."""
        self._committed, self._linked = model_id, True

    @property
    def committed(self) -> bool:
        """Whether the round got as far as committing a model."""
        return (self.status or "").lower() in ROUND_COMMITTED

    @property
    def is_done(self) -> bool:
        """Whether the round has ended (finished, failed or terminated)."""
        return (self.status or "").lower() in ROUND_DONE

    @property
    def expected_updates(self) -> int:
        """How many clients sent updates that were aggregated (the validators to expect)."""
        total = 0
        for report in self.combiners or ():
            timing = report.data.aggregation_time if report.data else None
            total += (timing.nr_aggregated_models or 0) if timing else 0
        return total

    @staticmethod
    def sort_key(rnd: Round) -> tuple[int, str]:
        """Order rounds by their numeric id."""
        rid = str(rnd.round_id or "")
        return (int(rid), rid) if rid.isdigit() else (1 << 62, rid)


def _statestore(conn: Connection, config: SessionConfig) -> str | None:
    """The controller's statestore kind, asked only when it matters (kwargs to encode)."""
    if not config.aggregator_kwargs:
        return None
    from .connection import statestore

    return statestore(conn)


def _as_arguments(exc: ValidationError, where: str) -> ValidationError:
    """The same problems, named as the arguments of ``where`` (``helper``, not ``helper_type``)."""
    problems = [(START_ARGUMENTS.get(f, f), reason) for f, reason in exc.field_errors]
    return invalid(f"arguments for {where}", problems)
