"""Turn a ``connection=`` value into providers (api.md "Connections").

``postgresql://`` / ``postgres://`` (or a libpq ``key=value`` string) -> Postgres;
``redis://`` / ``rediss://`` -> Redis; ``None`` -> ``$HOTMESH_DSN`` if set, else the embedded
Postgres (which migrates itself).
"""

from __future__ import annotations

import os

from .clock import Clock
from .errors import ConfigError
from .keys import check_namespace
from .providers.protocols import Providers

__all__ = ["connect", "resolve"]


def resolve(connection: str | None) -> tuple[str, str | None]:
    """``(kind, target)``: kind is ``postgres``, ``redis`` or ``embedded`` (target None)."""
    if connection is None:
        env = os.environ.get("HOTMESH_DSN")
        if not env:
            return "embedded", None
        connection = env
    if not isinstance(connection, str) or not connection.strip():
        raise ConfigError(f"connection must be a DSN/URL string or None, got {connection!r}")
    lowered = connection.strip().lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        return "postgres", connection
    if lowered.startswith(("redis://", "rediss://", "unix://")):
        return "redis", connection
    if "=" in connection and "://" not in connection:
        return "postgres", connection  # libpq key=value form
    raise ConfigError(
        f"connection {connection!r} is not understood: expected postgresql://..., "
        "redis://... or None"
    )


async def connect(
    connection: str | None,
    *,
    schema: str = "hotmesh",
    namespace: str = "hmsh",
    migrate: bool = False,
    clock: Clock | None = None,
) -> Providers:
    """Open the providers ``connection`` names.

    ``namespace`` is validated here but scopes keys (it is part of every ``Key``), so the
    providers themselves are namespace-agnostic. Within a process, calls on the same
    (dsn, schema) share one pool and one LISTEN connection.
    """
    check_namespace(namespace)
    kind, target = resolve(connection)
    if kind == "redis":
        assert target is not None
        try:
            from .providers.redis import open_providers as open_redis
        except ImportError as exc:
            raise ConfigError(
                "the Redis provider is not available (hotmesh_pg.providers.redis."
                f"open_providers missing; is the 'redis' extra installed?): {exc}"
            ) from exc
        providers: Providers = await open_redis(target, clock=clock)
        return providers
    from .providers.postgres import open_providers as open_pg
    from .providers.postgres.schema import check_schema_name

    check_schema_name(schema)
    if kind == "embedded":
        from .providers.postgres.embedded import embedded_dsn

        dsn = await embedded_dsn()
        return await open_pg(dsn, schema=schema, migrate=True, clock=clock)
    assert target is not None
    return await open_pg(target, schema=schema, migrate=migrate, clock=clock)
