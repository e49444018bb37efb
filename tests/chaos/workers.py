"""Workers of the crash test (app.yaml beside this file), run by `hotmesh-pg worker`.

Every call appends one JSON line to ``$CHAOS_LOG`` (fsynced, so a SIGKILL right after
cannot lose it) naming the topic, job and process. With ``CHAOS_HANG=1`` the `chaos.slow`
callback then blocks for good: that process is the one the test kills.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any


def _record(topic: str, stream_data: dict[str, Any]) -> None:
    line = json.dumps({"topic": topic, "pid": os.getpid(),
                       "jid": stream_data["metadata"].get("jid"),
                       "try": stream_data["metadata"].get("try", 0)})
    fd = os.open(os.environ["CHAOS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


async def slow(stream_data: dict[str, Any]) -> dict[str, Any]:
    _record("chaos.slow", stream_data)
    if os.environ.get("CHAOS_HANG") == "1":
        await asyncio.Event().wait()  # never returns; the test SIGKILLs this process
    return {"metadata": stream_data["metadata"],
            "data": {"n": stream_data["data"].get("n"), "pid": os.getpid()}}


async def after(stream_data: dict[str, Any]) -> dict[str, Any]:
    _record("chaos.after", stream_data)
    return {"metadata": stream_data["metadata"],
            "data": {"n": stream_data["data"].get("n"), "pid": os.getpid()}}


SLOW = [{"topic": "chaos.slow", "callback": slow}]
AFTER = [{"topic": "chaos.after", "callback": after}]
BOTH = SLOW + AFTER
