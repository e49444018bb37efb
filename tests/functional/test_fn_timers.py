"""Timers, expiry and hook signals: they live in the database, not in a process.

Sleeps and job expiry are delayed stream messages (no process scans jobs); a waiting hook's
signal registration is a row. So a sleep set by one instance is woken by another started
after the first stopped, a signal sent to a new instance resumes a job an old one parked,
a finished job disappears after its ``expire``, and an interrupted parent's cleanup
interrupts the children that depend on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from functional_support import Factory, app_path, wait_for

from hotmesh_pg.errors import HotMeshError

NAP_APP = """
app:
  id: timers
  version: '1'
  graphs:
    - subscribes: nap.start
      expire: 1
      activities:
        t1:
          type: trigger
        s1:
          type: hook
          sleep: 1
          job:
            maps:
              done: true
      transitions:
        t1:
          - to: s1
    - subscribes: parent.start
      expire: 1
      activities:
        p1:
          type: trigger
          stats:
            id: '{$self.input.data.id}'
        a1:
          type: await
          topic: child.start
          input:
            maps:
              id: '{p1.output.data.child}'
      transitions:
        p1:
          - to: a1
    - subscribes: child.start
      expire: 0
      activities:
        c1:
          type: trigger
          stats:
            id: '{$self.input.data.id}'
        w1:
          type: hook
          hook:
            topic: child.wake
      transitions:
        c1:
          - to: w1
      hooks:
        child.wake:
          - to: w1
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""


async def _status(hm: Any, jid: str) -> float | None:
    try:
        return float(await hm.get_status(jid))
    except HotMeshError:
        return None


async def test_sleep_wakes_on_another_instance_and_job_expires(
    start_hotmesh: Factory, conn_kwargs: dict[str, Any],
) -> None:
    first = await start_hotmesh("timers")
    await first.deploy(NAP_APP)
    assert await first.activate("1")
    jid = await first.pub("nap.start", {})

    async def sleeping() -> bool:
        process = (await first.export(jid))["process"]
        s1 = process.get("0", {}).get("0", {}).get("s1", {})
        return bool(s1.get("output", {}).get("metadata", {}).get("as") == "889000000000000")

    await wait_for(sleeping)  # s1's leg 1 committed: its wake-up is now a delayed row
    await first.stop()

    second = await start_hotmesh("timers")

    async def done() -> bool:
        return await _status(second, jid) == 0

    await wait_for(done, timeout=15)
    assert (await second.get_state("nap.start", jid))["data"]["done"] is True

    async def gone() -> bool:
        return await _status(second, jid) is None

    await wait_for(gone, timeout=15)  # expire: 1 second after completion


async def test_hook_signal_survives_a_restart(start_hotmesh: Factory) -> None:
    first = await start_hotmesh("hook")
    await first.deploy(app_path("hook", "v1", "hotmesh.yaml"))
    assert await first.activate("1")
    jid = await first.pub("hook.test", {"parent_job_id": "pp", "job_id": "restart-1"})

    async def registered() -> bool:
        exported = await first.export(jid)
        return any(d["type"] == "delist" for d in exported["dependencies"])

    await wait_for(registered)
    await first.stop()

    second = await start_hotmesh("hook")
    await second.hook("hook.resume", {"id": jid, "done": True})

    async def done() -> bool:
        return await _status(second, jid) == 0

    await wait_for(done, timeout=15)
    assert (await second.get_state("hook.test", jid))["data"]["done"] is True


async def test_interrupted_parent_cleanup_interrupts_its_child(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("timers")
    await hm.deploy(NAP_APP)
    assert await hm.activate("1")
    await hm.pub("parent.start", {"id": "parent-1", "child": "child-1"})

    async def child_waits() -> bool:
        return await _status(hm, "child-1") == 1

    await wait_for(child_waits)
    await hm.interrupt("parent.start", "parent-1", {"expire": 1})
    assert (await _status(hm, "parent-1") or 0) < -100_000_000

    async def child_interrupted() -> bool:
        status = await _status(hm, "child-1")
        return status is None or status < -100_000_000

    await wait_for(child_interrupted, timeout=15)
    with pytest.raises(HotMeshError):
        await hm.interrupt("parent.start", "parent-1")  # already completed
