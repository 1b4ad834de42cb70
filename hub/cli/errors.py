"""Configuration and usage errors end in one line that says what to set, and exit 2.

``HubTyper`` is the CLI's ``Typer``: an exception that is a configuration problem (a setting that
does not parse, an unknown log level or channel, a database or a Prefect API that cannot be
reached for the Secret blocks) is printed as one line instead of a traceback. Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import httpx
import typer
from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError, OperationalError

from hub.core.settings import ENV_FILE_VAR, env_file
from hub.privacy.logging import safe_message

USAGE = 2


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and what to set."""


def env_name(loc: tuple[int | str, ...]) -> str:
    head, *rest = (str(p) for p in loc)
    return "LAPOR_HUB_" + "__".join([head, *rest]).upper()


def _redact(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


_NEVER_ECHOED = ("url", "token", "password", "secret", "key")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _got(error: Any) -> str:
    """The value that was refused, unless it may hold a credential (a URL can: user:pass@)."""
    where = ".".join(str(part) for part in error["loc"]).lower()
    if any(word in where for word in _NEVER_ECHOED):
        return ""
    return f" (got {error.get('input')!r})"


def describe_config_error(exc: BaseException) -> str | None:
    """One line for a configuration problem, or None for anything else."""
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, ValidationError):
        parts = [f"{env_name(e['loc'])}: {_first_line(e['msg'])}{_got(e)}"
                 if e["loc"] else _first_line(e["msg"]) for e in exc.errors(include_url=False)]
        where = f" (environment or {env_file()}, see {ENV_FILE_VAR})"
        return "invalid setting " + "; ".join(parts) + where
    if isinstance(exc, OperationalError):
        from hub.core.settings import get_settings

        url = _redact(get_settings().database_url)
        reason = safe_message(exc.orig or exc).splitlines()[0]
        return (f"database unreachable at {url}: {reason}; "
                "start it or set LAPOR_HUB_DATABASE_URL")
    if isinstance(exc, ValueError) and str(exc).startswith(("unknown log level", "unknown "
                                                            "channel", "secret_blocks")):
        hint = "; set LAPOR_HUB_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR)" if "log level" in str(
            exc) else ""
        return safe_message(exc) + hint
    if isinstance(exc, httpx.ConnectError | httpx.TimeoutException) or (
            type(exc).__module__.startswith("prefect") and "connect" in str(exc).lower()):
        return (f"Prefect API unreachable ({type(exc).__name__}) while reading the Secret blocks "
                "named in LAPOR_HUB_SECRET_BLOCKS: start Prefect or set PREFECT_API_URL")
    return None


def fail(line: str) -> None:
    sys.stderr.write(f"error: {line}\n")
    raise SystemExit(USAGE)


class HubTyper(typer.Typer):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            line = describe_config_error(exc)
            if line is None:
                raise
            fail(line)
