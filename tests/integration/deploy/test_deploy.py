"""deploy() against real storage: every artifact read back through the Store protocol."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from reference_apps import REFERENCE

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.engine.compiler import compile_app, deploy, load_app
from hotmesh_pg.engine.serializer import sym_key
from hotmesh_pg.errors import ValidationError
from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers

ABC = """
app:
  id: abc
  version: '1'
  graphs:
    - subscribes: abc.test
      input:
        schema:
          type: object
          properties:
            status: {type: string, enum: [pending, approved, no]}
      activities:
        t1:
          type: trigger
        a1:
          type: worker
          topic: work.do
          input:
            maps:
              x: '{t1.output.data.a}'
          job:
            maps:
              b: '{$self.output.data.y}'
      transitions:
        t1:
          - to: a1
"""


def key(kind: KeyType, ns: str, kid: str = "") -> Key:
    return Key(kind, ns, "abc", kid)


async def read_all(providers: Providers, ns: str, app: str, version: str) -> dict[str, Any]:
    store = providers.store
    return {
        "ranges": await store.hgetall(Key(KeyType.SYMKEYS, ns, app, "")),
        "schemas": {k: json.loads(v) for k, v in
                    (await store.hgetall(Key(KeyType.SCHEMAS, ns, app, version))).items()},
        "subscriptions": await store.hgetall(Key(KeyType.SUBSCRIPTIONS, ns, app, version)),
        "transitions": await store.hgetall(Key(KeyType.SUBSCRIPTION_PATTERNS, ns, app, version)),
        "hooks": await store.hgetall(Key(KeyType.HOOKS, ns, app)),
        "symvals": await store.hgetall(Key(KeyType.SYMVALS, ns, app)),
        "app": await store.hgetall(Key(KeyType.APP, ns, app)),
    }


async def test_fresh_deploy_writes_hotmesh_artifacts(
    providers: Providers, namespace: str, clock: ManualClock
) -> None:
    clock.advance(-clock.now_ms() + 1_713_875_696_789)  # 2024-04-23T12:34:56.789Z
    manifest = load_app(ABC)
    compiled = await deploy(providers.store, namespace, "abc", manifest, clock=clock)
    store = providers.store
    assert await store.hgetall(key(KeyType.SYMKEYS, namespace)) == {
        "$abc.test": "0:285", "t1": "286:571", "a1": "572:857", ":cursor": "858",
    }
    job = await store.hgetall(key(KeyType.SYMKEYS, namespace, "$abc.test"))
    assert job["metadata/ngn"] == "aaa" and job["metadata/jid"] == "aka"
    assert job["metadata/err"] == "ara" and job["data/b"] == "aAa" and len(job) == 20
    t1 = await store.hgetall(key(KeyType.SYMKEYS, namespace, "t1"))
    assert t1["t1/output/metadata/aid"] == "aAf" and t1["t1/output/metadata/dad"] == "aBf"
    assert t1["t1/output/metadata/as"] == "aCf" and t1["t1/output/data/a"] == "aag"
    a1 = await store.hgetall(key(KeyType.SYMKEYS, namespace, "a1"))
    assert a1["a1/output/metadata/aid"] == "aal" and a1["a1/output/data/y"] == "aAl"
    assert len(a1) == 11

    got = await read_all(providers, namespace, "abc", "1")
    schemas = {g_aid: s for g in compiled["app"]["graphs"] for g_aid, s in g["activities"].items()}
    assert got["schemas"] == schemas
    assert got["schemas"]["a1"]["consumes"] == {"$self": ["output/data/y"],
                                                "t1": ["output/data/a"]}
    assert got["schemas"]["t1"]["PRODUCES"] == ["data/b"]
    assert got["subscriptions"] == {"abc.test": '"t1"'}
    assert got["transitions"] == {".t1": '{"a1":true}'}
    assert got["hooks"] == {}
    assert got["symvals"] == {"aa": "pending", "ab": "approved"}
    assert got["app"] == {"id": "abc", "version": "1",
                          "versions/1": "deployed:20240423123456.789"}


async def test_redeploy_keeps_symbols_and_numbers_new_ones_like_hotmesh(
    providers: Providers, namespace: str
) -> None:
    await deploy(providers.store, namespace, "abc", load_app(ABC))
    before = await read_all(providers, namespace, "abc", "1")
    await deploy(providers.store, namespace, "abc", load_app(ABC))
    after = await read_all(providers, namespace, "abc", "1")
    assert {**after, "app": None} == {**before, "app": None}

    v2 = ABC.replace("version: '1'", "version: '2'").replace(
        "b: '{$self.output.data.y}'",
        "b: '{$self.output.data.y}'\n              c: '{$self.output.data.z}'",
    ).replace("      transitions:", """        a2:
          type: hook
          job:
            maps:
              d: '{a1.output.data.w}'
      transitions:""") + "        a1:\n          - to: a2\n"
    await deploy(providers.store, namespace, "abc", load_app(v2))
    store = providers.store
    ranges = await store.hgetall(key(KeyType.SYMKEYS, namespace))
    assert ranges["a2"] == "858:1143" and ranges[":cursor"] == "1144"
    a1 = await store.hgetall(key(KeyType.SYMKEYS, namespace, "a1"))
    # existing range: next index = lo + 26 + (symbols already there, seeds included)
    assert a1["a1/output/data/w"] == sym_key(572 + 26 + 11)
    assert a1["a1/output/data/z"] == sym_key(572 + 26 + 12)
    assert a1["a1/output/data/y"] == "aAl"
    job = await store.hgetall(key(KeyType.SYMKEYS, namespace, "$abc.test"))
    assert job["data/b"] == "aAa" and job["data/c"] == sym_key(0 + 26 + 20)
    app = await store.hgetall(key(KeyType.APP, namespace))
    assert app["version"] == "2" and "versions/1" in app and "versions/2" in app
    assert set(await store.hgetall(key(KeyType.SCHEMAS, namespace, "1"))) == {"t1", "a1"}
    assert set(await store.hgetall(key(KeyType.SCHEMAS, namespace, "2"))) == {"t1", "a1", "a2"}


async def test_hooks_are_stored_app_wide_and_bind_the_target(
    providers: Providers, namespace: str
) -> None:
    text = ABC + """      hooks:
        abc.resume:
          - to: a1
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""
    await deploy(providers.store, namespace, "abc", load_app(text))
    got = await read_all(providers, namespace, "abc", "1")
    assert json.loads(got["hooks"]["abc.resume"]) == [{
        "to": "a1", "conditions": {"match": [{"expected": "{$job.metadata.jid}",
                                              "actual": "{$self.hook.data.id}"}]}}]
    assert got["schemas"]["a1"]["hook"] == {"topic": "abc.resume"}


async def _nothing_written(providers: Providers, namespace: str) -> None:
    got = await read_all(providers, namespace, "abc", "1")
    assert got == {"ranges": {}, "schemas": {}, "subscriptions": {}, "transitions": {},
                   "hooks": {}, "symvals": {}, "app": {}}


async def test_a_broken_app_writes_nothing(providers: Providers, namespace: str) -> None:
    manifest = load_app(ABC)
    manifest["app"]["graphs"][0]["transitions"]["t1"][0]["to"] = "ghost"
    with pytest.raises(ValidationError, match="transition to missing activity 'ghost'"):
        await deploy(providers.store, namespace, "abc", manifest)
    await _nothing_written(providers, namespace)


async def test_symbol_overflow_is_caught_before_writing(
    providers: Providers, namespace: str
) -> None:
    manifest = load_app(ABC)
    maps = manifest["app"]["graphs"][0]["activities"]["a1"]["job"]["maps"]
    for i in range(300):
        maps[f"f{i}"] = f"{{$self.output.data.v{i}}}"
    with pytest.raises(ValidationError, match="Symbol index out of bounds"):
        await deploy(providers.store, namespace, "abc", manifest)
    await _nothing_written(providers, namespace)


async def test_app_id_must_match(providers: Providers, namespace: str) -> None:
    with pytest.raises(ValidationError, match="does not match"):
        await deploy(providers.store, namespace, "other", load_app(ABC))
    await _nothing_written(providers, namespace)


async def test_consumer_groups_are_created_for_literal_worker_topics(
    providers: Providers, namespace: str
) -> None:
    await deploy(providers.store, namespace, "abc", load_app(ABC), stream=providers.stream)
    worker = Key.stream(namespace, "abc", "work.do")
    await providers.stream.publish(worker, [{"data": {"n": 1}}])
    got = await providers.stream.consume(worker, "WORKER", "c1", count=1)
    assert [m.data for m in got] == [{"data": {"n": 1}}]


async def test_every_reference_app_deploys_and_reads_back(
    providers: Providers, namespace: str
) -> None:
    for path in sorted(REFERENCE.glob("**/hotmesh.yaml")):
        manifest = load_app(path)
        app, version = manifest["app"]["id"], manifest["app"]["version"]
        expected = compile_app(manifest).schemas
        await deploy(providers.store, namespace, app, manifest)
        got = await read_all(providers, namespace, app, version)
        assert got["schemas"] == json.loads(json.dumps(expected)), path
        assert got["app"]["version"] == version
        ranges = got["ranges"]
        assert all(aid in ranges for aid in expected)
        # ranges never overlap
        spans = sorted(tuple(map(int, v.split(":"))) for k, v in ranges.items()
                       if k != ":cursor")
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))


async def test_concurrent_deploys_of_one_app_agree(providers: Providers, namespace: str) -> None:
    import asyncio

    await asyncio.gather(*(deploy(providers.store, namespace, "abc", load_app(ABC))
                           for _ in range(3)))
    store = providers.store
    assert await store.hgetall(key(KeyType.SYMKEYS, namespace)) == {
        "$abc.test": "0:285", "t1": "286:571", "a1": "572:857", ":cursor": "858",
    }
    a1 = await store.hgetall(key(KeyType.SYMKEYS, namespace, "a1"))
    assert a1["a1/output/metadata/aid"] == "aal" and a1["a1/output/data/y"] == "aAl"
    assert len(a1) == 11


async def test_an_abandoned_range_placeholder_is_taken_over(
    providers: Providers, namespace: str
) -> None:
    await providers.store.hset(key(KeyType.SYMKEYS, namespace), {"a1": "?:?"})
    await deploy(providers.store, namespace, "abc", load_app(ABC))
    ranges = await providers.store.hgetall(key(KeyType.SYMKEYS, namespace))
    assert ranges["a1"] == "572:857" and ranges[":cursor"] == "858"
    a1 = await providers.store.hgetall(key(KeyType.SYMKEYS, namespace, "a1"))
    assert a1["a1/output/metadata/aid"] == "aal"
