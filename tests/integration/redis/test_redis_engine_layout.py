"""An engine run on the Redis provider leaves a database laid out as HotMesh 0.0.55 left it.

Only the documented companions are added (``jx`` tombstones of expiring jobs; ``xd``, ``xc``
and ``xw`` beside streams; see hotmesh_pg.providers.redis.layout).
"""

from __future__ import annotations

import json
import re
from typing import Any

import redis.asyncio as aioredis

from hotmesh_pg import HotMesh

APP = """
app:
  id: layout
  version: '1'
  graphs:
    - subscribes: layout.start
      publishes: layout.done
      expire: 120
      activities:
        t1:
          type: trigger
        w1:
          type: worker
          topic: layout.work
          input:
            maps:
              x: '{t1.output.data.x}'
          job:
            maps:
              y: '{$self.output.data.y}'
      transitions:
        t1:
          - to: w1
"""

HOTMESH_SEGMENTS = {"a", "j", "d", "s", "t", "w", "q", "v", "x", "sym", "hooks", "signals"}
COMPANIONS = {"jx", "xd", "xc", "xw"}


async def double(message: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "metadata": {**message["metadata"]},
            "data": {"y": message["data"]["x"] * 2}}


async def test_a_finished_job_reads_like_hotmesh_wrote_it(
    redis_url: str, raw: aioredis.Redis, ns: str
) -> None:
    hm = await HotMesh.init(app_id="layout", connection=redis_url, namespace=ns,
                            workers=[{"topic": "layout.work", "callback": double}])
    try:
        await hm.deploy(APP)
        assert await hm.activate("1") is True
        out = await hm.pubsub("layout.start", {"x": 21}, timeout=30)
    finally:
        await hm.stop()
    jid = out["metadata"]["jid"]
    assert out["data"] == {"y": 42}

    app = await raw.hgetall(f"{ns}:a:layout")
    assert app["id"] == "layout" and app["active"] == "true"
    assert app["versions/1"].startswith("activated:")
    assert await raw.hgetall(f"{ns}:layout:v:1:subscriptions") == {"layout.start": '"t1"'}
    assert json.loads(await raw.hget(f"{ns}:layout:v:1:transitions", ".t1") or "") == {
        "w1": True
    }
    assert set(await raw.hkeys(f"{ns}:layout:v:1:schemas")) == {"t1", "w1"}
    assert await raw.type(f"{ns}:layout:sym:keys:") == "hash"

    job = await raw.hgetall(f"{ns}:layout:j:{jid}")
    assert job[":"] == "0"  # the status semaphore, rendered as Redis renders 0
    assert "/d42" in job.values()
    assert 0 < await raw.ttl(f"{ns}:layout:j:{jid}") <= 120

    engine_groups = await raw.xinfo_groups(f"{ns}:layout:x:")
    worker_groups = await raw.xinfo_groups(f"{ns}:layout:x:layout.work")
    assert [(g["name"], g["pending"]) for g in engine_groups] == [("ENGINE", 0)]
    assert [(g["name"], g["pending"]) for g in worker_groups] == [("WORKER", 0)]

    segments = set()
    async for name in raw.scan_iter(match=f"{ns}:*"):
        rest = name[len(ns) + 1:]
        segments.add("a" if rest.startswith("a:") else re.split(":", rest)[1])
    assert segments <= HOTMESH_SEGMENTS | COMPANIONS, segments - HOTMESH_SEGMENTS - COMPANIONS
