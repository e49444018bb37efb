"""Port of HotMesh's top-level functional suite (app ``test-app`` from the seeds)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest
from functional_support import Factory, app_path, wait_for

from hotmesh_pg.errors import DuplicateJobError


async def bundle(stream_data: dict[str, Any]) -> dict[str, Any]:
    return {"status": "success", "metadata": {**stream_data["metadata"]},
            "data": {"some": "string", "is": True, "number": 1}}


async def _status_is(hm: Any, jid: str, value: int) -> bool:
    return bool(await hm.get_status(jid) == value)


async def test_hotmesh_suite(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("test-app", workers=[{"topic": "order.bundle",
                                                   "callback": bundle}])
    seeds = app_path("seeds", "hotmesh.yaml")
    await hm.plan(seeds)
    await hm.deploy(seeds)
    assert await hm.activate("1")

    # await activity resolving to true / false
    for price, approved in ((49.99, True), (149.99, False)):
        payload = {"id": f"wdg_{random.randint(0, 10_000_000)}", "price": price,
                   "object_type": "widgetA"}
        job = await hm.pubsub("order.approval.requested", payload)
        assert job["metadata"]["jid"]
        assert job["data"]["price"] == price
        assert job["data"]["approvals"]["price"] is approved
        spawned = await hm.get_state("order.approval.price.requested", payload["id"])
        assert spawned["data"]["id"] == payload["id"]

    # flow B
    payload = {"id": f"ord_{random.randint(0, 1_000_000)}", "price": 49.99,
               "object_type": "order"}
    job = await hm.pubsub("order.approval.price.requested", payload)
    assert job["data"]["id"] == payload["id"]
    assert job["data"]["approved"] is True

    # flow C, then the hook that resumes it
    now = datetime.now(UTC).isoformat()
    jid = await hm.pub("order.scheduled", {
        "id": "ord_10000002", "size": "lg", "primacy": "primary", "color": "red",
        "send_date": now, "must_release_series": "202304120015"})
    assert jid
    assert await hm.hook("order.routed", {"id": "ord_10000002", "facility": "acme",
                                          "actual_release_series": "202304110015"})

    # many jobs into the stats buckets
    i = 1001
    for size in ("sm", "md", "lg"):
        for primacy in ("primary", "secondary", "tertiary"):
            for color in ("red", "yellow", "blue"):
                for facility in ("acme", "spacely", "cogswell"):
                    await hm.pub("order.scheduled", {
                        "id": f"ord_{i}", "size": size, "primacy": primacy, "color": color,
                        "facility": facility, "send_date": now,
                        "must_release_series": "202304120015"})
                    i += 1

    with pytest.raises(DuplicateJobError):
        await hm.pub("order.scheduled", {
            "id": "ord_1002", "size": "lg", "primacy": "primary", "color": "red",
            "facility": "acme", "send_date": now, "must_release_series": "202304120015"})

    assert await hm.pub("order.finalize", {
        "id": "ord_unitofwork123", "size": "lg", "primacy": "primary", "color": "red",
        "send_date": now, "must_release_series": "202304120000",
        "actual_release_series": "202304110000", "facility": "acme"})

    query = {"data": {"color": "red", "primacy": "primary", "size": "lg"},
             "range": "1h", "end": "NOW"}
    stats = await hm.get_stats("order.scheduled", query)
    assert len(stats["segments"]) == 13  # 5-minute buckets over an inclusive hour
    ids = await hm.get_ids("order.scheduled", query)
    assert len(ids["counts"]) == 2

    # a time hook
    sleeper = await hm.pub("sleep.do", {"duration": 1})
    await wait_for(lambda: _status_is(hm, sleeper, 0), timeout=15)
    assert (await hm.get_state("sleep.do", sleeper))["data"]["done"] is True

    # a web hook
    await hm.hook("order.routed", {"id": "ord_1054", "facility": "spacely",
                                   "actual_release_series": "202304110015"})
    await wait_for(lambda: _status_is(hm, "ord_1054", 0), timeout=15)

    response = await hm.hook_all("order.routed", {"facility": "acme",
                                                  "actual_release_series": "202304110015"},
                                 query, ["color:red"])
    assert response is not None

    # strings to compress
    assert await hm.compress(["the quick brown fox", "jumped over the lazy dog"]) is True
    assert await hm.compress(["the quick brown fox"]) is False
