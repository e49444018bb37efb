"""Bad input fails fast with a clear error and leaves nothing behind (issue 4, "Bad input")."""

from __future__ import annotations

from typing import Any

import pytest
from functional_support import Factory, app_path

from hotmesh_pg.errors import (
    DuplicateJobError,
    JobFailedError,
    PayloadTooLargeError,
    UnknownSignalError,
    UnknownTopicError,
    VersionNotFoundError,
)
from hotmesh_pg.keys import Key, KeyType


async def test_pub_to_unknown_topic_raises_and_writes_no_job(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("calc")
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    with pytest.raises(UnknownTopicError) as err:
        await hm.pub("no.such.topic", {"a": 1})
    assert "no.such.topic" in str(err.value)
    assert await hm.providers.store.scan_jobs(hm.namespace, "calc") == []


async def test_hook_for_unknown_signal_raises(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("hook")
    await hm.deploy(app_path("hook", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    with pytest.raises(UnknownSignalError) as err:
        await hm.hook("no.such.hook", {"id": "x"})
    assert "no.such.hook" in str(err.value)


async def test_duplicate_job_id(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("hook")
    await hm.deploy(app_path("hook", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    payload = {"parent_job_id": "p1", "job_id": "dup-1"}
    assert await hm.pub("hook.test", payload) == "dup-1"
    with pytest.raises(DuplicateJobError) as err:
        await hm.pub("hook.test", payload)
    assert err.value.job_id == "dup-1"


async def test_payload_over_the_limit_is_refused_at_pub(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("calc", max_payload_bytes=1024)
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    with pytest.raises(PayloadTooLargeError) as err:
        await hm.pub("calculate", {"operation": "add", "values": "[" + "1," * 2000 + "1]"})
    assert "1024" in str(err.value)
    assert await hm.providers.store.scan_jobs(hm.namespace, "calc") == []


async def test_activate_unknown_version_keeps_the_active_one(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("tree")
    await hm.deploy(app_path("tree", "v6", "hotmesh.yaml"))
    assert await hm.activate("6")
    with pytest.raises(VersionNotFoundError) as err:
        await hm.activate("99")
    assert "99" in str(err.value)
    record = await hm.providers.store.hgetall(Key(KeyType.APP, hm.namespace, "tree"))
    assert record["version"] == "6"
    result = await hm.pubsub("spring", {})
    assert result["metadata"]["vrs"] == "6"


async def test_worker_returning_a_non_response_fails_the_activity(
    start_hotmesh: Factory,
) -> None:
    async def bad(stream_data: dict[str, Any]) -> Any:
        return "not a response"

    hm = await start_hotmesh("calc", workers=[{"topic": "calculation.execute",
                                               "callback": bad}])
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    with pytest.raises(JobFailedError) as err:
        await hm.pubsub("calculate", {"operation": "add", "values": "[1,2]"}, None, 10)
    assert err.value.code == 500
    assert "not a response" in err.value.message
