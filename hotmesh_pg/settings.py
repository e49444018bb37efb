"""Every runtime tunable in one place (runtime.md section 0).

Each value is read once at import. An environment variable of the same name overrides the
default when it parses as the constant's type (an int for ``*_MS``/``*_COUNT``/...; a string
for ``HMSH_LOGLEVEL``); a value that does not parse is ignored with a warning so a typo in a
deployment never stops a process at import. The unit is in the name: ``_MS`` milliseconds,
``_SECONDS`` seconds, ``_COUNT``/``_CYCLES``/``_RETRIES`` plain counts.

Test mode (``HMSH_TEST_MODE=1``) shortens the two values HotMesh shortened under
``NODE_ENV=test`` (block time 1 s, time-slot fidelity 1 s).
"""

from __future__ import annotations

import os
import warnings

__all__ = [
    "HMSH_ACTIVATION_MAX_RETRY",
    "HMSH_BLOCK_TIME_MS",
    "HMSH_CODE_DURABLE_ALL",
    "HMSH_CODE_DURABLE_CHILD",
    "HMSH_CODE_DURABLE_FATAL",
    "HMSH_CODE_DURABLE_MAXED",
    "HMSH_CODE_DURABLE_PROXY",
    "HMSH_CODE_DURABLE_RETRYABLE",
    "HMSH_CODE_DURABLE_SLEEP",
    "HMSH_CODE_DURABLE_TIMEOUT",
    "HMSH_CODE_DURABLE_WAIT",
    "HMSH_CODE_INTERRUPT",
    "HMSH_CODE_NOTFOUND",
    "HMSH_CODE_PENDING",
    "HMSH_CODE_SUCCESS",
    "HMSH_CODE_TIMEOUT",
    "HMSH_CODE_UNACKED",
    "HMSH_CODE_UNKNOWN",
    "HMSH_DURABLE_EXP_BACKOFF",
    "HMSH_DURABLE_MAX_ATTEMPTS",
    "HMSH_DURABLE_MAX_INTERVAL",
    "HMSH_EXPIRE_DURATION",
    "HMSH_EXPIRE_JOB_SECONDS",
    "HMSH_FIDELITY_SECONDS",
    "HMSH_GRADUATED_INTERVAL_MS",
    "HMSH_LOGLEVEL",
    "HMSH_MAX_BLOCK_MS",
    "HMSH_MAX_RETRIES",
    "HMSH_MAX_TIMEOUT_MS",
    "HMSH_OTT_WAIT_TIME",
    "HMSH_QUORUM_DELAY_MS",
    "HMSH_QUORUM_ROLLCALL_CYCLES",
    "HMSH_ROUTER_MAX_IN_FLIGHT",
    "HMSH_SCOUT_INTERVAL_SECONDS",
    "HMSH_STATUS_UNKNOWN",
    "HMSH_STOP_GRACE_MS",
    "HMSH_TEST_MODE",
    "HMSH_XCLAIM_COUNT",
    "HMSH_XCLAIM_DELAY_MS",
    "HMSH_XPENDING_COUNT",
]


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        warnings.warn(
            f"environment variable {name}={raw!r} is not an integer; using {default}",
            RuntimeWarning,
            stacklevel=2,
        )
        return default


def _env_str(name: str, default: str) -> str:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


HMSH_TEST_MODE: bool = _env_str("HMSH_TEST_MODE", "0").lower() in {"1", "true", "yes"}
"""Shortened block time and fidelity, as HotMesh's ``NODE_ENV=test``."""

# -- logging -----------------------------------------------------------------------------
HMSH_LOGLEVEL: str = _env_str("HMSH_LOGLEVEL", "info")
"""Default log level: silly, debug, info, warn, error or silent."""

# -- status codes (wire values; constants, but overridable like every entry) --------------
HMSH_CODE_SUCCESS: int = _env_int("HMSH_CODE_SUCCESS", 200)
HMSH_CODE_PENDING: int = _env_int("HMSH_CODE_PENDING", 202)
HMSH_CODE_NOTFOUND: int = _env_int("HMSH_CODE_NOTFOUND", 404)
HMSH_CODE_INTERRUPT: int = _env_int("HMSH_CODE_INTERRUPT", 410)
HMSH_CODE_UNKNOWN: int = _env_int("HMSH_CODE_UNKNOWN", 500)
HMSH_CODE_TIMEOUT: int = _env_int("HMSH_CODE_TIMEOUT", 504)
HMSH_CODE_UNACKED: int = _env_int("HMSH_CODE_UNACKED", 999)
HMSH_CODE_DURABLE_SLEEP: int = _env_int("HMSH_CODE_DURABLE_SLEEP", 588)
HMSH_CODE_DURABLE_ALL: int = _env_int("HMSH_CODE_DURABLE_ALL", 589)
HMSH_CODE_DURABLE_CHILD: int = _env_int("HMSH_CODE_DURABLE_CHILD", 590)
HMSH_CODE_DURABLE_PROXY: int = _env_int("HMSH_CODE_DURABLE_PROXY", 591)
HMSH_CODE_DURABLE_WAIT: int = _env_int("HMSH_CODE_DURABLE_WAIT", 595)
HMSH_CODE_DURABLE_TIMEOUT: int = _env_int("HMSH_CODE_DURABLE_TIMEOUT", 596)
HMSH_CODE_DURABLE_MAXED: int = _env_int("HMSH_CODE_DURABLE_MAXED", 597)
HMSH_CODE_DURABLE_FATAL: int = _env_int("HMSH_CODE_DURABLE_FATAL", 598)
HMSH_CODE_DURABLE_RETRYABLE: int = _env_int("HMSH_CODE_DURABLE_RETRYABLE", 599)
HMSH_STATUS_UNKNOWN: str = _env_str("HMSH_STATUS_UNKNOWN", "unknown")
"""Error message used when a failure carries none."""

# -- quorum ------------------------------------------------------------------------------
HMSH_QUORUM_ROLLCALL_CYCLES: int = _env_int("HMSH_QUORUM_ROLLCALL_CYCLES", 12)
"""Default number of pongs a roll call asks for."""
HMSH_QUORUM_DELAY_MS: int = _env_int("HMSH_QUORUM_DELAY_MS", 250)
"""Ping window of a quorum count, and the base delay of version activation."""
HMSH_ACTIVATION_MAX_RETRY: int = _env_int("HMSH_ACTIVATION_MAX_RETRY", 3)
"""Activation retries (each doubling the delay) before ``QuorumError``."""

# -- engine / pubsub ---------------------------------------------------------------------
HMSH_OTT_WAIT_TIME: int = _env_int("HMSH_OTT_WAIT_TIME", 1000)
"""Default pubsub wait, milliseconds (HotMesh's name has no unit suffix)."""
HMSH_EXPIRE_JOB_SECONDS: int = _env_int("HMSH_EXPIRE_JOB_SECONDS", 1)
"""Job time-to-live after completion when the graph sets none."""
HMSH_EXPIRE_DURATION: int = _env_int("HMSH_EXPIRE_DURATION", 1)
"""Default activity ``expire``, seconds."""

# -- router ------------------------------------------------------------------------------
HMSH_MAX_RETRIES: int = _env_int("HMSH_MAX_RETRIES", 3)
"""Cap on ``metadata.try`` in the retry-delay formula (10, 100, 1000, then 10000 ms)."""
HMSH_MAX_TIMEOUT_MS: int = _env_int("HMSH_MAX_TIMEOUT_MS", 60000)
"""Ceiling of the consumer loop's back-off after repeated failures."""
HMSH_GRADUATED_INTERVAL_MS: int = _env_int("HMSH_GRADUATED_INTERVAL_MS", 5000)
"""Base of the consumer loop's back-off (x 2^errors)."""
HMSH_BLOCK_TIME_MS: int = _env_int("HMSH_BLOCK_TIME_MS", 1000 if HMSH_TEST_MODE else 10000)
"""Longest a consumer waits for new entries before re-checking (1x-2x, randomised)."""
HMSH_MAX_BLOCK_MS: int = _env_int("HMSH_MAX_BLOCK_MS", 3000)
"""Longest single blocking read a consumer issues (it loops, so idling is unaffected): a
blocking read longer than a driver's socket timeout fails instead of returning empty
(redis-py's default read timeout is about 5 s)."""
HMSH_XCLAIM_DELAY_MS: int = _env_int("HMSH_XCLAIM_DELAY_MS", 60000)
"""Default reclaim delay: a pending entry idle this long may be taken by another consumer."""
HMSH_XCLAIM_COUNT: int = _env_int("HMSH_XCLAIM_COUNT", 3)
"""Default reclaim count: reclaims allowed before a message is dead-lettered (code 999)."""
HMSH_XPENDING_COUNT: int = _env_int("HMSH_XPENDING_COUNT", 10)
"""Pending entries inspected per reclaim check."""
HMSH_ROUTER_MAX_IN_FLIGHT: int = _env_int("HMSH_ROUTER_MAX_IN_FLIGHT", 32)
"""Messages one router processes at once (HotMesh ran them one by one; this port overlaps
them so a consumer is not idle while a callback waits on the database)."""
HMSH_STOP_GRACE_MS: int = _env_int("HMSH_STOP_GRACE_MS", 5000)
"""How long ``stop_consuming`` lets in-flight callbacks finish before cancelling them
(cancelled messages stay pending and are reclaimed)."""

# -- durable -----------------------------------------------------------------------------
HMSH_DURABLE_MAX_ATTEMPTS: int = _env_int("HMSH_DURABLE_MAX_ATTEMPTS", 3)
HMSH_DURABLE_MAX_INTERVAL: str = _env_str("HMSH_DURABLE_MAX_INTERVAL", "120s")
HMSH_DURABLE_EXP_BACKOFF: int = _env_int("HMSH_DURABLE_EXP_BACKOFF", 10)

# -- task service / time hooks -----------------------------------------------------------
HMSH_FIDELITY_SECONDS: int = _env_int("HMSH_FIDELITY_SECONDS", 1 if HMSH_TEST_MODE else 5)
"""Width of a time-hook slot and the idle scout's sleep."""
HMSH_SCOUT_INTERVAL_SECONDS: int = _env_int("HMSH_SCOUT_INTERVAL_SECONDS", 60)
"""How long one process holds the time-scout role."""
