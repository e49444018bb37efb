"""Turning a ``redis://`` URL into a checked client: reachable, and new enough.

HotMesh's Redis layer needs commands that arrived in Redis 6.2 (LMOVE, XPENDING with IDLE
filtering, XAUTOCLAIM, GETDEL, SET ... GET); an older server would fail much later in some
rarely used path, so it is refused up front with its version in the message.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ...errors import ConfigError, ConnectionFailedError

__all__ = ["MIN_VERSION", "check_server_version", "connect", "describe_target"]

MIN_VERSION = (6, 2)
CONNECT_TIMEOUT_S = 3.0
SCHEMES = ("redis", "rediss", "unix")


def check_server_version(version: str, where: str = "Redis") -> tuple[int, ...]:
    """Parse ``redis_version`` and refuse servers older than :data:`MIN_VERSION`."""
    parts: list[int] = []
    for piece in version.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    if not parts:
        raise ConfigError(f"{where} reports an unreadable version {version!r}")
    found = tuple(parts)
    if found < MIN_VERSION:
        need = ".".join(map(str, MIN_VERSION))
        raise ConfigError(
            f"{where} runs Redis {version}, older than {need}; hotmesh_pg needs Redis >= {need} "
            "(LMOVE, XAUTOCLAIM, XPENDING IDLE)"
        )
    return found


def describe_target(url: str) -> str:
    """``host:port`` (or the socket path) named by ``url``, for error messages."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path or url
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 6379}"


async def connect(url: str) -> aioredis.Redis:
    """A pooled client on ``url`` after a PING and a version check; fails within seconds."""
    if not isinstance(url, str) or urlsplit(url).scheme not in SCHEMES:
        raise ConfigError(
            f"connection [{url!r}] is not a Redis URL: expected redis://host:port/db, "
            "rediss://... or unix://path"
        )
    where = describe_target(url)
    try:
        client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
            health_check_interval=30,
        )
    except ValueError as err:
        raise ConfigError(f"connection [{url}] is not a valid Redis URL: {err}") from err
    try:
        info = await asyncio.wait_for(client.info("server"), timeout=CONNECT_TIMEOUT_S + 1.0)
    except (RedisConnectionError, RedisTimeoutError, TimeoutError, OSError) as err:
        await client.aclose()
        raise ConnectionFailedError(f"cannot connect to Redis at {where}: {err}") from err
    except RedisError as err:
        await client.aclose()
        raise ConnectionFailedError(f"Redis at {where} refused the connection: {err}") from err
    try:
        check_server_version(str(info.get("redis_version", "")), f"the server at {where}")
    except ConfigError:
        await client.aclose()
        raise
    return client

