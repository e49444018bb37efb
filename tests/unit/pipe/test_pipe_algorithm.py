"""The @pipe / @reduce row algorithm (engine-model 2.1-2.6) and its odd consequences."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotmesh_pg.errors import MapDataError
from hotmesh_pg.pipe import UNDEFINED, JSDate, Pipe, PipeError, PipeRangeError, PipeTypeError
from hotmesh_pg.pipe.pipe import (
    get_path,
    is_context_variable,
    is_function_cell,
    is_reference,
    parse_function_cell,
    resolve,
)

JOB: dict[str, Any] = {
    "a": {"output": {"data": {"items": [10, 20, 30], "name": "Ada Lovelace", "n": 5,
                              "nothing": None, "nested": {"x": {"y": "deep"}},
                              "text": "abc"}}},
    "$job": {"metadata": {"jid": "job-1"}, "data": {"total": 7}},
    "$self": {"output": {"metadata": {"au": 1}}},
}


def run(rows: list[Any], job: Any = None) -> Any:
    return Pipe(rows, JOB if job is None else job).process()


# -- cell kinds (2.1) and resolve (2.6) ---------------------------------------------------------

class TestResolve:
    def test_literals_come_back_unchanged_and_unresolved(self) -> None:
        literal = {"x": "{a.output.data.n}"}
        assert resolve(literal, JOB) == literal  # a dict without @pipe is not traversed
        items = ["{a.output.data.n}"]
        assert resolve(items, JOB) == items
        assert resolve(42, JOB) == 42
        assert resolve(None, JOB) is None
        assert resolve("plain", JOB) == "plain"
        assert resolve("{not closed", JOB) == "{not closed"

    def test_reference_walks_the_job_context(self) -> None:
        assert resolve("{a.output.data.n}", JOB) == 5
        assert resolve("{$job.metadata.jid}", JOB) == "job-1"
        assert resolve("{$self.output.metadata.au}", JOB) == 1
        assert resolve("{a.output.data.nested.x.y}", JOB) == "deep"
        assert resolve("{a.output.data.nothing}", JOB) is None

    def test_missing_paths_are_undefined_not_null(self) -> None:
        assert resolve("{a.output.data.missing}", JOB) is UNDEFINED
        assert resolve("{zzz.output}", JOB) is UNDEFINED
        assert resolve("{a.output.data.nothing.deeper}", JOB) is UNDEFINED
        assert resolve("{$app.id}", JOB) is UNDEFINED

    def test_lists_own_indices_and_length_strings_do_not(self) -> None:
        assert resolve("{a.output.data.items.1}", JOB) == 20
        assert resolve("{a.output.data.items.length}", JOB) == 3
        assert resolve("{a.output.data.items.3}", JOB) is UNDEFINED
        assert resolve("{a.output.data.items.-1}", JOB) is UNDEFINED
        assert resolve("{a.output.data.items.01}", JOB) is UNDEFINED
        assert resolve("{a.output.data.text.length}", JOB) is UNDEFINED
        assert resolve("{a.output.data.n.toFixed}", JOB) is UNDEFINED

    def test_function_cell_is_called_without_arguments(self) -> None:
        assert resolve("{@symbol.null}", JOB) is None
        assert resolve("{@math.max}", JOB) == -math.inf
        assert isinstance(resolve("{@date.now}", JOB), int)
        assert isinstance(resolve("{@symbol.date}", JOB), JSDate)

    def test_context_variables_are_undefined_outside_a_reduce(self) -> None:
        assert resolve("{$item}", JOB) is UNDEFINED
        assert resolve("{$output.x}", JOB) is UNDEFINED

    def test_pipe_object_runs_the_pipe(self) -> None:
        assert resolve({"@pipe": [["{a.output.data.n}", 2], ["{@math.multiply}"]]}, JOB) == 10

    def test_cell_classification(self) -> None:
        assert is_function_cell("{@a.b}") and not is_function_cell("{a.b}")
        assert is_context_variable("{$item.sku}") and is_context_variable("{$items}")
        assert not is_context_variable("{$job.data}")
        assert is_reference("{$job.data}") and not is_reference(5)
        assert parse_function_cell("{@string.concat}") == ("string", "concat")

    def test_any_mapping_works_as_the_job_context(self) -> None:
        from collections import ChainMap
        from types import MappingProxyType

        layered = ChainMap({"$self": {"hook": {"data": {"x": 1}}}}, JOB)
        assert resolve("{$self.hook.data.x}", layered) == 1
        assert resolve("{a.output.data.n}", layered) == 5
        assert resolve("{a.output.data.n}", MappingProxyType(JOB)) == 5

    def test_get_path_tolerates_any_root(self) -> None:
        assert get_path(None, "a") is UNDEFINED
        assert get_path("text", "length") is UNDEFINED
        assert get_path({"": 1}, "") == 1
        assert get_path([[1, 2]], "0.1") == 2


# -- the row algorithm (2.3) -------------------------------------------------------------------

class TestRows:
    def test_each_row_feeds_all_its_cells_to_the_next_function(self) -> None:
        rows = [["a b", " "], ["{@string.split}", 1], ["{@array.get}"]]
        assert run(rows) == "b"

    def test_the_result_is_the_first_cell_of_the_last_row(self) -> None:
        assert run([["x", "y", "z"]]) == "x"
        assert run([[1, 2], ["{@math.add}", "dropped", "also dropped"]]) == 3

    def test_first_row_functions_are_called_with_no_arguments(self) -> None:
        assert run([["{@math.max}", "{@symbol.whitespace}"], ["{@string.concat}"]]) \
            == "-Infinity "

    def test_an_empty_first_row_is_a_present_prior(self) -> None:
        # [] counts as resolved (JS truthiness), so the next function gets no arguments
        assert run([[], ["{@math.max}"]]) == -math.inf
        assert run([[]]) is UNDEFINED  # [][0]

    def test_later_row_must_start_with_a_function(self) -> None:
        with pytest.raises(PipeError, match=r"Unknown domain name \[\{a.b\}\]: $"):
            run([["x"], ["{a.b}"]])
        with pytest.raises(PipeTypeError, match="must start with a function"):
            run([["x"], ["plain"]])
        with pytest.raises(PipeTypeError, match="must start with a function"):
            run([["x"], [5]])
        with pytest.raises(PipeTypeError, match="empty"):
            run([["x"], []])

    def test_unknown_domain_and_function(self) -> None:
        with pytest.raises(PipeError, match=r"Unknown domain name \[\{@nope.x\}\]: nope"):
            run([["{@nope.x}"]])
        with pytest.raises(PipeError,
                           match=r"Unknown domain function \[\{@string.nope\}\]: string.nope"):
            run([["x"], ["{@string.nope}"]])

    def test_inherited_object_members_do_not_resolve(self) -> None:
        # Fix (§9 #4): HotMesh resolved {@number.toString} through Object.prototype
        for cell in ("{@number.toString}", "{@x.constructor}", "{@math.valueOf}"):
            with pytest.raises(PipeError, match="Unknown domain"):
                run([[cell]])
        with pytest.raises(PipeError, match="Unknown domain function"):
            run([["{@number.toString}"]])

    def test_documented_but_missing_functions_are_unknown(self) -> None:
        for cell in ("{@array.map}", "{@number.square}", "{@array.split}"):
            with pytest.raises(PipeError, match="Unknown domain function"):
                run([[cell]])

    def test_function_name_parsing_follows_hotmesh(self) -> None:
        # a second '.' cuts the name and drops its last character: '{@math.abs.x}' -> 'ab'
        with pytest.raises(PipeError, match=r"Unknown domain function .*: math\.ab$"):
            run([["{@math.abs.x}"]])

    def test_errors_name_the_cell_and_keep_the_js_kind(self) -> None:
        with pytest.raises(PipeRangeError) as info:
            run([["abc", -1], ["{@string.repeat}"]])
        assert isinstance(info.value, MapDataError)
        assert "{@string.repeat}" in str(info.value)
        assert info.value.reason == "Invalid repeat count. Must be a positive finite number."
        assert info.value.cell == "{@string.repeat}"
        assert info.value.function == "string.repeat"
        with pytest.raises(PipeTypeError, match=r"\{@string.split\}.*null"):
            run([[None, ","], ["{@string.split}"]])

    def test_malformed_pipes(self) -> None:
        with pytest.raises(PipeTypeError, match="no rows"):
            resolve({"@pipe": []}, JOB)
        with pytest.raises(PipeTypeError, match="must be a list of rows"):
            resolve({"@pipe": "x"}, JOB)
        with pytest.raises(PipeTypeError, match="must be a list or"):
            resolve({"@pipe": ["x"]}, JOB)
        with pytest.raises(PipeTypeError, match="must be a list or"):
            run([["x"], {"other": 1}])
        # as in HotMesh, a first row that is another object reads as an empty row
        assert run([{"other": 1}, ["{@math.max}"]]) == -math.inf

    def test_absurd_nesting_is_a_pipe_error_not_a_crash(self) -> None:
        rules: Any = [["x"]]
        for _ in range(5000):
            rules = [{"@pipe": rules}, ["{@string.concat}"]]
        with pytest.raises(PipeError, match="nested too deeply"):
            resolve({"@pipe": rules}, JOB)

    def test_functions_receive_live_context_objects(self) -> None:
        job = {"a": {"list": [1]}}
        assert run([["{a.list}", 2], ["{@array.push}"]], job) == [1, 2]
        assert job["a"]["list"] == [1, 2]


class TestNestedPipes:
    def test_nested_results_become_the_next_functions_arguments(self) -> None:
        rows = [{"@pipe": [["a"]]}, {"@pipe": [["b"]]}, ["{@string.concat}"]]
        assert run(rows) == "ab"

    def test_the_row_before_nested_pipes_is_discarded(self) -> None:
        rows = [["ignored", "too"], {"@pipe": [["x"]]}, ["{@string.concat}"]]
        assert run(rows) == "x"

    def test_nested_pipes_do_not_receive_the_previous_row(self) -> None:
        # Replicate (§9 #17): the "initials" doc example fails in HotMesh too
        rows = [["Ada Lovelace", " "], {"@pipe": [["{@string.split}"]]}, ["{@array.get}"]]
        with pytest.raises(PipeTypeError, match="undefined"):
            run(rows)

    def test_trailing_nested_pipes_are_dropped(self) -> None:
        assert run([["kept"], {"@pipe": [["dropped"]]}]) == "kept"

    def test_a_pipe_of_only_nested_pipes_raises(self) -> None:
        with pytest.raises(PipeTypeError, match="resolved no plain row"):
            run([{"@pipe": [["x"]]}])

    def test_nesting_is_recursive(self) -> None:
        rows = [{"@pipe": [{"@pipe": [[2]]}, {"@pipe": [[3]]}, ["{@math.pow}"]]},
                {"@pipe": [[1]]}, ["{@math.subtract}"]]
        assert run(rows) == 7


# -- @reduce (2.4) -----------------------------------------------------------------------------

def collect(expression: str) -> dict[str, Any]:
    """A reduce body that appends ``expression`` for each item to the accumulator list."""
    return {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [[expression]]},
                        ["{@array.push}"]]}


class TestReduce:
    def test_reduce_over_a_list(self) -> None:
        assert run([[[3, 4], []], collect("{$item}")]) == [3, 4]
        assert run([[[3, 4], []], collect("{$key}")]) == ["0", "1"]
        assert run([[[3, 4], []], collect("{$index}")]) == [0, 1]
        assert run([[[3, 4], []], collect("{$input}")]) == [[3, 4], [3, 4]]

    def test_reduce_over_an_object_uses_js_key_order(self) -> None:
        source = {"b": 1, "10": 2, "a": 3, "2": 4}
        assert run([[source, []], collect("{$key}")]) == ["2", "10", "b", "a"]
        assert run([[source, []], collect("{$index}")]) == [0, 1, 2, 3]
        assert run([[source, []], collect("{$item}")]) == [4, 2, 1, 3]

    def test_reduce_over_a_string_iterates_characters(self) -> None:
        assert run([["hi", []], collect("{$item}")]) == ["h", "i"]
        # JS strings are UTF-16: an astral character is two iterations
        assert run([["a😀", []], collect("{$item}")]) == ["a", "\ud83d", "\ude00"]

    def test_reduce_over_non_iterables_returns_the_initial_value(self) -> None:
        for source in (5, True, None, UNDEFINED, JSDate(0)):
            assert run([[source, "init"], collect("{$item}")]) == "init"

    def test_missing_or_undefined_initial_value_is_null(self) -> None:
        body = {"@reduce": [["{$output}"]]}
        assert run([[[1, 2]], body]) is None
        assert run([[[1, 2], UNDEFINED], body]) is None
        assert run([[[], 0], body]) == 0

    def test_body_row_starting_with_a_context_variable_returns_it(self) -> None:
        assert run([[[1, 2, 3], 0], {"@reduce": [["{$item}"]]}]) == 3

    def test_dotted_context_paths(self) -> None:
        items = [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]
        assert run([[items, []], collect("{$item.sku}")]) == ["A", "B"]

    def test_spec_example_keyed_index(self) -> None:
        job = {"cart": {"output": {"data": {"lines": [{"sku": "A", "qty": 1},
                                                     {"sku": "B", "qty": 2}]}}}}
        rows = [["{cart.output.data.lines}", {}],
                {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [["{$item.sku}"]]},
                             {"@pipe": [["{$item.qty}"]]}, ["{@object.set}"]]}]
        assert run(rows, job) == {"A": 1, "B": 2}

    def test_sum_with_math_add(self) -> None:
        rows = [[[1, 2, 3, 4], 0],
                {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [["{$item}"]]},
                             ["{@math.add}"]]}]
        assert run(rows) == 10

    def test_rows_after_the_reduce_continue_from_the_accumulator(self) -> None:
        rows = [[[1, 2], []], collect("{$item}"), ["{@array.join}"]]
        assert run(rows) == "1,2"

    def test_nested_reduce_gets_a_fresh_context(self) -> None:
        inner = {"@reduce": [{"@pipe": [["{$output}"]]},
                             {"@pipe": [["{$index}"]]}, ["{@array.push}"]]}
        outer = {"@reduce": [
            {"@pipe": [["{$output}"]]},
            {"@pipe": [[[7, 8], "{@symbol.array}"], inner]},
            ["{@array.push}"],
        ]}
        # each outer item pushes the inner reduce's own indexes, never the outer ones
        assert run([[["x", "y"], []], outer]) == [[0, 1], [0, 1]]

    def test_a_literal_in_the_rules_is_one_object_for_the_whole_evaluation(self) -> None:
        # as in JS: the inner `[]` cell is the same list on every outer iteration
        inner = {"@reduce": [{"@pipe": [["{$output}"]]},
                             {"@pipe": [["{$index}"]]}, ["{@array.push}"]]}
        outer = {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [[[7, 8], []], inner]},
                             ["{@array.push}"]]}
        result = run([[["x", "y"], []], outer])
        assert result == [[0, 1, 0, 1], [0, 1, 0, 1]]
        assert result[0] is result[1]

    def test_resolve_never_mutates_the_rules_it_was_given(self) -> None:
        # Fix: HotMesh evaluates the cached app rules in place, so a mutating function on a
        # literal changed the rules for every later job; resolve works on a copy
        rules = {"@pipe": [[[], 1], ["{@array.push}"]]}
        assert resolve(rules, JOB) == [1]
        assert resolve(rules, JOB) == [1]
        assert rules == {"@pipe": [[[], 1], ["{@array.push}"]]}

    def test_nested_pipes_inherit_the_reduce_context(self) -> None:
        body = {"@reduce": [{"@pipe": [["{$output}"]]},
                            {"@pipe": [{"@pipe": [["{$item}"]]}, {"@pipe": [["!"]]},
                                       ["{@string.concat}"]]},
                            ["{@array.push}"]]}
        assert run([[["a", "b"], []], body]) == ["a!", "b!"]

    def test_outer_references_still_work_inside_a_reduce(self) -> None:
        rows = [[[1, 2], []], collect("{a.output.data.n}")]
        assert run(rows) == [5, 5]

    def test_reduce_as_first_row_gives_an_empty_prior(self) -> None:
        rows = [{"@reduce": [["{$item}"]]}, ["{@math.max}"]]
        assert run(rows) == -math.inf

    def test_reduce_consumes_prior_not_the_nested_queue(self) -> None:
        rows = [[[1, 2], 0], {"@pipe": [["queued"]]},
                {"@reduce": [{"@pipe": [["{$output}"]]}, {"@pipe": [["{$item}"]]},
                             ["{@math.add}"]]},
                ["{@string.concat}"]]
        # the reduce folds [1, 2] into 3; the next plain row takes the queued value instead
        assert run(rows) == "queued"

    def test_reduce_mutations_reach_the_initial_object(self) -> None:
        initial: list[Any] = []
        assert run([[[1], initial], collect("{$item}")]) is initial
        assert initial == [1]
