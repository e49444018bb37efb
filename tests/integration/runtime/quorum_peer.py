"""A second HotMesh process for the quorum tests (run as a script, driven over stdin/stdout).

Usage: ``python quorum_peer.py '<json: {"app_id", "init": {connect kwargs}}>'``. It starts a
HotMesh engine plus a ``calculation.execute`` worker (one message at a time, so work
spreads over processes), prints ``{"event": "ready", "guid": ...}`` and then answers one
JSON line per command line:

* ``vid``       -> ``{"version": <the version this engine resolves now>}``
* ``count``     -> ``{"count": <messages its worker handled>}``
* ``activate V``-> ``{"activated": bool}`` or ``{"error": "..."}``
* ``quit``      -> stops and exits.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from hotmesh_pg.hotmesh import HotMesh


def emit(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def main(config: dict[str, Any]) -> None:
    handled = 0

    async def calculate(stream_data: dict[str, Any]) -> dict[str, Any]:
        nonlocal handled
        handled += 1
        await asyncio.sleep(0.05)
        values = json.loads(stream_data["data"]["values"])
        return {"metadata": stream_data["metadata"], "data": {"result": sum(values)}}

    hm = await HotMesh.init(
        config["app_id"], **config["init"], log_level="warn",
        workers=[{"topic": "calculation.execute", "callback": calculate, "max_in_flight": 1}],
    )
    emit({"event": "ready", "guid": hm.guid})
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            command = line.split()
            if not command or command[0] == "quit":
                return
            if command[0] == "vid":
                assert hm.engine is not None
                _, version = await hm.engine.get_vid()
                emit({"version": version})
            elif command[0] == "count":
                emit({"count": handled})
            elif command[0] == "activate":
                try:
                    emit({"activated": await hm.activate(command[1], 0.1)})
                except Exception as err:
                    emit({"error": f"{type(err).__name__}: {err}"})
            else:
                emit({"error": f"unknown command {command[0]!r}"})
    finally:
        await hm.stop()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
