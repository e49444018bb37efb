"""The zero-setup default: a Postgres server in a per-user data folder (pgserver).

``connection=None`` without ``$HOTMESH_DSN`` lands here. The folder defaults to the user
data directory (``~/.local/share/hotmesh_pg/pgdata`` on Linux), overridable with
``$HOTMESH_EMBEDDED_DIR``. pgserver refuses to run postgres as root; when this process is
root it runs the server as a dedicated ``pgserver`` system user (creating it if needed) and
widens directory permissions so that user can reach the data folder. Starting is blocking,
so it runs in a worker thread; the server is shared by every process of the user and is
stopped when the last one exits.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

from ...errors import ConfigError, ConnectionFailedError

__all__ = ["data_dir", "embedded_dsn", "stop_embedded"]

_server: Any = None
_lock = threading.Lock()
_START_ATTEMPTS = 3


def data_dir() -> Path:
    env = os.environ.get("HOTMESH_EMBEDDED_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("hotmesh_pg")) / "pgdata"


def _start() -> str:
    global _server
    with _lock:
        if _server is None:
            try:
                import pgserver
            except ImportError as exc:
                raise ConfigError(
                    "connection=None needs the embedded Postgres: pip install "
                    "'hotmesh-pg[embedded]', or pass connection='postgresql://...' "
                    "or set HOTMESH_DSN"
                ) from exc
            folder = data_dir()
            folder.mkdir(parents=True, exist_ok=True)
            _server = _get_server(pgserver, folder)
        return str(_server.get_uri())


def _get_server(pgserver: Any, folder: Path) -> Any:
    """pgserver gives pg_ctl 10 s to start; on a loaded machine a retry finds it running."""
    last: Exception | None = None
    for _ in range(_START_ATTEMPTS):
        try:
            return pgserver.get_server(folder, cleanup_mode="stop")
        except (subprocess.SubprocessError, AssertionError) as exc:
            last = exc
    raise ConnectionFailedError(
        f"the embedded Postgres in {folder} did not start ({last!r}); see {folder / 'log'}"
    ) from last


async def embedded_dsn() -> str:
    """Start (or join) the per-user embedded server and return its DSN."""
    return await asyncio.to_thread(_start)


def stop_embedded() -> None:
    """Release this process's handle; the server stops if no other process uses it."""
    global _server
    with _lock:
        server, _server = _server, None
    if server is not None:
        server.cleanup()
