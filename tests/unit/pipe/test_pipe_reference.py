"""HotMesh's own pipe unit suite (tests/unit/services/pipe/index.test.ts), ported."""

from __future__ import annotations

import math
import time
from typing import Any

from hotmesh_pg.pipe import Pipe


def run(rules: list[Any], job_data: dict[str, Any]) -> Any:
    return Pipe(rules, job_data).process()


def test_date_now_and_to_locale_string() -> None:
    before = time.time_ns() // 1_000_000
    now = run([["{@date.now}"]], {})
    after = time.time_ns() // 1_000_000
    assert before <= now <= after

    text = run([["{@date.now}", "en-US"], ["{@date.toLocaleString}"]], {})
    month, dom, rest = text.split("/")
    assert month.isdigit() and dom.isdigit()
    assert not rest.isdigit()  # "2024, 10:52:39 PM"


def test_array_join_with_space() -> None:
    data = {"names": ["Luke", "Birdeau"]}
    assert run([["{names}", " "], ["{@array.join}"]], data) == "Luke Birdeau"


def test_number_is_even_is_odd() -> None:
    data = {"evenNumber": 42, "oddNumber": 55}
    assert run([["{evenNumber}"], ["{@number.isEven}"]], data) is True
    assert run([["{oddNumber}"], ["{@number.isOdd}"]], data) is True


def test_string_concat_split_char_at_includes_index_of() -> None:
    data = {"fullName": "Luke Birdeau", "searchString": "Birdeau",
            "firstName": "Luke", "lastName": "Birdeau"}
    assert run([["{firstName}", "{lastName}"], ["{@string.concat}"]], data) == "LukeBirdeau"
    assert run([["{fullName}", " "], ["{@string.split}"]], data) == ["Luke", "Birdeau"]
    assert run([["{fullName}", 0], ["{@string.charAt}"]], data) == "L"
    assert run([["{fullName}", "{searchString}"], ["{@string.includes}"]], data) is True
    assert run([["{fullName}", "{searchString}"], ["{@string.indexOf}"]], data) == 5


def test_string_last_index_of_slice_starts_with_ends_with() -> None:
    data = {"fullName": "Luke Birdeau", "searchString": "Birdeau"}
    assert run([["{fullName}", "{searchString}"], ["{@string.lastIndexOf}"]], data) == 5
    assert run([["{fullName}", 0, 4], ["{@string.slice}"]], data) == "Luke"
    assert run([["{fullName}", "{searchString}"], ["{@string.startsWith}"]], data) is False
    assert run([["{fullName}", "{searchString}"], ["{@string.endsWith}"]], data) is True


def test_string_substring_and_trims() -> None:
    data = {"fullName": "  Luke Birdeau  ", "startIndex": 2, "endIndex": 6}
    rows = [["{fullName}", "{startIndex}", "{endIndex}"], ["{@string.substring}"]]
    assert run(rows, data) == "Luke"
    assert run([["{fullName}"], ["{@string.trim}"]], data) == "Luke Birdeau"
    assert run([["{fullName}"], ["{@string.trimStart}"]], data) == "Luke Birdeau  "
    assert run([["{fullName}"], ["{@string.trimEnd}"]], data) == "  Luke Birdeau"


def test_string_pad_repeat_upper() -> None:
    data = {"text": "Luke", "targetLength": 8, "padString": "-", "repeatCount": 3}
    pad = ["{text}", "{targetLength}", "{padString}"]
    assert run([pad, ["{@string.padStart}"]], data) == "----Luke"
    assert run([pad, ["{@string.padEnd}"]], data) == "Luke----"
    assert run([["{text}", "{repeatCount}"], ["{@string.repeat}"]], data) == "LukeLukeLuke"
    assert run([["{text}"], ["{@string.toUpperCase}"]], data) == "LUKE"


def test_string_lower_and_trims() -> None:
    data = {"text": "  Luke  ", "upperText": "LUKE"}
    assert run([["{upperText}"], ["{@string.toLowerCase}"]], data) == "luke"
    assert run([["{text}"], ["{@string.trim}"]], data) == "Luke"
    assert run([["{text}"], ["{@string.trimStart}"]], data) == "Luke  "
    assert run([["{text}"], ["{@string.trimEnd}"]], data) == "  Luke"


def test_math_abs_acos_acosh_tanh_trunc() -> None:
    data = {"a": {"output": {"data": {"num1": -42, "num2": 36, "num3": 1, "num4": 2,
                                      "num5": 0.5}}}}
    assert run([["{a.output.data.num1}"], ["{@math.abs}"]], data) == 42
    assert math.isclose(run([["{a.output.data.num5}"], ["{@math.acos}"]], data), math.acos(0.5))
    assert math.isclose(run([["{a.output.data.num4}"], ["{@math.acosh}"]], data), math.acosh(2))
    assert math.isclose(run([["{a.output.data.num3}"], ["{@math.tanh}"]], data), math.tanh(1))
    assert run([["{a.output.data.num2}"], ["{@math.trunc}"]], data) == 36


def test_math_atan2_hypot_max() -> None:
    data = {"a": {"output": {"data": {"num1": 1, "num2": 1}}}}
    rows = [["{a.output.data.num1}", "{a.output.data.num2}"], ["{@math.atan2}"]]
    assert math.isclose(run(rows, data), math.atan2(1, 1))
    data = {"a": {"output": {"data": {"num1": 3, "num2": 4}}}}
    rows = [["{a.output.data.num1}", "{a.output.data.num2}"], ["{@math.hypot}"]]
    assert run(rows, data) == 5
    data = {"a": {"output": {"data": {"num1": 5, "num2": 7, "num3": 3}}}}
    rows = [["{a.output.data.num1}", "{a.output.data.num2}", "{a.output.data.num3}"],
            ["{@math.max}"]]
    assert run(rows, data) == 7


def test_chain_split_then_get_and_parse_then_join() -> None:
    data = {"a": {"output": {"data": {"full_name": "Luke Birdeau"}}}}
    rows = [["{a.output.data.full_name}", " "], ["{@string.split}", 0], ["{@array.get}"]]
    assert run(rows, data) == "Luke"
    rows = [['["ke", "bab", "case"]'], ["{@json.parse}", "-"], ["{@array.join}"]]
    assert run(rows, data) == "ke-bab-case"


def test_nested_pipes_feed_object_create() -> None:
    data = {"a": {"output": {"data": {"workflowDimension": ",0,0,1", "index": 13,
                                      "duration": 1000}}}}
    rows: list[Any] = [
        {"@pipe": [["-sleep", "{a.output.data.workflowDimension}", "-",
                    "{a.output.data.index}", "-"], ["{@string.concat}"]]},
        {"@pipe": [["{a.output.data.duration}"]]},
        ["{@object.create}"],
    ]
    assert run(rows, data) == {"-sleep,0,0,1-13-": 1000}


def test_reduce_split_create_push() -> None:
    data = {"a": {"output": {"data": [{"full_name": "Luke Birdeau"},
                                      {"full_name": "John Doe"}]}}}
    name_part = lambda i: {"@pipe": [["{$item.full_name}", " "],  # noqa: E731
                                     ["{@string.split}", i], ["{@array.get}"]]}
    rows: list[Any] = [
        ["{a.output.data}", []],
        {"@reduce": [
            {"@pipe": [["{$output}"]]},
            {"@pipe": [{"@pipe": [["first"]]}, name_part(0),
                       {"@pipe": [["last"]]}, name_part(1),
                       ["{@object.create}"]]},
            ["{@array.push}"],
        ]},
    ]
    assert run(rows, data) == [{"first": "Luke", "last": "Birdeau"},
                               {"first": "John", "last": "Doe"}]


def test_reduce_over_object_with_set_get_add() -> None:
    data = {"a": {"output": {
        "workflowDimension": ",0,0,1",
        "index": 5,
        "data": {"0": {"type": "wait", "data": {"first": "Luke", "last": "Birdeau"}},
                 "1": {"type": "sleep", "data": {"first": "John", "last": "Doe"}}},
    }}}
    rows: list[Any] = [
        ["{a.output.data}", {}],
        {"@reduce": [
            {"@pipe": [["{$output}"]]},
            {"@pipe": [
                {"@pipe": [["-"]]},
                {"@pipe": [["{$item}", "type"], ["{@object.get}"]]},
                {"@pipe": [["{a.output.workflowDimension}"]]},
                {"@pipe": [["-"]]},
                {"@pipe": [{"@pipe": [["{a.output.index}"]]}, {"@pipe": [["{$index}"]]},
                           ["{@math.add}"]]},
                {"@pipe": [["-"]]},
                ["{@string.concat}"],
            ]},
            {"@pipe": [["{$item}", "data"], ["{@object.get}"]]},
            ["{@object.set}"],
        ]},
    ]
    assert run(rows, data) == {
        "-wait,0,0,1-5-": {"first": "Luke", "last": "Birdeau"},
        "-sleep,0,0,1-6-": {"first": "John", "last": "Doe"},
    }
