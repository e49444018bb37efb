"""Exit codes of `hotmesh-pg` and how each failure maps onto one, so scripts can branch on them.

0  the command did what was asked.
1  the request was well formed but the engine refused it or the job failed: unknown topic,
   version or job, duplicate job id, a job that ended in error, a pubsub timeout.
2  the invocation itself is wrong: bad arguments, JSON that does not parse, a missing file,
   a YAML app that does not compile, a payload over the size limit.
3  the database is unreachable or its schema is missing or behind (`hotmesh-pg db upgrade`).
"""

from __future__ import annotations

import json
from typing import Any

from hotmesh_pg import errors

OK = 0
FAILED = 1
USAGE = 2
CONNECTION = 3


class UsageError(Exception):
    """The command line is wrong in a way argparse cannot see (bad JSON, unreadable file...)."""


_USAGE_ERRORS: tuple[type[BaseException], ...] = (
    UsageError,
    errors.ValidationError,
    errors.PayloadTooLargeError,
    errors.MapDataError,
    json.JSONDecodeError,
    FileNotFoundError,
    IsADirectoryError,
)


def _is_connection_problem(exc: BaseException) -> bool:
    if isinstance(exc, errors.ConnectionFailedError | errors.SchemaNotReadyError):
        return True
    if isinstance(exc, ConnectionError):  # ConnectionRefusedError and friends
        return True
    # Driver exceptions are matched by module so this file imports no driver (redis is an
    # optional extra); psycopg's OperationalError is what a lost or refused server raises.
    for cls in type(exc).__mro__:
        module = cls.__module__
        if module.startswith("psycopg") and cls.__name__ == "OperationalError":
            return True
        if module.startswith("redis") and cls.__name__ in {"ConnectionError", "TimeoutError"}:
            return True
    return False


def exit_code_for(exc: BaseException) -> int:
    """The exit code for an exception that ended a command."""
    if _is_connection_problem(exc):
        return CONNECTION
    if isinstance(exc, _USAGE_ERRORS):
        return USAGE
    # A ConfigError that is not about connecting names an option the user passed.
    if isinstance(exc, errors.ConfigError):
        return USAGE
    return FAILED


def describe(exc: BaseException) -> dict[str, Any]:
    """A JSON-ready description of a failure for stdout: type, message and any code / job id."""
    out: dict[str, Any] = {"type": type(exc).__name__, "message": str(exc) or repr(exc)}
    for attr in ("code", "job_id", "file", "line", "activity", "field"):
        value = getattr(exc, attr, None)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            out[attr] = value
    return out
