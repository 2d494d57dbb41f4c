"""The ``hub-sdk`` command line.

``hub-sdk serve``
    Run LocalHub (Auger Hub API + FEDn API) on loopback until Ctrl-C.
``hub-sdk auger <resource> list|get|create|update|delete ...``
    Auger Hub resources, named as in the API paths (``experiments``, ``experiment_sessions``...).
``hub-sdk fedn <resource> list|get|... ``
    FEDn resources, plus ``sessions start --wait``, ``models download ID -o FILE``, uploads.

Tables by default, ``--json`` for scripts. Errors print one line (``error: ...``) and exit
non-zero: 1 for API and connection errors, 2 for usage errors; ``--debug`` adds the traceback
and the ``hub_sdk`` debug log. Tokens never appear in the output. Output cut short by a closed
pipe (``| head``) ends the command quietly with 141, as a shell tool killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

from .._version import __version__
from ..core.secret import redact
from ..errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    HubError,
    ValidationError,
)
from . import fedn, serve
from .resources import VerbTable, add_api_parser, add_output_options
from .usage import UsageError

__all__ = ["COMMANDS", "Parser", "UsageError", "build_parser", "describe_error", "main"]

AddArguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141

#: Plain sub-commands: name -> (help, add_arguments, run).
COMMANDS: dict[str, tuple[str, AddArguments, Run]] = {
    "serve": ("run LocalHub (Auger Hub + FEDn APIs) on loopback", serve.add_arguments, serve.run),
}
#: The APIs with resource commands, and their verbs beyond list/get/create/update/delete.
APIS: dict[str, VerbTable] = {"auger": {}, "fedn": fedn.VERBS}


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors (``hub-sdk serve: error: argument --port: ...``)."""

    def error(self, message: str) -> NoReturn:
        """Print the problem in one line and exit with the usage error code (2)."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser.

    The resource commands of an API are built (which imports its resource modules) only when
    ``argv`` names that API; with ``argv=None`` every API is built.
    """
    parser = Parser(
        prog="hub-sdk",
        description="hub-sdk command line: LocalHub, Auger Hub and FEDn resources",
        epilog="Connection settings: options, else HUB_* / FEDN_* variables, else the profile "
        "file (~/.config/hub-sdk/config.toml).",
    )
    parser.add_argument("--version", action="version", version=f"hub-sdk {__version__}")
    add_output_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
        p.set_defaults(run=run)
    for api, verbs in APIS.items():
        add_api_parser(sub, api, verbs=verbs, populate=argv is None or api in argv)
    return parser


def describe_error(exc: BaseException) -> str:
    """One redacted line a user can act on: ``NotFoundError 404: ... [GET experiments/x]``."""
    hint = ""  # added after redaction: it talks about tokens without holding one
    if isinstance(exc, HubError):
        text = type(exc).__name__ + (f" {exc.status}" if exc.status else "") + f": {exc.message}"
        field_errors: list[tuple[str, str]] = getattr(exc, "field_errors", None) or []
        details = "; ".join(f"{f}: {m}" for f, m in field_errors)
        if details and details not in text:
            text += f" ({details})"
        where = " ".join(p for p in (exc.method, exc.path) if p)
        if where:
            text += f" [{where}]"
        if exc.request_id:
            text += f" (request id {exc.request_id})"
        if exc.may_have_been_applied:
            text += " (the write may have been applied: check before retrying)"
        text = text.replace("pass url=...", "pass --url")
        if isinstance(exc, AuthenticationError):
            hint = " (check the token: its option, HUB_*_TOKEN or FEDN_AUTH_TOKEN, or the profile)"
        elif isinstance(exc, APIConnectionError) and not isinstance(exc, APITimeoutError):
            hint = " (is the server running at that URL?)"
    elif isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    return redact(" ".join(text.split())) + hint


@contextlib.contextmanager
def _debug_logging(enabled: bool) -> Iterator[None]:
    """With ``--debug``: the ``hub_sdk`` logger at DEBUG on stderr, redacted."""
    if not enabled:
        yield
        return
    from ..core.log import RedactingFilter

    logger = logging.getLogger("hub_sdk")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s hub_sdk %(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _fail(exc: BaseException, code: int, debug: bool) -> int:
    if debug:
        print(redact(traceback.format_exc()).rstrip(), file=sys.stderr)
    print(f"error: {describe_error(exc)}", file=sys.stderr, flush=True)
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hub-sdk`` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # --help, or a usage error argparse already printed
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else 2)
    debug = bool(getattr(args, "debug", False))
    run: Run = args.run
    with _debug_logging(debug):
        try:
            code = run(args)
            sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
            return code
        except UsageError as exc:
            print(f"hub-sdk: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except ValidationError as exc:  # rejected before anything was sent
            return _fail(exc, EXIT_USAGE, debug)
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly
            _silence_stdout()
            return EXIT_PIPE
        except Exception as exc:
            return _fail(exc, EXIT_ERROR, debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
