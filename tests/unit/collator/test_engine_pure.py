"""Pure helpers of the engine next to the collator: stats buckets, job-hash field packing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotmesh_pg.engine.activities.trigger import time_series
from hotmesh_pg.engine.reporter import buckets
from hotmesh_pg.engine.store import JobCodec, restore_hierarchy
from hotmesh_pg.errors import HotMeshError


def test_time_series_floors_to_the_granularity_in_utc() -> None:
    now = datetime(2024, 1, 2, 12, 34, 56, tzinfo=UTC)
    assert time_series("5m", now) == "202401021230"
    assert time_series("15m", now) == "202401021230"
    assert time_series("1h", now) == "202401021200"
    assert time_series("infinity", now) == "0"


def test_buckets_are_inclusive_and_validated() -> None:
    got = buckets("5m", "1h", "2024-01-02T12:00:00Z", None)
    assert len(got) == 13
    assert got[0] == "202401021100" and got[-1] == "202401021200"
    assert buckets("infinity", None, None, None) == ["0"]
    assert buckets("5m", None, "2024-01-02T12:10:00Z", "2024-01-02T12:00:00Z") == [
        "202401021200", "202401021205", "202401021210"]
    with pytest.raises(HotMeshError, match="Invalid granularity"):
        buckets("7m", "1h", "NOW", None)
    with pytest.raises(HotMeshError, match="Invalid range"):
        buckets("5m", "1y", "NOW", None)


def test_codec_packs_symbols_with_dimensions_and_restores() -> None:
    symbols = {
        "$abc.test": {"metadata/jid": "aka", "data/b": "aAa"},
        "a1": {"a1/output/metadata/as": "aCl", "a1/output/data/y": "aAl"},
    }
    codec = JobCodec(symbols, {"aa": "widgetA"}, {"a1": ",0,0", "$ADJACENT": ",0,0,0"})
    packed = codec.package({
        "metadata/jid": "j1", "data/b": 5, "a1/output/data/y": "widgetA",
        "a2/output/metadata/as": "999000000000000", "_search": "x",
    }, ["$abc.test", "a1"])
    assert packed == {"aka": "j1", "aAa": "/d5", "aAl,0,0": "aa", "_search": "x"}
    fields = codec.abbreviate({"$abc.test": ["metadata/jid", "data/b"],
                               "a1": ["a1/output/data/y"]}, ["$abc.test", "a1"], [":"])
    assert fields == [":", "aka", "aAa", "aAl,0,0"]
    flat = codec.unpackage({":": "1", "aka": "j1", "aAa": "/d5", "aAl,0,0": "aa"},
                           ["$abc.test", "a1"])
    assert flat["data/b"] == 5 and flat["a1/output/data/y"] == "widgetA"
    tree = restore_hierarchy(flat)
    assert tree["metadata"]["jid"] == "j1"
    assert tree["a1"]["output"]["data"]["y"] == "widgetA"


def test_codec_escapes_two_letter_strings() -> None:
    codec = JobCodec({"$t": {"data/x": "aAa"}}, {}, {})
    assert codec.package({"data/x": "ok"}, ["$t"]) == {"aAa": ":ok"}
    assert codec.unpackage({"aAa": ":ok"}, ["$t"]) == {"data/x": "ok"}
