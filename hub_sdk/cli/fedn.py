"""FEDn verbs beyond list/get/create: start and wait for sessions, upload and download files.

``hub-sdk fedn sessions start --rounds 10 [--aggregator fedavg] [--model ID] [--wait]``,
``hub-sdk fedn sessions wait ID``, ``hub-sdk fedn models download ID -o model.npz``,
``hub-sdk fedn models upload PATH``, ``hub-sdk fedn packages upload PATH --helper numpyhelper``
and ``hub-sdk fedn packages active``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ..core.transfer import existing_file, writable_target
from . import output
from .resources import Context, VerbSpec, VerbTable
from .usage import UsageError

if TYPE_CHECKING:
    from ..fedn.history import RoundResult
    from ..fedn.sessions import Session

__all__ = ["VERBS"]


# -- checking arguments before anything is sent ----------------------------------------------


def _json_object(text: str, option: str) -> dict[str, Any]:
    """An option's value that must be a JSON object; a usage error otherwise."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{option}: not valid JSON ({exc}): {text!r}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{option}: expected a JSON object such as '{{\"k\": 1}}', got {text!r}")
    return value


# -- sessions --------------------------------------------------------------------------------


def _add_wait_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--poll", type=float, default=1.0, metavar="S",
        help="at most one request per S seconds on average (default 1)",
    )


def _add_start(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rounds", type=int, default=5, metavar="N", help="rounds to run (default 5)")
    p.add_argument("--aggregator", default="fedavg", help="aggregator (default fedavg)")
    p.add_argument(
        "--aggregator-kwargs", default=None, metavar="JSON", help="aggregator parameters"
    )
    p.add_argument("--model", default=None, metavar="ID", help="seed model (default: the latest)")
    p.add_argument("--round-timeout", type=int, default=180, metavar="S", help="per round")
    p.add_argument("--clients-required", type=int, default=1, metavar="N")
    p.add_argument("--helper", default=None, help="helper (default: the active package's)")
    p.add_argument("--name", default=None, help="session name (default: generated)")
    p.add_argument("--no-validate", action="store_true", help="skip validation rounds")
    p.add_argument("--wait", action="store_true", help="show rounds as they finish; exit 0 if done")
    _add_wait_options(p)


def _reporter(ctx: Context, total: int | None) -> Callable[[RoundResult], None]:
    """One line per ended round, with its committed model and mean metrics (on stderr when
    stdout carries JSON)."""
    stream = ctx.err if ctx.json else ctx.out
    count = 0
    started = time.monotonic()

    def show(result: RoundResult) -> None:
        nonlocal count
        count += 1
        print(
            f"{result.describe(count, total)} [{time.monotonic() - started:.1f} s]",
            file=stream,
            flush=True,
        )

    return show


def _wait(ctx: Context, session: Session, total: int | None, args: argparse.Namespace) -> int:
    """Wait for ``session`` to end; 0 if it finished, 1 if it ended otherwise.

    A round that failed raises ``SessionFailedError`` (one error line, exit 1). The command's
    time limit (``--timeout``) bounds the wait; without one, each round may take its
    ``round_timeout`` plus a minute.
    """
    remaining = ctx.limit.remaining()
    timeout: float | Literal["auto"] = "auto" if remaining is None else remaining * 0.9
    session.wait(timeout=timeout, progress=_reporter(ctx, total), poll=args.poll)
    status = (session.status or "").lower()
    if ctx.json:
        output.print_json(session, ctx.out)
    else:
        print(f"session {session.name} (id {session.pk}) {session.status}", file=ctx.out)
    if status != "finished":
        print(f"error: session {session.pk} ended with status {session.status!r}", file=ctx.err)
        return 1
    return 0


def _run_start(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.models import Model
    from ..fedn.sessions import Session

    if args.rounds < 1:
        raise UsageError("--rounds must be >= 1")
    kwargs: dict[str, Any] | None = None
    if args.aggregator_kwargs is not None:
        kwargs = _json_object(args.aggregator_kwargs, "--aggregator-kwargs")
    # A model that does not exist would be refused only after the session was created: look
    # it up first, so a refused start leaves nothing behind.
    model = None if args.model is None else Model.get(args.model, connection=ctx.connection())
    session = Session.start(
        rounds=args.rounds,
        aggregator=args.aggregator,
        aggregator_kwargs=kwargs,
        model=model,
        round_timeout=args.round_timeout,
        clients_required=args.clients_required,
        helper=args.helper,
        validate=not args.no_validate,
        name=args.name,
        connection=ctx.connection(),
    )
    if not args.wait:
        ctx.show(session)
        return 0
    seed = (session.seed_model_id or "-")[:8]
    print(
        f"session {session.name} (id {session.pk}) started: {args.rounds} rounds, "
        f"aggregator {args.aggregator}, seed model {seed}",
        file=ctx.err if ctx.json else ctx.out,
        flush=True,
    )
    return _wait(ctx, session, args.rounds, args)


def _add_session_wait(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="the session's id")
    _add_wait_options(p)


def _run_session_wait(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.sessions import Session

    session = Session.get(args.id, connection=ctx.connection())
    cfg = session.session_config
    return _wait(ctx, session, cfg.rounds if cfg else None, args)


# -- models and packages ---------------------------------------------------------------------


def _add_download(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="the model's id")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="PATH",
        help="file to write (default: <ID>.npz; '-' for standard output)",
    )


def _run_download(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.models import Model

    output_path = args.output or f"{args.id}.npz"
    target = None if args.output == "-" else writable_target(output_path, "output")
    model = Model.get(args.id, connection=ctx.connection())
    if target is None:
        data = model.download()
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        target = model.download(target)
    except OSError as exc:  # name the file asked for, not the temporary one written first
        raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from None
    size = target.stat().st_size
    if ctx.json:
        output.print_json({"model_id": model.pk, "path": str(target), "bytes": size}, ctx.out)
    else:
        print(f"downloaded model {model.pk} to {target} ({size} bytes)", file=ctx.out)
    return 0


def _add_model_upload(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="the model file (e.g. seed.npz)")
    p.add_argument("--name", default=None, help="model name (default: file stem + suffix)")


def _run_model_upload(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.models import Model

    path = existing_file(args.path, "path")
    ctx.show(Model.upload(path, name=args.name, connection=ctx.connection()))
    return 0


def _add_package_upload(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="the package (.tgz, .tar.gz, .zip)")
    p.add_argument("--helper", default="numpyhelper", help="helper (default numpyhelper)")
    p.add_argument("--name", default=None, help="package name (default: the file name)")
    p.add_argument("--description", default=None)


def _run_package_upload(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.packages import Package

    package = Package.upload(
        existing_file(args.path, "path"),
        helper=args.helper,
        name=args.name,
        description=args.description,
        connection=ctx.connection(),
    )
    ctx.show(package)
    return 0


def _no_arguments(p: argparse.ArgumentParser) -> None:
    return None


def _run_package_active(ctx: Context, args: argparse.Namespace) -> int:
    from ..fedn.packages import Package

    package = Package.active(connection=ctx.connection())
    if package is None:
        print(
            "error: no compute package is active (hub-sdk fedn packages upload PATH)", file=ctx.err
        )
        return 1
    ctx.show(package)
    return 0


#: The FEDn resource commands' verbs beyond list/get/create (given to ``add_api_parser``).
VERBS: VerbTable = {
    "sessions": (
        VerbSpec(
            "start", "create a session and start it (--wait: until it ends)", _add_start, _run_start
        ),
        VerbSpec(
            "wait",
            "wait for a session to end, showing its rounds",
            _add_session_wait,
            _run_session_wait,
        ),
    ),
    "models": (
        VerbSpec("download", "download a model file", _add_download, _run_download),
        VerbSpec(
            "upload",
            "upload a seed model (a package must be active)",
            _add_model_upload,
            _run_model_upload,
        ),
    ),
    "packages": (
        VerbSpec(
            "upload",
            "upload a compute package (it becomes active)",
            _add_package_upload,
            _run_package_upload,
        ),
        VerbSpec("active", "show the active package", _no_arguments, _run_package_active),
    ),
}
