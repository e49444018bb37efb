from hotmesh_pg.keys import Key


async def test_providers_fixture_roundtrip(providers, namespace):
    key = Key.job(namespace, "app", "j1")
    assert await providers.store.hsetnx(key, ":", "1") is True
    assert await providers.store.hgetall(key) == {":": "1"}
