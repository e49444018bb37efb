"""The retry decision and error shaping of runtime.md 3.3-3.4 (pure functions, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.engine.responses import (
    guid,
    should_retry,
    structure_error,
    structure_unacknowledged_error,
    structure_unhandled_error,
)


def request(tries: int | None, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"guid": "g", "jid": "j", "aid": "a", "topic": "t"}
    if tries is not None:
        metadata["try"] = tries
    data: dict[str, Any] = {"metadata": metadata, "data": {"x": 1}}
    if policy is not None:
        data["policies"] = {"retry": policy}
    return data


@pytest.mark.parametrize(
    ("tries", "expected"),
    [(None, (True, 10)), (0, (True, 10)), (1, (True, 100)), (2, (True, 1000)),
     (3, (False, 0))],
)
def test_hotmesh_schedule_for_max_3(tries: int | None, expected: tuple[bool, int]) -> None:
    assert should_retry(request(tries, {"500": [3]}), {"code": 500}) == expected


def test_max_above_3_stops_at_max_instead_of_forever() -> None:
    policy = {"500": [5, "x"]}
    assert should_retry(request(3, policy), {"code": 500}) == (True, 10_000)
    assert should_retry(request(4, policy), {"code": 500}) == (True, 10_000)
    assert should_retry(request(5, policy), {"code": 500}) == (False, 0)


def test_only_the_failing_code_policy_applies() -> None:
    policy = {"404": [2], "500": [3]}
    assert should_retry(request(0, policy), {"code": 403}) == (False, 0)
    assert should_retry(request(0, policy), {"code": "404"}) == (True, 10)
    assert should_retry(request(0), {"code": 500}) == (False, 0)


def test_structured_worker_policy_when_the_message_has_none() -> None:
    retry = {"maximum_attempts": 3, "backoff_coefficient": 10, "initial_interval": 1,
             "maximum_interval": "50s"}
    assert should_retry(request(None), {"code": 500}, retry) == (True, 10_000)
    assert should_retry(request(1), {"code": 500}, retry) == (True, 50_000)
    assert should_retry(request(2), {"code": 500}, retry) == (False, 0)
    # a YAML policy for the code wins over the worker's
    assert should_retry(request(0, {"500": [1]}), {"code": 500}, retry) == (True, 10)


def test_structure_error_coerces_the_code_and_keeps_user_error() -> None:
    shaped = structure_error(request(0), {"code": "422", "data": {
        "message": 7, "stack": "trace", "error": {"field": "x"}}})
    assert shaped["code"] == 422 and shaped["status"] == "error"
    assert shaped["data"] == {"message": "7", "code": 422, "stack": "trace",
                              "error": {"field": "x"}}
    assert shaped["stack"] == "trace"
    assert shaped["metadata"]["jid"] == "j" and shaped["metadata"]["guid"] != "g"
    assert structure_error(request(0), {"data": {"code": "x"}})["code"] == 500
    assert structure_error(request(0), {"code": 503})["data"]["message"] == "unknown"


def test_unhandled_and_unacknowledged_errors() -> None:
    class Coded(Exception):
        code = 598

    shaped = structure_unhandled_error(request(0), RuntimeError("boom"))
    assert (shaped["code"], shaped["data"]["message"], shaped["data"]["name"]) == (
        500, "boom", "RuntimeError")
    assert "RuntimeError: boom" in shaped["data"]["stack"]
    # api.md: a raise is a 500 whatever the exception carries
    assert structure_unhandled_error(request(0), Coded("fatal"))["code"] == 500
    dead = structure_unacknowledged_error(request(0))
    assert dead["code"] == 999 and "topic" not in dead["metadata"]


def test_guid_shape() -> None:
    ids = {guid() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 21 and i.isalnum() and i.isascii() for i in ids)
