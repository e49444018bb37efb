"""Small shared helpers for the contract suite."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hotmesh_pg.keys import Key, KeyType

APP = "app"


async def eventually(check: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait until ``check()`` holds (deliveries are asynchronous); fail after a generous bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


def id_order(entry_id: str) -> tuple[int, ...]:
    """Sort key for stream ids of either provider (``"17"`` or Redis's ``"1700-0"``)."""
    return tuple(int(part) for part in entry_id.split("-"))


def hash_key(ns: str, name: str = "") -> Key:
    return Key(KeyType.SYMKEYS, ns, APP, name)


def list_key(ns: str, name: str = "j1") -> Key:
    return Key(KeyType.JOB_DEPENDENTS, ns, APP, name)


def zset_key(ns: str, name: str = "") -> Key:
    return Key(KeyType.TIME_RANGE, ns, APP, name)


def lock_key(ns: str, name: str = "time") -> Key:
    return Key(KeyType.LOCK, ns, APP, name)


def job_key(ns: str, jid: str = "job-1") -> Key:
    return Key.job(ns, APP, jid)
