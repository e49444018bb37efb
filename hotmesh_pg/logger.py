"""HotMesh's logger on top of :mod:`logging` (runtime.md 9.3).

Runtime services log an event name plus one dict of context, as HotMesh did::

    logger.info("stream-consumer-starting", {"group": "ENGINE", "stream": key})

The default :class:`HotMeshLogger` writes through ``logging.getLogger("hotmesh_pg")`` so an
application's own logging configuration decides where lines go; when nothing is configured
at all it adds one console handler (HotMesh always printed to the console) formatted as
``<ISO timestamp> [<level>] [<name or app id>:<guid>] <message> <key:value ...>``.
A user object with ``info/warn/error/debug(message, *meta)`` can replace it (the reference
declared that option and ignored it; this port honours it).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Protocol, runtime_checkable

from . import settings

__all__ = [
    "LEVELS",
    "HotMeshFormatter",
    "HotMeshLogger",
    "ILogger",
    "get_logger",
    "tagify",
]

SILLY = 5
"""Below DEBUG: HotMesh's ``silly`` level."""
SILENT = logging.CRITICAL + 10
"""Above everything: HotMesh's ``silent`` level."""

LEVELS: dict[str, int] = {
    "silly": SILLY,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "silent": SILENT,
}
_NAMES = {SILLY: "silly", logging.DEBUG: "debug", logging.INFO: "info",
          logging.WARNING: "warn", logging.ERROR: "error", logging.CRITICAL: "error"}

logging.addLevelName(SILLY, "SILLY")

_BASE = logging.getLogger("hotmesh_pg")


@runtime_checkable
class ILogger(Protocol):
    """What every runtime service logs through (HotMesh's ILogger)."""

    def info(self, message: str, *meta: Any) -> None: ...
    def warn(self, message: str, *meta: Any) -> None: ...
    def error(self, message: str, *meta: Any) -> None: ...
    def debug(self, message: str, *meta: Any) -> None: ...


def _tag_value(value: Any) -> str:
    if callable(value):
        value = value()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, Mapping | list | tuple):
        try:
            return json.dumps(value, default=str, separators=(",", ":"))
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def tagify(meta: Mapping[str, Any] | None) -> str:
    """HotMesh's ``key:value`` rendering of one context dict (objects as JSON)."""
    if not meta:
        return ""
    tags = []
    for key, value in meta.items():
        try:
            tags.append(f"{key}:{_tag_value(value)}")
        except Exception as err:  # a tag must never break the log call
            tags.append(f"{key}:<unrenderable {type(err).__name__}>")
    return " ".join(tags)


class HotMeshFormatter(logging.Formatter):
    """Formats records in HotMesh's console line format.

    Records from :class:`HotMeshLogger` carry ``hm_prefix`` (``name:guid``) and ``hm_tags``;
    other records (a user's own ``logging`` calls under ``hotmesh_pg``) still format.
    """

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, tz=UTC)
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
        level = _NAMES.get(record.levelno, record.levelname.lower())
        prefix = getattr(record, "hm_prefix", record.name)
        tags = getattr(record, "hm_tags", "")
        line = f"{iso} [{level}] [{prefix}] {record.getMessage()}"
        if tags:
            line = f"{line} {tags}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


_console_checked = False


def _ensure_console() -> None:
    """Give ``hotmesh_pg`` a console handler only if the application configured nothing."""
    global _console_checked
    if _console_checked:
        return
    _console_checked = True
    if _BASE.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(HotMeshFormatter())
    _BASE.addHandler(handler)


class HotMeshLogger:
    """An :class:`ILogger` for one HotMesh instance (app id / name and guid on every line).

    The instance's level filters before ``logging`` sees the record, so two instances in
    one process can log at different levels through the one ``hotmesh_pg`` logger.
    """

    def __init__(
        self,
        app_id: str = "appId",
        guid: str = "instanceId",
        name: str | None = None,
        log_level: str = settings.HMSH_LOGLEVEL,
        base: logging.Logger | None = None,
    ) -> None:
        level = LEVELS.get(str(log_level).lower())
        if level is None:
            from .errors import ConfigError

            raise ConfigError(
                f"log_level [{log_level!r}] is invalid: expected one of "
                "silly, debug, info, warn, error, silent"
            )
        self.app_id = app_id
        self.guid = guid
        self.name = name
        self.level = level
        self._logger = base or _BASE
        if base is None:
            _ensure_console()

    @property
    def prefix(self) -> str:
        return f"{self.name or self.app_id}:{self.guid}"

    def _log(self, level: int, message: str, meta: tuple[Any, ...]) -> None:
        # The instance level is the filter (HotMesh's logLevel); a level set explicitly on
        # the ``hotmesh_pg`` logger by the application still wins. ``handle`` skips the
        # root logger's default WARNING threshold that ``log`` would apply.
        if level < self.level or (self._logger.level and level < self._logger.level):
            return
        if self._logger.disabled:
            return
        first = meta[0] if meta else None
        if isinstance(first, BaseException):
            first = {"err": first}
        tags = tagify(first) if isinstance(first, Mapping) else ("" if first is None
                                                                  else _tag_value(first))
        record = self._logger.makeRecord(
            self._logger.name, level, "(hotmesh)", 0, message, (), None,
            extra={"hm_prefix": self.prefix, "hm_tags": tags},
        )
        self._logger.handle(record)

    def silly(self, message: str, *meta: Any) -> None:
        self._log(SILLY, message, meta)

    def debug(self, message: str, *meta: Any) -> None:
        self._log(logging.DEBUG, message, meta)

    def info(self, message: str, *meta: Any) -> None:
        self._log(logging.INFO, message, meta)

    def warn(self, message: str, *meta: Any) -> None:
        self._log(logging.WARNING, message, meta)

    warning = warn

    def error(self, message: str, *meta: Any) -> None:
        self._log(logging.ERROR, message, meta)


def get_logger(
    app_id: str,
    guid: str,
    *,
    name: str | None = None,
    log_level: str | None = None,
    logger: ILogger | None = None,
) -> ILogger:
    """The logger an instance should use: ``logger`` when the caller supplied one."""
    if logger is not None:
        if not isinstance(logger, ILogger):
            from .errors import ConfigError

            raise ConfigError(
                f"logger of type {type(logger).__name__} is invalid: it needs "
                "info, warn, error and debug methods"
            )
        return logger
    return HotMeshLogger(app_id, guid, name=name, log_level=log_level or settings.HMSH_LOGLEVEL)
