"""The Postgres provider: Store, Stream and Sub over one shared pool per (dsn, schema)."""

from __future__ import annotations

from ...clock import Clock, SystemClock
from ..protocols import Providers
from .migrate import check_revision
from .migrate import migrate as run_migrations
from .ops import OpBuilder
from .pool import acquire, release
from .schema import DEFAULT_SCHEMA, check_schema_name
from .store import PgStore
from .stream import PgStream
from .sub import PgSub
from .tx import Executor

__all__ = ["open_providers"]


async def open_providers(
    dsn: str,
    *,
    schema: str = DEFAULT_SCHEMA,
    migrate: bool = False,
    clock: Clock | None = None,
    listen: bool = True,
) -> Providers:
    """Connect (failing fast), check or apply migrations, and build the three services.

    ``listen=False`` is the poll-only mode for poolers that cannot hold LISTEN.
    """
    check_schema_name(schema)
    if migrate:
        await run_migrations(dsn, schema)
    shared = await acquire(dsn, schema, listen=listen)
    try:
        async with shared.pool.connection() as conn:
            await check_revision(conn, dsn, schema)
    except BaseException:
        await release(shared)
        raise
    shared.pruner.start()
    executor = Executor(shared, OpBuilder(shared.queries, clock or SystemClock()))
    sub = PgSub(executor)
    providers = Providers(
        kind="postgres",
        store=PgStore(executor, sub.publish_op),
        stream=PgStream(executor),
        sub=sub,
    )

    async def close() -> None:
        await sub.close()
        await release(shared)

    providers.closers.append(close)
    providers.shared = shared  # type: ignore[attr-defined]
    return providers
