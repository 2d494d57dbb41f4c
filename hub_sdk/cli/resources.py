"""``hub-sdk auger|fedn <resource> <verb>``: generic commands built from the resource registry.

Every resource class registered for an API with a collection path becomes a command named
after the path (``experiment_sessions``; ``endpoints/{endpoint_id}/predictions`` becomes
``endpoint_predictions`` with an ``--endpoint-id`` option), offering the verbs it declares:
``list [key=value ...]``, ``get ID``, ``create key=value ...``, ``update ID key=value ...`` and
``delete ID``. API-specific verbs (uploads, downloads, sessions) come from the verb table
given to :func:`add_api_parser` (``hub_sdk.cli.fedn.VERBS``). ``list --order-by`` is offered
only by APIs that sort on the server (FEDn; the Auger Hub API has no ordering).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import types
import typing
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from ..auger import connection as auger_connection
from ..core.config import Setting
from ..core.registry import resources
from ..core.resource import Resource
from ..errors import UnauthenticatedWarning
from ..fedn import connection as fedn_connection
from . import limits, output
from .usage import UsageError

__all__ = [
    "API_HELP",
    "Context",
    "ResourceCommand",
    "VerbSpec",
    "VerbTable",
    "add_api_parser",
    "command_name",
    "discover",
    "parse_pairs",
    "parse_value",
    "plain",
    "summary",
]

API_HELP = {
    "auger": "Auger Hub API resources (experiments, trials, pipelines, ...)",
    "fedn": "FEDn controller API resources (models, sessions, packages, ...)",
}
DEFAULT_LIMIT = 50
#: The APIs whose listings the server can sort (``list --order-by``).
ORDERED_APIS = frozenset({"fedn"})

# Resources the command line leaves out: ``tokens create`` would print a credential.
HIDDEN = frozenset({("auger", "Token")})


@dataclass(frozen=True)
class ResourceCommand:
    """One resource as a command: its name, class, and the parameters of its path."""

    api: str
    name: str
    cls: type[Resource]
    path_params: tuple[str, ...] = ()


@dataclass
class Context:
    """What a verb needs: the parsed arguments, the resource, a connection, the output."""

    args: argparse.Namespace
    command: ResourceCommand
    limit: limits.Limit = field(default_factory=lambda: limits.Limit(None))
    _conn: Any = field(default=None, repr=False)

    @property
    def api(self) -> str:
        """``"auger"`` or ``"fedn"``."""
        return self.command.api

    @property
    def cls(self) -> type[Resource]:
        """The resource class the command acts on."""
        return self.command.cls

    @property
    def json(self) -> bool:
        """Whether ``--json`` was given."""
        return bool(getattr(self.args, "json", False))

    @property
    def out(self) -> IO[str]:
        """Where results go (standard output)."""
        return sys.stdout

    @property
    def err(self) -> IO[str]:
        """Where notes and progress go when stdout carries JSON (standard error)."""
        return sys.stderr

    def connection(self) -> Any:
        """The connection, opened on first use from the options, environment or profile."""
        if self._conn is None:
            self._conn = connect(self.api, self.args, self.limit)
        return self._conn

    def close(self) -> None:
        """Close the connection if one was opened."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def pairs(self, values: Sequence[str] | None) -> dict[str, Any]:
        """``key=value`` arguments plus the path options (``--endpoint-id``), parsed."""
        parsed = parse_pairs(values or (), self.cls)
        for name in self.command.path_params:
            value = getattr(self.args, name, None)
            if value is not None:
                parsed[name] = value
        return parsed

    def path_values(self, values: Sequence[str] | None) -> dict[str, Any]:
        """Like :meth:`pairs`, but only the path parameters are allowed."""
        parsed = self.pairs(values)
        unknown = sorted(set(parsed) - set(self.command.path_params))
        if unknown:
            allowed = ", ".join(self.command.path_params) or "none"
            raise UsageError(
                f"unexpected argument(s) {', '.join(unknown)} (path parameters: {allowed})"
            )
        return parsed

    def show(self, obj: Resource) -> None:
        """Print one object (table view or JSON)."""
        if self.json:
            output.print_json(obj, self.out)
        else:
            output.print_object(obj, self.out)


Run = Callable[[Context, argparse.Namespace], int]
AddArguments = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class VerbSpec:
    """An API-specific verb of one resource (``fedn models download``)."""

    name: str
    help: str
    add_arguments: AddArguments
    run: Run


#: Resource command name -> its verbs beyond list/get/create/update/delete.
VerbTable = Mapping[str, Sequence[VerbSpec]]


# -- connecting ------------------------------------------------------------------------------

CONNECTION_SETTINGS = {"auger": auger_connection.SETTINGS, "fedn": fedn_connection.SETTINGS}
PROFILE_HELP = "profile of the config file (else $HUB_SDK_PROFILE or 'default')"
TIMEOUT_HELP = (
    f"give up after S seconds in all, retries included (else ${limits.TIMEOUT_ENV} or the "
    f"profile's timeout; default: {limits.DEFAULT_REQUEST_LIMIT:g} s per request, and "
    "waits as long as the session's rounds allow)"
)


def _seconds(text: str) -> float:
    try:
        return limits.seconds(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds > 0, got {text!r}"
        ) from None


def connection_settings(api: str) -> tuple[Setting, ...]:
    """The settings of ``api``'s ``connect()`` that the command line offers as options."""
    return tuple(s for s in CONNECTION_SETTINGS[api] if s.cli)


def add_connection_options(p: argparse.ArgumentParser, api: str) -> None:
    """The connection options, accepted before or after the resource and verb."""
    group = p.add_argument_group("connection")
    for setting in connection_settings(api):
        variables = " / ".join(f"${name}" for name in setting.env)
        group.add_argument(
            setting.flag,
            default=argparse.SUPPRESS,
            metavar=setting.name.rsplit("_", 1)[-1].upper(),
            help=f"{setting.help} (else {variables} or the profile)",
        )
    group.add_argument("--profile", default=argparse.SUPPRESS, metavar="NAME", help=PROFILE_HELP)
    group.add_argument(
        "--timeout", type=_seconds, default=argparse.SUPPRESS, metavar="S", help=TIMEOUT_HELP
    )


def add_output_options(p: argparse.ArgumentParser, *, defaults: bool = False) -> None:
    """``--json`` and ``--debug`` (set anywhere on the command line)."""
    default: Any = False if defaults else argparse.SUPPRESS
    p.add_argument("--json", action="store_true", default=default, help="print JSON for scripts")
    p.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="show tracebacks and the hub_sdk debug log",
    )


def connect(api: str, args: argparse.Namespace, limit: limits.Limit | None = None) -> Any:
    """Open a connection with what the user gave; the rest comes from env and profile.

    Its timeouts and retries fit the command's time limit (see :mod:`hub_sdk.cli.limits`).
    """
    limit = limit or limits.Limit(None)
    names = [s.name for s in connection_settings(api)] + ["profile"]
    given = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    given.update(limit.options())
    url = given.pop("url", None)
    conn: Any
    with warnings.catch_warnings():  # a server without auth is fine; a 401 says what to do
        warnings.simplefilter("ignore", UnauthenticatedWarning)
        if api == "auger":
            conn = auger_connection.connect(url, default=False, **given)
        else:
            conn = fedn_connection.connect(url, default=False, **given)
    limit.apply(conn)
    return conn


# -- key=value arguments ---------------------------------------------------------------------

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN / Infinity are not JSON


def parse_value(text: str) -> Any:
    """``text`` as JSON when it is valid JSON (numbers, booleans, null, objects...), else as is."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return text


def _is_string_field(cls: type[Resource] | None, key: str) -> bool:
    """Whether ``key`` is declared as a string, so ``name=123`` stays the string ``"123"``."""
    if cls is None:
        return False
    annotation: Any = cls.__resource__.inputs.get(key)
    if annotation is None:
        info = cls.model_fields.get(key)
        if info is None:
            return False
        annotation = info.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = set(typing.get_args(annotation)) - {type(None)}
    else:
        members = {annotation}
    return members == {str}


def parse_pairs(values: Sequence[str], cls: type[Resource] | None = None) -> dict[str, Any]:
    """``["name=x", "rounds=3"]`` -> ``{"name": "x", "rounds": 3}``; UsageError if malformed."""
    parsed: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not _KEY.match(key):
            raise UsageError(f"expected key=value, got {item!r}")
        if key in parsed:
            raise UsageError(f"{key!r} given twice")
        parsed[key] = raw if _is_string_field(cls, key) else parse_value(raw)
    return parsed


# -- help text -------------------------------------------------------------------------------

_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`]*)`")


def _role_text(match: re.Match[str]) -> str:
    target = re.sub(r"\s*<[^>]*>$", "", match.group(1))  # `title <target>` -> title
    return target[1:].rsplit(".", 1)[-1] if target.startswith("~") else target


def plain(text: str) -> str:
    """Docstring markup as plain text: ``:class:`~a.B``` -> ``B``, ````x```` -> ``x``."""
    return _ROLE.sub(_role_text, text).replace("``", "")


def summary(doc: str | None, fallback: str) -> str:
    """The first sentence of a docstring, in plain text (``fallback`` if there is none)."""
    paragraph = " ".join((doc or "").strip().split("\n\n", 1)[0].split())
    if not paragraph:
        return fallback
    end = re.search(r"(?<!e\.g)(?<!i\.e)\.(\s+(?=[A-Z])|$)", paragraph)
    first = paragraph[: end.start()] if end else paragraph
    return plain(first)


# -- discovering resources -------------------------------------------------------------------


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "uses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def command_name(path: str) -> str:
    """The command for an API path: ``endpoints/{endpoint_id}/predictions`` ->
    ``endpoint_predictions`` (a segment followed by a parameter is made singular)."""
    parts = [p for p in path.strip("/").split("/") if p]
    words = []
    for i, part in enumerate(parts):
        if part.startswith("{"):
            continue
        before_param = i + 1 < len(parts) and parts[i + 1].startswith("{")
        words.append(_singular(part) if before_param else part)
    return "_".join(words)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def discover(api: str) -> dict[str, ResourceCommand]:
    """The resource commands of ``api``, by name (sorted)."""
    found: dict[str, ResourceCommand] = {}
    for class_name, cls in resources(api).items():
        spec = cls.__resource__
        if (api, class_name) in HIDDEN or not spec.path or not spec.actions:
            continue
        name = command_name(spec.path)
        if name in found:
            name = _snake(class_name)
            if name in found:  # pragma: no cover - no such clash in either API
                continue
        params = tuple(re.findall(r"\{(\w+)\}", spec.path))
        found[name] = ResourceCommand(api, name, cls, params)
    return dict(sorted(found.items()))


# -- the generic verbs -----------------------------------------------------------------------


def _add_list(p: argparse.ArgumentParser, ordered: bool = True) -> None:
    p.add_argument("filters", nargs="*", metavar="key=value", help="filters sent to the API")
    p.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"show at most N objects (default {DEFAULT_LIMIT})",
    )
    p.add_argument("--all", action="store_true", help="show every matching object")
    p.add_argument("--page-size", type=int, default=None, metavar="N", help="objects per request")
    if ordered:
        p.add_argument(
            "--order-by",
            default=None,
            metavar="FIELD",
            help="sort by FIELD (--order-by=-FIELD: descending)",
        )


def _run_list(ctx: Context, args: argparse.Namespace) -> int:
    if args.limit < 0:
        raise UsageError("--limit must be >= 0")
    limit = None if args.all else args.limit
    filters = ctx.pairs(args.filters)
    order_by = getattr(args, "order_by", None)
    if order_by is not None:
        filters["order_by"] = order_by
    listing = ctx.cls.list(
        connection=ctx.connection(), page_size=args.page_size, limit=limit, **filters
    )
    if ctx.json:
        output.print_json_list(listing, ctx.out)
        return 0
    total = listing.total if limit else None  # the first page, kept for the listing below
    items = listing.to_list()
    output.print_list(items, ctx.out)
    if total is not None and total > len(items):
        print(f"({len(items)} of {total} shown: --limit N or --all for more)", file=ctx.err)
    return 0


def _add_id(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", help="the object's id")


def _add_get(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    p.add_argument("params", nargs="*", metavar="key=value", help="path parameters")


def _run_get(ctx: Context, args: argparse.Namespace) -> int:
    values = ctx.path_values(args.params)
    obj = ctx.cls.get(args.id, connection=ctx.connection(), **values)
    ctx.show(obj)
    return 0


def _add_create(p: argparse.ArgumentParser) -> None:
    p.add_argument("fields", nargs="*", metavar="key=value", help="fields (values: JSON or text)")


def _run_create(ctx: Context, args: argparse.Namespace) -> int:
    fields = ctx.pairs(args.fields)
    obj = ctx.cls.create(connection=ctx.connection(), **fields)
    ctx.show(obj)
    return 0


def _add_update(p: argparse.ArgumentParser) -> None:
    _add_id(p)
    p.add_argument("fields", nargs="+", metavar="key=value", help="fields to change")


def _run_update(ctx: Context, args: argparse.Namespace) -> int:
    fields = ctx.pairs(args.fields)
    obj = ctx.cls.update(args.id, connection=ctx.connection(), **fields)
    ctx.show(obj)
    return 0


def _add_delete(p: argparse.ArgumentParser) -> None:
    _add_get(p)


def _run_delete(ctx: Context, args: argparse.Namespace) -> int:
    values = ctx.path_values(args.params)
    answer = ctx.cls.delete_id(args.id, connection=ctx.connection(), **values)
    if ctx.json:
        data = answer if isinstance(answer, dict) else {"id": args.id, "deleted": True}
        output.print_json(data, ctx.out)
    else:
        print(f"deleted {ctx.cls.__name__} {args.id}", file=ctx.out)
    return 0


VERBS: dict[str, tuple[str, AddArguments, Run]] = {
    "list": ("list objects (a table of the first --limit)", _add_list, _run_list),
    "get": ("show one object", _add_get, _run_get),
    "create": ("create an object from key=value fields", _add_create, _run_create),
    "update": ("change fields of an object", _add_update, _run_update),
    "delete": ("delete an object", _add_delete, _run_delete),
}


# -- the parser ------------------------------------------------------------------------------


def _runner(command: ResourceCommand, run: Run) -> Callable[[argparse.Namespace], int]:
    def call(args: argparse.Namespace) -> int:
        limit = limits.resolve(
            getattr(args, "timeout", None), command.api, getattr(args, "profile", None)
        )
        ctx = Context(args, command, limit)
        try:
            with limit.enforced():
                return run(ctx, args)
        finally:
            ctx.close()

    return call


def _leaf(
    sub: Any, name: str, help_text: str, api: str, command: ResourceCommand
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
    for param in command.path_params:
        p.add_argument(
            "--" + param.replace("_", "-"),
            dest=param,
            default=argparse.SUPPRESS,
            metavar=param.upper(),
            help=f"path parameter {param} (or {param}=...)",
        )
    add_output_options(p)
    add_connection_options(p, api)
    return p


def add_api_parser(
    sub: Any, api: str, *, verbs: VerbTable | None = None, populate: bool = True
) -> argparse.ArgumentParser:
    """Add ``hub-sdk <api>`` with one sub-command per resource (only if ``populate``).

    ``verbs`` adds API-specific verbs to resource commands, by command name.
    """
    p: argparse.ArgumentParser = sub.add_parser(api, help=API_HELP[api], description=API_HELP[api])
    add_output_options(p)
    add_connection_options(p, api)
    if not populate:
        p.set_defaults(run=_populate_first)
        return p
    commands = p.add_subparsers(dest="resource", metavar="RESOURCE")
    commands.required = True
    for name, command in discover(api).items():
        spec = command.cls.__resource__
        about = summary(command.cls.__doc__, command.cls.__name__)
        rp = commands.add_parser(
            name,
            help=about.replace("%", "%%"),
            description=f"{command.cls.__name__}: {spec.path}. {about}.".replace("%", "%%"),
        )
        leaves = rp.add_subparsers(dest="verb", metavar="VERB")
        leaves.required = True
        for verb, (help_text, add_arguments, run) in VERBS.items():
            if verb in spec.actions:
                leaf = _leaf(leaves, verb, help_text, api, command)
                if verb == "list":
                    _add_list(leaf, ordered=api in ORDERED_APIS)
                else:
                    add_arguments(leaf)
                leaf.set_defaults(run=_runner(command, run))
        for extra in (verbs or {}).get(name, ()):
            leaf = _leaf(leaves, extra.name, extra.help, api, command)
            extra.add_arguments(leaf)
            leaf.set_defaults(run=_runner(command, extra.run))
    return p


def _populate_first(args: argparse.Namespace) -> int:  # pragma: no cover - defensive
    raise UsageError("internal: the resource commands were not built")
