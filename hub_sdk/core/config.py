"""Settings for ``connect()`` from arguments, the environment and a profile file.

The profile file is ``~/.config/hub-sdk/config.toml`` (or ``$HUB_SDK_CONFIG``); each profile is
a table with one sub-table per API::

    [default.auger]
    url = "http://127.0.0.1:5000"
    project_token = "..."

    [prod.fedn]
    url = "https://fedn.example.com"
    token = "..."

Precedence: explicit arguments, then environment variables, then the profile
(``profile=`` or ``$HUB_SDK_PROFILE``, else ``default``). A profile named by either must exist;
an unknown key or a value of the wrong type is an error naming the file, the profile and the
key. Besides each API's settings (all strings), a table may hold ``timeout``: the command
line's time limit in seconds. Each API declares its settings once
(:class:`Setting`: the environment variables and the command line options follow), and every
``connect()`` / ``login()`` takes the same :class:`ConnectionOptions`.
"""

from __future__ import annotations

import difflib
import math
import os
import sys
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from typing_extensions import TypedDict

from ..errors import UnauthenticatedWarning, ValidationError
from .secret import Secret, check_token

if TYPE_CHECKING:
    from .request import Timeout


class TuningOptions(TypedDict, total=False):
    """How a connection waits, retries and caches; the defaults are :class:`Connection`'s."""

    timeout: Timeout  # (connect, read) seconds, or one number for both; default (5, 60)
    max_retries: int  # default 3
    cache_size: int  # objects kept for cached lookups; default 1024 (0: no cache)
    cache_ttl: float  # seconds an object stays cached; default 300
    deadline: float | None  # seconds one call may take in all, retries included; default None
    max_response_bytes: int  # largest JSON body read (not downloads); default 64 MiB


class ConnectionOptions(TuningOptions, total=False):
    """The keywords every ``connect()`` and ``login()`` passes on to the connection."""

    verify: bool | str  # TLS verification: True, False or a CA bundle path; default True


def check_options(function: str, options: Mapping[str, Any], allowed: type[Any]) -> None:
    """Refuse a keyword the ``allowed`` options (a TypedDict) do not declare, as Python would."""
    known = allowed.__required_keys__ | allowed.__optional_keys__
    for name in options:
        if name not in known:
            raise TypeError(f"{function}() got an unexpected keyword argument {name!r}")


def _seconds(value: Any, zero: bool = False) -> bool:
    """Whether ``value`` is a finite number of seconds > 0 (``zero``: >= 0), not a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and (value >= 0 if zero else value > 0)


def timeout_problem(value: Any) -> str | None:
    """Why ``value`` is no timeout (seconds > 0, a (connect, read) pair of them, or None)."""
    if value is None or _seconds(value):
        return None
    pair = isinstance(value, tuple) and len(value) == 2
    if pair and all(part is None or _seconds(part) for part in value):
        return None
    return f"must be seconds > 0 or a (connect, read) pair of them, got {value!r}"


def _count(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def option_problems(**values: Any) -> list[tuple[str, str]]:
    """``(option, reason)`` for each bad tuning option among ``values`` (absent ones pass)."""
    problems: list[tuple[str, str]] = []
    rules: dict[str, tuple[Any, str]] = {
        "max_retries": (lambda v: _count(v, 0), "an int >= 0"),
        "cache_size": (lambda v: _count(v, 0), "an int >= 0 (0: no cache)"),
        "cache_ttl": (lambda v: _seconds(v, zero=True), "seconds >= 0"),
        "deadline": (lambda v: v is None or _seconds(v), "seconds > 0 or None"),
        "max_response_bytes": (lambda v: _count(v, 1), "an int > 0"),
        "pool_size": (lambda v: _count(v, 1), "an int > 0"),
        "verify": (
            lambda v: isinstance(v, bool) or (isinstance(v, str) and bool(v)),
            "True, False or the path of a CA bundle",
        ),
    }
    for name, value in values.items():
        if name == "timeout":
            why = timeout_problem(value)
            if why:
                problems.append((name, why))
        elif name in rules and not rules[name][0](value):
            problems.append((name, f"must be {rules[name][1]}, got {value!r}"))
    return problems


def check_tuning(what: str = "connection options", **values: Any) -> None:
    """Refuse bad tuning options (``timeout=``, ``max_retries=``, ...) with one
    :class:`~hub_sdk.errors.ValidationError` naming each (absent ones pass)."""
    problems = option_problems(**values)
    if problems:
        raise ValidationError(
            f"invalid {what}: " + "; ".join(f"{f} {m}" for f, m in problems),
            field_errors=problems,
        )


@dataclass(frozen=True)
class Setting:
    """One ``connect()`` setting: where it is read from when not given, and its CLI option."""

    name: str  # the key in the profile file (and the CLI option: --project-token)
    env: tuple[str, ...]  # environment variables that may hold it, in order
    help: str  # what it is, for the command line's --help
    secret: bool = False  # a credential
    cli: bool = True  # offered as a command line option

    @property
    def flag(self) -> str:
        """The command line option (``--project-token``)."""
        return "--" + self.name.replace("_", "-")


def env_map(settings: Iterable[Setting]) -> dict[str, tuple[str, ...]]:
    """Setting name -> its environment variables, as :func:`resolve` takes them."""
    return {s.name: s.env for s in settings}


#: Profile keys every API table may hold besides its settings: the command line's time limit.
NUMBER_KEYS = frozenset({"timeout"})
#: API -> the keys its profile table may hold (registered by each API's connection module).
_PROFILE_KEYS: dict[str, frozenset[str]] = {}


def register(api: str, settings: Iterable[Setting]) -> dict[str, tuple[str, ...]]:
    """Declare ``api``'s settings as the keys of its profile tables; return their env map."""
    settings = tuple(settings)
    _PROFILE_KEYS[api] = frozenset(s.name for s in settings) | NUMBER_KEYS
    return env_map(settings)


def _toml() -> Any:
    """The TOML parser, imported on first use (it costs ~3 ms at import time otherwise)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    return tomllib


def config_path() -> Path:
    """Where the profile file is looked for."""
    explicit = os.environ.get("HUB_SDK_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hub-sdk" / "config.toml"


def profile_name(profile: str | None = None) -> tuple[str, str | None]:
    """The profile to read and who chose it: ``(name, "profile=" | "HUB_SDK_PROFILE" | None)``."""
    if profile:
        return profile, "profile="
    from_env = os.environ.get("HUB_SDK_PROFILE")
    if from_env:
        return from_env, "HUB_SDK_PROFILE"
    return "default", None


def _bad(path: Path, message: str, field: str, problem: str) -> ValidationError:
    return ValidationError(f"{path}: {message}", field_errors=[(field, problem)])


def _check_value(path: Path, where: str, key: str, value: Any) -> None:
    """A profile value of the declared kind: a non-empty string, or a number > 0."""
    if key in NUMBER_KEYS:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and math.isfinite(value) and value > 0:
            return
        raise _bad(path, f"{where} {key} = {value!r}: expected a number of seconds > 0", key,
                   "must be a number > 0")
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, f"{where} {key} = {value!r}: expected a non-empty string", key,
                   "must be a string")


def load_profile(api: str, profile: str | None = None) -> dict[str, Any]:
    """The ``[<profile>.<api>]`` table of the profile file ({} if there is none).

    A profile named by ``profile`` or ``$HUB_SDK_PROFILE`` must exist; the default profile may
    be absent. Unknown keys and values of the wrong type are errors naming the file, the
    profile and the key.
    """
    name, chosen_by = profile_name(profile)
    by = " (from $HUB_SDK_PROFILE)" if chosen_by == "HUB_SDK_PROFILE" else ""
    path = config_path()
    if not path.exists():
        if chosen_by:
            raise ValidationError(
                f"profile {name!r}{by} requested but {path} does not exist",
                field_errors=[("profile", f"no config file at {path}")],
            )
        return {}
    tomllib = _toml()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(
            f"cannot read {path}: {exc}", field_errors=[("profile", "unreadable config file")]
        ) from None
    table = data.get(name)
    if table is None:
        if chosen_by:
            known = ", ".join(sorted(data)) or "none"
            raise _bad(path, f"no profile {name!r}{by} (profiles: {known})", "profile",
                       "unknown profile")
        return {}
    if not isinstance(table, Mapping):
        raise _bad(path, f"profile {name!r}{by}: [{name}] must be a table of API tables such "
                   f"as [{name}.{api}], not {table!r}", "profile", "not a table")
    section = table.get(api, {})
    if not isinstance(section, Mapping):
        raise _bad(path, f"profile {name!r}{by}: {api} = {section!r} must be a table "
                   f"([{name}.{api}])", api, "not a table")
    known_keys = _PROFILE_KEYS.get(api)
    where = f"[{name}.{api}]{by}"
    for key, value in section.items():
        if known_keys is not None and key not in known_keys:
            near = difflib.get_close_matches(key, sorted(known_keys), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            keys = ", ".join(sorted(known_keys))
            raise _bad(path, f"{where}: unknown key {key!r}{hint}; known keys: {keys}", key,
                       "unknown key")
        _check_value(path, where, key, value)
    return dict(section)


def resolve(
    api: str,
    given: Mapping[str, Any],
    env: Mapping[str, str | tuple[str, ...]],
    profile: str | None = None,
) -> dict[str, Any]:
    """Fill every setting not given explicitly from the environment, then the profile.

    ``env`` maps a setting to the environment variable(s) that may hold it, in order.
    """
    settings = {k: v for k, v in given.items() if v is not None}
    file_values: dict[str, Any] | None = None
    for key, names in env.items():
        if key in settings:
            continue
        for var in (names,) if isinstance(names, str) else names:
            value = os.environ.get(var)
            if value:
                settings[key] = value
                break
        else:
            if file_values is None:
                file_values = load_profile(api, profile)
            if file_values.get(key) is not None:
                settings[key] = file_values[key]
    if file_values is None and profile_name(profile)[1]:
        load_profile(api, profile)  # a named profile must exist even if nothing was needed
    return settings


def clean_token(token: Any, name: str | None = None) -> str | Secret | None:
    """A token without surrounding whitespace (pasted tokens often end with a newline); None
    for an empty one. With ``name``, a token with whitespace, control or non-latin-1
    characters inside is a ValidationError naming ``name`` (never showing the token)."""
    if token is None:
        return None
    raw = token.reveal() if isinstance(token, Secret) else str(token)
    stripped = raw.strip()
    if not stripped:
        return None
    if name is not None:
        check_token(stripped, name)
    if isinstance(token, Secret) and stripped == raw:
        return token
    return Secret(stripped) if isinstance(token, Secret) else stripped


_warned_unauthenticated: set[str] = set()


def warn_unauthenticated(api: str, settings: str) -> None:
    """Warn once per process and API that ``connect()`` found no token (an
    :class:`~hub_sdk.errors.UnauthenticatedWarning`; silence it with the ``warnings`` filters)."""
    if api in _warned_unauthenticated:
        return
    _warned_unauthenticated.add(api)
    warnings.warn(
        f"{api}.connect(): no token given or configured ({settings}): calls will be sent "
        "unauthenticated",
        UnauthenticatedWarning,
        stacklevel=3,
    )


def describe_sources(api: str, key: str, env_names: str | tuple[str, ...]) -> str:
    """How a user can provide ``key``: the argument, the variables, the profile file."""
    names = (env_names,) if isinstance(env_names, str) else env_names
    return (
        f"pass {key}=..., set {' or '.join(names)}, or add {key!r} to the [<profile>.{api}] "
        f"table of {config_path()}"
    )
