"""Differential test: every catalog function against Node's own JavaScript built-ins.

``oracle/oracle.js`` calls the JS built-ins the way HotMesh's handlers do; this file feeds
both sides the same arguments (null, undefined, NaN, ±Infinity, -0, numeric strings, empty
and non-empty lists and objects, dates) and compares results and error kinds. Node runs
once per session with TZ=UTC, the time zone HotMesh's containers use.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.pipe import UNDEFINED, JSDate
from hotmesh_pg.pipe.errors import PipeError, PipeRangeError, PipeSyntaxError, PipeTypeError
from hotmesh_pg.pipe.functions import FUNCTIONS
from hotmesh_pg.pipe.js import js_add, to_number, to_string, truthy

NODE = shutil.which("node")
ORACLE = Path(__file__).parent / "oracle" / "oracle.js"

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed; the oracle needs it")

NAN = math.nan
INF = math.inf

SCALARS: list[Any] = [
    UNDEFINED, None, True, False, 0, -0.0, 1, -1, 2, 3, 2.5, -2.5, 0.5, -0.5, 1e21, 1e-7,
    123.456, 2**31, 2**32 + 5, NAN, INF, -INF,
    "", " ", "0", "1", "-3", "42", " 12 ", "0x1A", "1e3", "abc", "12px", "NaN", "Infinity",
    "3.14abc", "a b c", "Luke Birdeau", "\u00a0x\u00a0", "straße", "a😀b", "😀",
]
OBJECTS: list[Any] = [[], [5], [1, 2, 3], ["a", "b"], [None, UNDEFINED, 1], {}, {"a": 1},
                      {"b": 2, "1": "x", "a": [1]}]
POOL = SCALARS + OBJECTS
SMALL: list[Any] = [UNDEFINED, None, True, 0, -0.0, 1, -1, 2, 2.5, NAN, INF, "", "1", "abc",
                    "b", [], [1, 2], {}, {"a": 1}]
STRINGS: list[Any] = ["", "abc", "Luke Birdeau", "aXbXc", " padded ", "a.b.c", "$&$`",
                      "ßtraße", "abcabc", "a😀b😀c", "\U0001f600"]
DATES: list[Any] = [0, 1713875696789, 1703875696789, -1, 8.64e15, 8.64e15 + 1, NAN, -62198755200000,
                    253402300800000, "2024-04-23", "2024-04-23T12:34:56.789Z",
                    "2024-04-23T10:00:00", "2024-02-30", "1713875696789", "abc", None,
                    UNDEFINED, True, []]

# localeCompare: punctuation order, accents by position, case last, expansions
COLLATION: list[Any] = [
    "é", "e", "E", "z", "_a", "1", "10", "9", " ", "-", "ß", "ss", "ssb", "ßa", "ä", "a b",
    "ab", "a-b", "a_b", "Zebra", "zebra", "apple", "Apple", "résumé", "resume", "Resume",
    "!", "#", "$", "@", "(", "a1", "aa", "Å", "å", "ö", "o", "ø", "ǆ", "ı", "i", "I", "İ",
    "~", "`", "'", '"', ".", ",", ";", ":", "+", "=", "<", ">", "|", "/", "\\", "&", "*",
    "%", "^", "?", "[", "{", "cote", "côte", "coté", "côté", "Straße", "strasse",
]
MODERN_DATES: list[Any] = [1713875696789, "2024-04-23", "2024-04-23T12:34:56.789Z",
                           1703875696789]


def args_for(name: str) -> Iterator[tuple[Any, ...]]:
    """Argument tuples for one function, chosen to hit its edge cases."""
    domain, fn = name.split(".")
    if name in ("js.toString", "js.toNumber"):
        return  # their cases are listed in _js_cases
    if domain == "math" and fn in ("add", "subtract", "multiply", "divide", "hypot", "max",
                                    "min"):
        yield ()
        for a in POOL:
            yield (a,)
        for a, b in itertools.product(SMALL, repeat=2):
            yield (a, b)
        yield (1, 2, 3)
        return
    if domain in ("math", "unary") or name in (
        "number.isFinite", "number.isEven", "number.isOdd", "number.isInteger", "number.isNaN",
        "number.parseFloat", "number.round", "json.parse",
    ):
        for a in POOL:
            yield (a,)
        if fn in ("atan2", "imul", "pow"):
            yield from itertools.product(SMALL, repeat=2)
        return
    if domain in ("bitwise", "conditional", "logical") or name in (
        "number.gte", "number.lte", "number.gt", "number.lt", "number.pow", "number.parseInt",
        "js.add",
    ):
        yield from itertools.product(SMALL, repeat=2)
        if fn == "ternary":
            yield from ((c, "y", "n") for c in POOL)
        if fn == "parseInt":
            yield from ((s, r) for s in SCALARS for r in (UNDEFINED, 0, 2, 16, 36, 37, 1))
        return
    if name in ("number.max", "number.min"):
        yield ()
        yield from itertools.product(SMALL, repeat=2)
        return
    if name in ("number.toFixed", "number.toExponential", "number.toPrecision"):
        numbers = [0, -0.0, 1.005, 2.5, -2.5, 1.45, 123456, 0.00001, 1e-7, 1e21, 1.23e25,
                   -1.5e-10, 5e-324, NAN, INF, 123.456, 0.5, 999.999, "5", None, UNDEFINED]
        for x, d in itertools.product(numbers, (UNDEFINED, 0, 1, 2, 5, 20, 100, 101, -1, NAN)):
            yield (x, d)
        return
    if domain == "string" or name in ("array.indexOf", "array.lastIndexOf", "array.slice",
                                       "array.concat"):
        targets = [*STRINGS, None, UNDEFINED, 5, {}, ["a", "b", "a"]]
        others: list[Any] = [UNDEFINED, None, "", "a", "b", "X", "Birdeau", "c", "$&", 0, 1,
                             -1, 2, 10, NAN, INF, -INF, "1", "😀", "\ude00", "."]
        for s, x in itertools.product(targets, others):
            yield (s,)
            yield (s, x)
        for s in STRINGS:
            for x, y in itertools.product(["a", "X", 1, -2, UNDEFINED], [0, 2, -1, 10, UNDEFINED,
                                                                            "-"]):
                yield (s, x, y)
        if fn == "repeat":
            yield ("ab", "-1")
            yield ("ab", "Infinity")
        if fn == "concat":
            yield (1, None, "a", {}, [1, [2, 3]], UNDEFINED)
        return
    if domain == "array":
        lists = [[], [1, 2, 3], [3, 1, 2], [1, 2, 1], ["b", "a", "C", "A", "c"],
                 [None, 3, UNDEFINED, 1], [10, 9, 1, "2"], [[1, 2], [3]], COLLATION]
        for items in lists:
            yield (items,)
            for x in (UNDEFINED, None, 0, 1, -1, 2, "1", 5, NAN, "DESCENDING", "ASCENDING"):
                yield (items, x)
            for x, y in itertools.product((0, 1, -1, UNDEFINED), (UNDEFINED, 0, 1, 9, "z")):
                yield (items, x, y)
        for x in (None, UNDEFINED, "abc", {"a": 1, "length": 3}, 5):
            yield (x,)
            yield (x, 1)
        return
    if domain == "object":
        objects = [{}, {"a": 1, "b": [2]}, {"b": 1, "2": 2, "1": 1}, [1, 2], "ab", 5, True,
                   None, UNDEFINED, 0, ""]
        props: list[Any] = ["a", "b", "0", 1, "length", "x", UNDEFINED]
        for obj in objects:
            yield (obj,)
            for prop in props:
                yield (obj, prop)
                yield (obj, prop, "v")
        if fn in ("fromEntries", "create", "assign"):
            yield ([["a", 1], ["b", 2]],)
            yield ([["a"]],)
            yield (["ab"],)
            yield ("a", 1, "b")
            yield ({"a": 1}, {"b": 2}, None, "xy", [7])
        return
    if name == "date.UTC":
        yield (2024,)
        yield (2024, 3)
        yield (2024, 3, 23, 12, 34, 56, 789)
        yield (99, 0, 1, 0, 0, 0, 0)
        yield (2024, 14, 40, 25, 61, 61, 1001)
        yield (NAN, 0, 1, 0, 0, 0, 0)
        return
    if name in ("date.parse", "date.fromISOString"):
        for text in ["2024-04-23", "2024-04-23T12:34:56.789Z", "2024-04-23T12:34:56",
                     "2024-04-23T12:34", "+002024-04-23T00:00:00Z", "2024-04", "2024",
                     "2024-04-23T12:34:56+02:00", "2024-13-01", "2024-02-30", "abc", "",
                     "Tue Apr 23 2024 12:34:56 GMT+0000 (Coordinated Universal Time)",
                     "Tue, 23 Apr 2024 12:34:56 GMT", "April 23, 2024", "4/23/2024",
                     "4/23/2024 10:00 PM", "2024/04/23", "23 Apr 2024 10:00:00 GMT+0200",
                     "2024-04-23T24:00:00Z", "2024-04-23T24:00:01Z", 0, None, UNDEFINED,
                     # V8's legacy parser: defaults, skipped words, glued words, lowercase
                     "0", "1", "12", "13", "32", "50", "0.5", "13.5", "40.3", "1/40", "12 3",
                     "k,1", "j1", "abc 5", "5 abc", "a.1", "Apr23 2024", "23Apr2024",
                     "Tue23 Apr 2024", "2024-04-23t10:00:00z", "2024-04-23 10:00Z",
                     "2024-04-23T10:00:00.123+0100", "2024-04-23 t10:00", "foo April 2024",
                     "2024-4-23", "2024.04.23", "12/31/99", "Apr 2024", "23 April"]:
            yield (text,)
        return
    if domain == "date":
        for d in DATES:
            yield (d,)
            if fn.startswith("set"):
                yield (d, 5)
                yield (d, 5, 6)
                yield (d, 5, 6, 7)
                yield (d, 5, 6, 7, 8)
                yield (d, "40", NAN)
            if fn.startswith("toLocale"):
                for loc, opts in [("en-US", UNDEFINED), (UNDEFINED, UNDEFINED),
                                  ("en-US", {"timeZone": "America/New_York"}),
                                  ("en-US", {"hour12": False}),
                                  ("en-US", {"month": "long", "day": "numeric",
                                             "year": "numeric"}),
                                  ("en-US", {"weekday": "long"}),
                                  ("en-US", {"dateStyle": "full", "timeStyle": "short"}),
                                  ("en-US", {"dateStyle": "short"}),
                                  ("en-US", {"timeStyle": "medium"}),
                                  ("en-US", {"year": "2-digit", "month": "2-digit",
                                             "day": "2-digit"}),
                                  ("en-US", {"hour": "2-digit", "minute": "2-digit"}),
                                  ("en-GB", {"hour12": True}),
                                  ("ja-JP", {"hour12": True}),
                                  ("ko-KR", UNDEFINED), ("en-CA", UNDEFINED),
                                  ("it-IT", UNDEFINED), ("es-MX", UNDEFINED),
                                  ("sv-SE", UNDEFINED), ("fr", UNDEFINED),
                                  ("en-GB", UNDEFINED), ("de-DE", UNDEFINED)]:
                    yield (d, loc, opts)
                if d in MODERN_DATES:
                    # ICU's historic zone names (1970 London, LMT) are out of scope
                    for zone in ("Asia/Kolkata", "Europe/London", "America/Los_Angeles",
                                 "Europe/Paris", "Australia/Sydney", "Asia/Tokyo",
                                 "America/Sao_Paulo", "Asia/Shanghai"):
                        for style in ("short", "long"):
                            yield (d, "en-US", {"timeZone": zone, "timeZoneName": style})
        return
    if domain == "json":
        for v in POOL:
            yield (v,)
        yield ({"b": 1, "a": [1, {"c": UNDEFINED}], "1": NAN}, UNDEFINED, 2)
        yield ({"a": 1, "b": 2, "c": 3}, ["a", "c"])
        yield ([1, [2, {}]], None, "--")
        yield ({"a": "\u2028\x00\"\\\n"},)
        return
    yield ()


def encode(value: Any) -> Any:
    """Python result -> the tagged JSON the oracle writes."""
    if value is UNDEFINED:
        return {"$u": 1}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        if math.isnan(value):
            return {"$n": "NaN"}
        if math.isinf(value):
            return {"$n": "Infinity" if value > 0 else "-Infinity"}
        if value == 0 and math.copysign(1.0, value) < 0:
            return {"$n": "-0"}
        return value
    if isinstance(value, JSDate):
        return {"$d": encode(value.time)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    if callable(value):
        return {"$f": 1}
    raise TypeError(f"cannot encode {value!r}")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "$u" in value:
            return UNDEFINED
        if "$n" in value:
            return -0.0 if value["$n"] == "-0" else float(value["$n"])
        if "$d" in value:
            return JSDate(decode(value["$d"]))
        return {k: decode(v) for k, v in value.items()}
    return value


def call_python(name: str, args: tuple[Any, ...]) -> dict[str, Any]:
    domain, fn = name.split(".")
    args = tuple(decode(encode(a)) for a in copy.deepcopy(args))
    try:
        if name == "js.toString":
            result: Any = to_string(args[0])
        elif name == "js.toNumber":
            result = to_number(args[0])
        elif name == "js.add":
            result = js_add(*args)
        else:
            result = FUNCTIONS[domain][fn](*args)
            if name in ("array.splice", "array.unshift"):
                result = [result, args[0]]
    except PipeError as exc:
        kind = {PipeTypeError: "TypeError", PipeRangeError: "RangeError",
                PipeSyntaxError: "SyntaxError"}.get(type(exc), "Error")
        return {"err": kind, "msg": exc.reason}
    return {"ok": encode(result)}


# functions whose port deviates on purpose, or that the oracle cannot express
NOT_COMPARED = {
    "math.random", "date.now", "symbol.date", "object.freeze", "object.seal",
    "object.preventExtensions", "object.isFrozen", "object.isSealed", "object.isExtensible",
    "object.defineProperty", "object.defineProperties", "object.getOwnPropertySymbols",
    "object.isPrototypeOf",
    "symbol.null", "symbol.undefined", "symbol.whitespace", "symbol.object", "symbol.array",
    "symbol.posInfinity", "symbol.negInfinity", "symbol.NaN",
}
NAMES = sorted({f"{d}.{n}" for d, table in FUNCTIONS.items() for n in table} - NOT_COMPARED
               | {"js.toString", "js.toNumber", "js.add"})
TRANSCENDENTAL = {"acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "cbrt", "cos",
                  "cosh", "exp", "expm1", "log", "log10", "log1p", "log2", "sin", "sinh",
                  "tan", "tanh", "hypot", "pow"}


def _js_cases() -> list[tuple[str, tuple[Any, ...]]]:
    cases = [(name, args) for name in NAMES for args in args_for(name)]
    if NAMES and "js.toString" in NAMES:
        extra_numbers = [0.1 + 0.2, 1e-6, 1.5e300, 2**53 + 2, 123e-20, 1e300 * 10, -1e-7]
        extra_strings = ["0b101", "0o17", "-0x1", "1_000", "\u20281\u2029", "+.5", "5.", ".",
                         "e5", "+Infinity", "inf"]
        cases += [("js.toString", (v,)) for v in [*POOL, *extra_numbers]]
        cases += [("js.toNumber", (v,)) for v in [*POOL, *extra_strings]]
    return cases


@pytest.fixture(scope="module")
def oracle() -> dict[str, list[tuple[tuple[Any, ...], Any]]]:
    cases = _js_cases()
    payload = json.dumps([[name, encode(list(args))] for name, args in cases])
    assert NODE is not None
    done = subprocess.run([NODE, str(ORACLE)], input=payload, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "TZ": "UTC"}, check=True)
    results = json.loads(done.stdout)
    by_name: dict[str, list[tuple[tuple[Any, ...], Any]]] = {}
    for (name, args), expected in zip(cases, results, strict=True):
        by_name.setdefault(name, []).append((args, expected))
    return by_name


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=4e-16, abs_tol=0)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@pytest.mark.parametrize("name", NAMES)
def test_matches_node(name: str, oracle: dict[str, list[tuple[tuple[Any, ...], Any]]]) -> None:
    mismatches = []
    fn = name.split(".")[1]
    for args, expected in oracle[name]:
        if fn == "toISOXString" and not truthy(args[0]):
            continue  # "now" on each side, read at different moments
        actual = call_python(name, args)
        if "err" in expected:
            same = actual.get("err") == expected["err"]
        elif fn in TRANSCENDENTAL and "ok" in actual:
            same = _close(actual["ok"], expected["ok"])
        else:
            same = actual == expected
        if not same:
            mismatches.append(f"{name}{args!r}: node {expected!r}, port {actual!r}")
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches[:25])
