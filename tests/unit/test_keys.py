"""Keys render exactly as HotMesh 0.0.55's key.ts minted them (runtime.md 7.1)."""

import pytest

from hotmesh_pg.errors import ConfigError
from hotmesh_pg.keys import Key, KeyType, check_app_id, check_namespace


@pytest.mark.parametrize(
    ("key", "rendered"),
    [
        (Key(KeyType.HOTMESH, "hmsh"), "hmsh"),
        (Key(KeyType.APP, "hmsh", "abc"), "hmsh:a:abc"),
        (Key(KeyType.WORK_ITEMS, "hmsh", "abc"), "hmsh:abc:w:"),
        (Key(KeyType.LOCK, "hmsh", "abc", "time"), "hmsh:abc:w:time"),
        (Key(KeyType.TIME_RANGE, "hmsh", "abc", "1700000000000"), "hmsh:abc:t:1700000000000"),
        (Key.quorum("hmsh", "abc"), "hmsh:abc:q:"),
        (Key.job("hmsh", "abc", "job:1"), "hmsh:abc:j:job:1"),
        (Key(KeyType.JOB_DEPENDENTS, "hmsh", "abc", "j1"), "hmsh:abc:d:j1"),
        (Key(KeyType.JOB_STATS_GENERAL, "hmsh", "abc", "k:202401"), "hmsh:abc:s:k:202401"),
        (Key(KeyType.JOB_STATS_INDEX, "hmsh", "abc", "k:2024", "status:1"),
         "hmsh:abc:s:k:2024:index:status:1"),
        (Key(KeyType.JOB_STATS_MEDIAN, "hmsh", "abc", "k:2024", "amt"),
         "hmsh:abc:s:k:2024:mdn:amt"),
        (Key(KeyType.SCHEMAS, "hmsh", "abc", "1"), "hmsh:abc:v:1:schemas"),
        (Key(KeyType.SUBSCRIPTIONS, "hmsh", "abc", "1"), "hmsh:abc:v:1:subscriptions"),
        (Key(KeyType.SUBSCRIPTION_PATTERNS, "hmsh", "abc", "1"), "hmsh:abc:v:1:transitions"),
        (Key(KeyType.HOOKS, "hmsh", "abc"), "hmsh:abc:hooks"),
        (Key(KeyType.SIGNALS, "hmsh", "abc"), "hmsh:abc:signals"),
        (Key(KeyType.SYMKEYS, "hmsh", "abc"), "hmsh:abc:sym:keys:"),
        (Key(KeyType.SYMKEYS, "hmsh", "abc", "a1"), "hmsh:abc:sym:keys:a1"),
        (Key(KeyType.SYMVALS, "hmsh", "abc"), "hmsh:abc:sym:vals:"),
        (Key.stream("hmsh", "abc"), "hmsh:abc:x:"),
        (Key.stream("hmsh", "abc", "abc.work"), "hmsh:abc:x:abc.work"),
    ],
)
def test_render_matches_hotmesh_layout(key: Key, rendered: str) -> None:
    assert key.render() == rendered
    assert str(key) == rendered


def test_every_key_type_renders() -> None:
    for kind in KeyType:
        assert Key(kind, "ns", "app", "id", "x").render().startswith("ns")


def test_keys_are_hashable_values() -> None:
    assert Key.job("a", "b", "c") == Key.job("a", "b", "c")
    assert len({Key.job("a", "b", "c"), Key.job("a", "b", "c")}) == 1


@pytest.mark.parametrize("bad", ["", "a b", "x" * 65, "ab:c", "é"])
def test_bad_app_ids_are_refused_with_the_value(bad: str) -> None:
    with pytest.raises(ConfigError, match="appId"):
        check_app_id(bad)


def test_reserved_app_id() -> None:
    with pytest.raises(ConfigError, match="reserved"):
        check_app_id("a")
    assert check_app_id("abc.v1-x_y") == "abc.v1-x_y"


def test_namespace_rules() -> None:
    assert check_namespace("hmsh") == "hmsh"
    with pytest.raises(ConfigError, match="namespace"):
        check_namespace("bad ns")
