"""Worker callbacks for apps/sandbox, loaded by path by `hotmesh-pg worker` in the CLI tests."""

from __future__ import annotations

from typing import Any


async def echo(stream_data: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": stream_data["metadata"], "data": {"n": stream_data["data"].get("n")}}


def plain(stream_data: dict[str, Any]) -> dict[str, Any]:
    """A plain function: the worker contract runs it in a thread."""
    return {"metadata": stream_data["metadata"], "data": {"n": stream_data["data"].get("n")}}


WORKERS: list[dict[str, Any]] = [
    {"topic": "sandbox.w1", "callback": echo},
    {"topic": "sandbox.w2", "callback": plain},
    {"topic": "sandbox.w3", "callback": echo},
]
BY_TOPIC = {"sandbox.w1": echo, "sandbox.w2": echo, "sandbox.w3": echo}
