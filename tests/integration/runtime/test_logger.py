"""HotMesh's log line format and logger options (runtime.md 9.3)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from hotmesh_pg.errors import ConfigError
from hotmesh_pg.logger import HotMeshFormatter, HotMeshLogger, get_logger, tagify


def test_line_format_with_tags(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="hotmesh_pg")
    log = HotMeshLogger("calc", "abc123", log_level="info")
    log.info("stream-consumer-starting", {"group": "ENGINE", "counts": {"200": 2}})
    log.debug("not-shown-at-info")
    (record,) = [r for r in caplog.records if r.name == "hotmesh_pg"]
    line = HotMeshFormatter().format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[info\] \[calc:abc123\] "
        r'stream-consumer-starting group:ENGINE counts:\{"200":2\}',
        line,
    ), line


def test_name_replaces_app_id_and_levels_filter(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1, logger="hotmesh_pg")
    log = HotMeshLogger("calc", "g1", name="billing", log_level="warn")
    log.info("hidden")
    log.warn("quorum-rollcall-error", {"q1": 1})
    log.error("stream-consume-one-error", ValueError("bad"))
    lines = [HotMeshFormatter().format(r) for r in caplog.records if r.name == "hotmesh_pg"]
    assert [line.split("] ", 2)[2] for line in lines] == [
        "quorum-rollcall-error q1:1", "stream-consume-one-error err:ValueError: bad"]
    assert all("[billing:g1]" in line for line in lines)
    silent = HotMeshLogger("calc", "g1", log_level="silent")
    silent.error("never")
    assert len([r for r in caplog.records if r.name == "hotmesh_pg"]) == 2


def test_user_logger_is_used_and_bad_options_are_refused() -> None:
    class Mine:
        def __init__(self) -> None:
            self.calls: list[tuple[str, str]] = []

        def info(self, message: str, *meta: Any) -> None:
            self.calls.append(("info", message))

        warn = error = debug = info

    mine = Mine()
    assert get_logger("calc", "g1", logger=mine) is mine  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="log_level"):
        HotMeshLogger("calc", "g1", log_level="loud")
    with pytest.raises(ConfigError, match="needs info, warn, error and debug"):
        get_logger("calc", "g1", logger=object())  # type: ignore[arg-type]


def test_tagify_renders_values_like_hotmesh() -> None:
    assert tagify({"a": 1, "b": None, "c": [1, "x"], "d": lambda: "called"}) == \
        'a:1 b:None c:[1,"x"] d:called'
    assert tagify(None) == ""
