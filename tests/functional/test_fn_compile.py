"""Ports of HotMesh's compile suite, plus the engine cache switching versions across engines."""

from __future__ import annotations

from functional_support import Factory, app_path

from hotmesh_pg.keys import Key, KeyType

APP_YAML = """app:
  id: test-app
  version: '1'
  graphs:
    - subscribes: abc.test
      activities:
        tx:
          type: trigger
        ax:
          type: hook
      transitions:
        tx:
          - to: ax
"""


async def test_plan_deploy_activate_from_a_path(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("test-app")
    seeds = app_path("seeds", "hotmesh.yaml")
    planned = await hm.plan(seeds)
    assert planned["app"]["id"] == "test-app"
    # plan stores nothing
    assert await hm.providers.store.hgetall(Key(KeyType.APP, hm.namespace, "test-app")) == {}
    manifest = await hm.deploy(seeds)
    assert manifest["app"]["version"] == "1"
    assert await hm.activate("1") is True
    record = await hm.providers.store.hgetall(Key(KeyType.APP, hm.namespace, "test-app"))
    assert record["version"] == "1"
    assert record["active"] == "true"
    assert record["versions/1"].startswith("activated:")


async def test_plan_deploy_activate_from_yaml_text(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("test-app")
    assert (await hm.plan(APP_YAML))["app"]["graphs"][0]["subscribes"] == "abc.test"
    await hm.deploy(APP_YAML)
    assert await hm.activate("1") is True
    result = await hm.pubsub("abc.test", {})
    assert result["metadata"]["js"] == 0
    assert result["metadata"]["vrs"] == "1"


async def test_every_engine_switches_version_on_activation(start_hotmesh: Factory) -> None:
    a = await start_hotmesh("tree")
    b = await start_hotmesh("tree")
    await a.deploy(app_path("tree", "v6", "hotmesh.yaml"))
    assert await a.activate("6")
    assert (await b.pubsub("spring", {}))["metadata"]["vrs"] == "6"
    # deploying alone does not switch anyone
    await a.deploy(app_path("tree", "v7", "hotmesh.yaml"))
    assert (await b.pubsub("spring", {}))["metadata"]["vrs"] == "6"
    assert await a.activate("7")
    assert (await b.pubsub("spring", {}))["metadata"]["vrs"] == "7"
    assert (await a.pubsub("spring", {}))["metadata"]["vrs"] == "7"
