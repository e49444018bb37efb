"""Property tests for JS laws the port must keep (hypothesis)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hotmesh_pg.pipe import UNDEFINED, JSDate
from hotmesh_pg.pipe.functions import FUNCTIONS
from hotmesh_pg.pipe.js import (
    json_parse,
    json_stringify,
    loose_equals,
    num,
    relational,
    strict_equals,
    to_int32,
    to_number,
    to_string,
    to_uint32,
    truthy,
)
from hotmesh_pg.pipe.jsdate import (
    date_from_time,
    make_date,
    make_day,
    make_time,
    month_from_time,
    parse_date,
    week_day,
    year_from_time,
)
from hotmesh_pg.pipe.pipe import resolve

# no per-example deadline: the CI machine is small and shared, and speed is not the point
relaxed = settings(deadline=None)

finite = st.floats(allow_nan=False, allow_infinity=False)
numbers = st.one_of(st.floats(), st.integers(min_value=-(2**53), max_value=2**53))
safe_ints = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
# JSON documents: no NaN/Infinity (JSON cannot hold them), no lone surrogates
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
json_scalars = st.one_of(st.none(), st.booleans(), safe_ints, finite, text)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(text, inner, max_size=5)),
    max_leaves=25,
)
primitives = st.one_of(st.none(), st.just(UNDEFINED), st.booleans(), numbers, text,
                       st.sampled_from(["", "0", " 1 ", "0x10", "1e3", "abc", "-0"]))
time_values = st.integers(min_value=-8_640_000_000_000_000, max_value=8_640_000_000_000_000)


def same_number(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@relaxed
@given(numbers)
def test_to_string_then_to_number_round_trips(x: float) -> None:
    assert same_number(to_number(to_string(x)), to_number(x))


@relaxed
@given(finite)
def test_to_string_is_the_shortest_round_trip_text(x: float) -> None:
    printed = to_string(x)
    assert float(printed) == x
    assert not printed.endswith(".0")
    if x == 0:
        assert printed == "0"  # -0 prints as 0 in JS
    if 1e-6 <= abs(x) < 1e21:
        assert "e" not in printed


@relaxed
@given(safe_ints)
def test_integers_print_like_python(n: int) -> None:
    assert to_string(n) == str(n)
    assert to_string(float(n)) == str(n)
    assert FUNCTIONS["number"]["parseInt"](to_string(n)) == n


@relaxed
@given(primitives)
def test_num_normalises_without_changing_the_value(x: Any) -> None:
    n = to_number(x)
    assert same_number(num(n), n)
    assert truthy(num(n)) == truthy(n)


@relaxed
@given(json_values)
def test_json_round_trip(value: Any) -> None:
    printed = json_stringify(value)
    assert isinstance(printed, str)
    assert json_parse(printed) == value
    assert json_stringify(json_parse(printed)) == printed


# integer-like keys move first in JS and floats print differently; without those the two
# serialisers must agree byte for byte
plain_keys = text.filter(lambda k: not k.isdigit())
plain_values = st.recursive(
    st.one_of(st.none(), st.booleans(), safe_ints, text),
    lambda inner: st.one_of(st.lists(inner, max_size=5),
                            st.dictionaries(plain_keys, inner, max_size=5)),
    max_leaves=25,
)


@relaxed
@given(plain_values)
def test_json_stringify_matches_python_where_the_rules_agree(value: Any) -> None:
    assert json_stringify(value) == json.dumps(value, separators=(",", ":"),
                                               ensure_ascii=False)


@relaxed
@given(primitives, primitives)
def test_equality_laws(a: Any, b: Any) -> None:
    assert loose_equals(a, b) == loose_equals(b, a)
    assert strict_equals(a, b) == strict_equals(b, a)
    if strict_equals(a, b):
        assert loose_equals(a, b)


@relaxed
@given(primitives, primitives)
def test_relational_laws(a: Any, b: Any) -> None:
    assert relational(a, b, "<") == relational(b, a, ">")
    assert relational(a, b, "<=") == relational(b, a, ">=")
    if relational(a, b, "<"):
        assert not relational(a, b, ">=")
    if not (isinstance(a, str) and isinstance(b, str)):
        x, y = to_number(a), to_number(b)
        if not (math.isnan(x) or math.isnan(y)):
            assert relational(a, b, "<") == (not relational(a, b, ">="))


@relaxed
@given(primitives)
def test_int32_wraps_into_range(x: Any) -> None:
    assert -(2**31) <= to_int32(x) < 2**31
    assert 0 <= to_uint32(x) < 2**32
    assert to_int32(to_int32(x)) == to_int32(x)
    assert to_int32(x) % 2**32 == to_uint32(x)


@relaxed
@given(st.integers(min_value=-(2**31), max_value=2**31 - 1),
       st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_bitwise_matches_python_on_int32(a: int, b: int) -> None:
    bitwise = FUNCTIONS["bitwise"]
    assert bitwise["and"](a, b) == a & b
    assert bitwise["or"](a, b) == a | b
    assert bitwise["xor"](a, b) == a ^ b
    assert bitwise["rightShift"](a, b) == a >> (b & 31)
    assert FUNCTIONS["unary"]["bitwise_not"](a) == ~a


@relaxed
@given(finite)
def test_math_round_is_within_half(x: float) -> None:
    r = FUNCTIONS["math"]["round"](x)
    assert float(r).is_integer()
    assert -0.5 < r - x <= 0.5 or abs(x) >= 2**52


@relaxed
@given(st.floats(min_value=-1e20, max_value=1e20), st.integers(min_value=0, max_value=20))
def test_to_fixed_is_within_half_a_unit(x: float, digits: int) -> None:
    printed = FUNCTIONS["number"]["toFixed"](x, digits)
    assert len(printed.partition(".")[2]) == digits
    assert abs(Decimal(printed) - Decimal(x)) <= Decimal(5).scaleb(-digits - 1)


@relaxed
@given(finite.filter(lambda v: v != 0), st.integers(min_value=1, max_value=21))
def test_to_precision_reads_back_close(x: float, precision: int) -> None:
    printed = FUNCTIONS["number"]["toPrecision"](x, precision)
    significant = Decimal(printed)
    assert abs(significant - Decimal(x)) <= abs(Decimal(x)) * Decimal(10) ** (1 - precision)


@relaxed
@given(time_values)
def test_iso_strings_parse_back_to_the_same_time(t: int) -> None:
    date = JSDate(t)
    assert parse_date(date.to_iso_string()) == t
    assert FUNCTIONS["date"]["getTime"](date.to_iso_string()[:10]) % 86_400_000 == 0 or \
        not 0 <= year_from_time(t) <= 9999


@relaxed
@given(st.integers(min_value=-62_135_596_800_000, max_value=253_402_300_799_999))
def test_calendar_math_agrees_with_datetime(t: int) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=t)
    assert year_from_time(t) == moment.year
    assert month_from_time(t) == moment.month - 1
    assert date_from_time(t) == moment.day
    assert week_day(t) == (moment.weekday() + 1) % 7
    rebuilt = make_date(make_day(moment.year, moment.month - 1, moment.day),
                        make_time(moment.hour, moment.minute, moment.second,
                                  moment.microsecond // 1000))
    assert rebuilt == t


@relaxed
@given(st.one_of(st.none(), st.booleans(), numbers, st.lists(safe_ints, max_size=3),
                 st.dictionaries(text, safe_ints, max_size=3),
                 text.filter(lambda s: not (s.startswith("{") and s.endswith("}")))))
def test_literal_cells_resolve_to_themselves(value: Any) -> None:
    resolved = resolve(value, {"a": 1})
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(resolved)
    else:
        assert resolved == value


@relaxed
@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=8))
def test_reduce_sums_like_python(values: list[int]) -> None:
    rows = [[values, 0], {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [["{$item}"]]},
                                      ["{@math.add}"]]}]
    assert resolve({"@pipe": rows}, {}) == sum(values)
