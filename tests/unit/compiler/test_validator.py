"""Each validation check, with the file/line/activity/field it reports."""

from __future__ import annotations

import textwrap

import pytest

from hotmesh_pg.engine.compiler import compile_app, load_app
from hotmesh_pg.errors import ValidationError

BASE = """
app:
  id: shop
  version: '1'
  graphs:
    - subscribes: order.placed
      expire: 60
      activities:
        t1:
          type: trigger
          stats:
            id: '{$self.input.data.id}'
        a1:
          type: worker
          topic: order.work
          input:
            maps:
              x: '{t1.output.data.x}'
          job:
            maps:
              y: '{$self.output.data.y}'
        a2:
          type: hook
          job:
            maps:
              z: '{a1.output.data.y}'
        a3:
          type: hook
      transitions:
        t1:
          - to: a1
        a1:
          - to: a2
          - to: a3
"""


def app(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fails(text: str, *, match: str) -> ValidationError:
    with pytest.raises(ValidationError, match=match) as err:
        load_app(app(text))
    return err.value


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(app(text).splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_base_app_is_valid() -> None:
    manifest = load_app(app(BASE))
    assert manifest["app"]["id"] == "shop"
    compile_app(manifest)


def test_unknown_activity_type_names_activity_field_and_line() -> None:
    text = BASE.replace("type: hook\n          job:", "type: hok\n          job:")
    err = fails(text, match="unknown activity type 'hok'")
    assert err.activity == "a2" and err.field == "type"
    assert err.line == line_of(text, "type: hok") and err.file == "<string>"


def test_emit_is_not_an_activity_type() -> None:
    fails(BASE.replace("type: hook\n          job:", "type: emit\n          job:"),
          match="unknown activity type 'emit'")


def test_legacy_activity_type_is_accepted_and_becomes_hook() -> None:
    text = BASE.replace("type: hook\n          job:", "type: activity\n          job:")
    manifest = load_app(app(text))
    assert compile_app(manifest).schemas["a2"]["type"] == "hook"


def test_transition_to_missing_activity() -> None:
    text = BASE.replace("- to: a3", "- to: a9")
    err = fails(text, match="transition to missing activity 'a9'")
    assert err.activity == "a1" and err.field == "transitions.a1[1].to"
    assert err.line == line_of(text, "- to: a9")


def test_transition_from_missing_activity() -> None:
    fails(BASE + "        zz:\n          - to: a3\n", match="transition from 'zz'")


def test_duplicate_activity_id_across_graphs() -> None:
    text = BASE + """
    - subscribes: other
      activities:
        a1:
          type: trigger
"""
    err = fails(text, match="Duplicate activity id found: a1")
    assert err.activity == "a1"


def test_duplicate_activity_id_in_one_graph_is_a_duplicate_key() -> None:
    fails(BASE.replace("        a3:\n          type: hook\n",
                       "        a3:\n          type: hook\n        a2:\n          type: hook\n"),
          match="duplicated mapping key 'a2'")


def test_duplicate_subscribes_topic() -> None:
    text = BASE + """
    - subscribes: order.placed
      activities:
        b1:
          type: trigger
"""
    err = fails(text, match="duplicate subscribes topic 'order.placed'")
    lines = app(text).splitlines()
    assert err.line == max(i for i, ln in enumerate(lines, 1) if "subscribes: order.placed" in ln)


@pytest.mark.parametrize("kind", ["worker", "await"])
def test_worker_or_await_without_topic(kind: str) -> None:
    text = BASE.replace("          type: worker\n          topic: order.work\n",
                        f"          type: {kind}\n")
    err = fails(text, match=f"a {kind} activity needs a 'topic'")
    assert err.activity == "a1" and err.field == "topic"


def test_signal_without_topic() -> None:
    fails(BASE.replace("        a3:\n          type: hook", "        a3:\n          type: signal"),
          match="signal activity needs a hook 'topic'")


def test_reference_to_a_sibling_is_not_upstream() -> None:
    text = BASE.replace("        a3:\n          type: hook\n",
                        "        a3:\n          type: hook\n          output:\n            maps:\n"
                        "              w: '{a2.output.data.z}'\n")
    err = fails(text, match="references activity 'a2', which is not upstream of activity 'a3'")
    assert err.activity == "a3" and err.field == "output.maps.w"
    assert err.line == line_of(text, "w: '{a2.output.data.z}'")


def test_reference_to_a_descendant_is_not_upstream() -> None:
    text = BASE.replace("x: '{t1.output.data.x}'", "x: '{a2.output.data.x}'")
    fails(text, match="not upstream of activity 'a1'")


def test_reference_to_another_graph_is_not_upstream() -> None:
    text = BASE.replace("x: '{t1.output.data.x}'", "x: '{b1.output.data.x}'") + """
    - subscribes: other
      activities:
        b1:
          type: trigger
"""
    fails(text, match="'b1', which is not upstream")


def test_reference_to_unknown_activity() -> None:
    fails(BASE.replace("{t1.output.data.x}", "{nobody.output.data.x}"),
          match="Mapping statement references non-existent activity: {nobody.output.data.x}")


def test_transition_conditions_are_checked_in_the_parent_context() -> None:
    text = BASE.replace("""        a1:
          - to: a2""", """        a1:
          - to: a2
            conditions:
              match:
                - expected: true
                  actual: '{a3.output.data.ok}'""")
    err = fails(text, match="not upstream of activity 'a1'")
    assert err.field == "transitions.a1[0].conditions.match[0].actual"


def test_graph_expire_may_only_reference_the_trigger() -> None:
    fails(BASE.replace("expire: 60", "expire: '{a1.output.data.ttl}'"),
          match="not upstream of the graph 'expire'")
    load_app(app(BASE.replace("expire: 60", "expire: '{t1.output.data.ttl}'")))


def test_reduce_variables_with_paths_are_accepted() -> None:
    text = BASE.replace("z: '{a1.output.data.y}'", """z:
                '@pipe':
                  - ['{a1.output.data.lines}', {}]
                  - '@reduce':
                      - '@pipe': [['{$output}']]
                      - '@pipe': [['{$item.sku}']]
                      - '@pipe': [['{$item.qty}']]
                      - ['{@object.set}']""")
    compile_app(load_app(app(text)))


@pytest.mark.parametrize(
    ("pipe", "message"),
    [
        ("'@pipe': nope", "expected a non-empty list of rows"),
        ("'@pipe': []", "expected a non-empty list of rows"),
        ("'@pipe': [['{a1.output.data.y}'], ['{a1.output.data.y}']]",
         "row 1 must start with a function"),
        ("'@pipe': [['{a1.output.data.y}'], []]", "row 1 is empty"),
        ("'@pipe': [['{a1.output.data.y}'], 'text']", "row 1 must be a list"),
        ("'@pipe': [{'@pipe': [['a']]}]", "no plain row follows the nested pipes"),
        ("'@pipe': [[1], [7]]", "row 1 must start with a function"),
    ],
)
def test_malformed_pipes(pipe: str, message: str) -> None:
    text = BASE.replace("z: '{a1.output.data.y}'", f"z:\n                {pipe}")
    err = fails(text, match=f"malformed @pipe: {message}")
    assert err.activity == "a2"
    assert err.field is not None and err.field.startswith("job.maps.z.@pipe")


def test_nested_pipe_fan_in_is_well_formed() -> None:
    text = BASE.replace("z: '{a1.output.data.y}'", """z:
                '@pipe':
                  - '@pipe': [['a']]
                  - '@pipe': [['b']]
                  - ['{@conditional.equality}']""")
    load_app(app(text))


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("{@nodomain.fn}", "Unknown domain name"),
        ("{@conditional.nope}", "Unknown domain function"),
        ("{@conditional}", "Unknown domain function"),
    ],
)
def test_unknown_pipe_functions(cell: str, message: str) -> None:
    text = BASE.replace("z: '{a1.output.data.y}'",
                        f"z:\n                '@pipe': [['a'], ['{cell}']]")
    err = fails(text, match=f"unknown pipe function .*{message}")
    assert err.field == "job.maps.z.@pipe[1][0]"


def test_function_cells_outside_pipes_are_checked_too() -> None:
    fails(BASE.replace("'{a1.output.data.y}'", "'{@nodomain.now}'"),
          match="Unknown domain name")


CYCLE = """
app:
  id: loop
  version: '1'
  graphs:
    - subscribes: loop
      activities:
        t1:
          type: trigger
        pivot:
          type: hook
        work:
          type: worker
          topic: w
        again:
          type: cycle
          ancestor: pivot
        side:
          type: hook
      transitions:
        t1:
          - to: pivot
          - to: side
        pivot:
          - to: work
        work:
          - to: again
"""


def test_cycle_to_an_ancestor_compiles_and_flags_the_target() -> None:
    compiled = compile_app(load_app(app(CYCLE)))
    assert compiled.schemas["pivot"]["cycle"] is True


def test_cycle_whose_ancestor_is_not_upstream() -> None:
    err = fails(CYCLE.replace("ancestor: pivot", "ancestor: side"),
                match="cycle ancestor 'side' is not upstream of 'again'")
    assert err.activity == "again" and err.field == "ancestor"


def test_cycle_whose_ancestor_is_missing() -> None:
    fails(CYCLE.replace("ancestor: pivot", "ancestor: ghost"),
          match="cycle 'ancestor' 'ghost' is not an activity")


def test_transition_loops_must_use_cycle_activities() -> None:
    fails(CYCLE + "        again:\n          - to: pivot\n", match="transitions loop back")


def test_unreachable_activity() -> None:
    fails(CYCLE.replace("          - to: side\n", ""), match="'side' is not reachable")


@pytest.mark.parametrize("version", ["1", "1.5", "true"])
def test_version_must_be_a_string(version: str) -> None:
    err = fails(BASE.replace("version: '1'", f"version: {version}"),
                match="app.version must be a string")
    assert err.field == "app.version"


def test_graph_without_trigger() -> None:
    fails(BASE.replace("type: trigger", "type: hook"), match="has no activity of type 'trigger'")


def test_graph_with_two_triggers() -> None:
    fails(BASE.replace("        a3:\n          type: hook", "        a3:\n          type: trigger"),
          match="2 triggers")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("app:\n  id: shop", "app:\n  id: 'bad id'", "app.id must be"),
        ("    - subscribes: order.placed\n", "    - publishes: x\n", "needs a 'subscribes'"),
        ("          input:\n            maps:",
         "          input: 3\n          inputs:\n            maps:", "'input' must be a mapping"),
    ],
)
def test_shape_errors(old: str, new: str, message: str) -> None:
    fails(BASE.replace(old, new), match=message)


def test_document_without_app_section() -> None:
    with pytest.raises(ValidationError, match="'app:' section"):
        load_app("app: 3\n")


HOOKS = BASE + """      hooks:
        order.approved:
          - to: a3
            conditions:
              match:
                - expected: '{$job.metadata.jid}'
                  actual: '{$self.hook.data.id}'
"""


def test_hook_rules_compile_and_set_the_hook_topic() -> None:
    compiled = compile_app(load_app(app(HOOKS)))
    assert compiled.schemas["a3"]["hook"] == {"topic": "order.approved"}


def test_hook_rule_to_missing_activity() -> None:
    fails(HOOKS.replace("- to: a3\n            conditions", "- to: a7\n            conditions"),
          match="targets missing activity 'a7'")


def test_hook_actual_is_resolved_against_the_signal() -> None:
    fails(HOOKS.replace("actual: '{$self.hook.data.id}'", "actual: '{t1.output.data.id}'"),
          match=r"must start with \$self or \$hook")


def test_hook_expected_must_be_upstream_of_the_target() -> None:
    fails(HOOKS.replace("expected: '{$job.metadata.jid}'", "expected: '{a2.output.data.z}'"),
          match="not upstream of activity 'a3'")


def test_dict_manifests_are_validated_too() -> None:
    with pytest.raises(ValidationError, match=r"app\.version must be a string"):
        compile_app({"app": {"id": "x1", "version": 1, "graphs": []}})
    deep: dict[str, object] = {}
    node = deep
    for _ in range(100):
        node["n"] = {}
        node = node["n"]  # type: ignore[assignment]
    with pytest.raises(ValidationError, match="nests deeper"):
        compile_app({"app": deep})


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("subscribes: order.placed", "subscribes: 'order::placed'"),
        ("topic: order.work", "topic: 'order::work'"),
        ("order.approved:", "'order::approved':"),
    ],
)
def test_topics_may_not_contain_the_value_separator(old: str, new: str) -> None:
    fails(HOOKS.replace(old, new), match="may not contain '::'")


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        ("granularity: 2h", "stats.granularity must be one of"),
        ("measures: count", "stats.measures must be a list"),
        ("measures:\n              - measure: median\n                target: '{t1.input.data.x}'",
         "each stats measure needs"),
        ("measures:\n              - measure: sum", "each stats measure needs"),
    ],
)
def test_stats_shape(stats: str, message: str) -> None:
    text = BASE.replace("            id: '{$self.input.data.id}'",
                        f"            id: '{{$self.input.data.id}}'\n            {stats}")
    err = fails(text, match=message)
    assert err.activity == "t1"


def test_stats_measures_that_are_valid() -> None:
    old = "            id: '{$self.input.data.id}'"
    text = BASE.replace(old, old + """
            key: '{$self.input.data.region}'
            granularity: infinity
            measures:
              - measure: count
                target: '{t1.input.data.status}'
              - measure: max
                target: '{t1.input.data.amount}'""")
    load_app(app(text))


@pytest.mark.parametrize("retry", ["3", "{'500': 3}", "{'500': ['x']}", "{'500': []}"])
def test_retry_shape(retry: str) -> None:
    text = BASE.replace("          topic: order.work\n",
                        f"          topic: order.work\n          retry: {retry}\n")
    err = fails(text, match="retry must map error codes")
    assert err.activity == "a1" and err.field == "retry"


def test_retry_policy_with_ignored_second_element() -> None:
    load_app(app(BASE.replace("          topic: order.work\n",
                              "          topic: order.work\n          retry: {'500': [3, x]}\n")))


def test_job_map_slots_beyond_the_job_range() -> None:
    text = BASE.replace("y: '{$self.output.data.y}'", "'y[100000000]': '{$self.output.data.y}'")
    err = fails(text, match="exceed the 260 data fields")
    assert err.field == "job.maps.y[100000000]"
    compile_app(load_app(app(BASE.replace("y: '{$self.output.data.y}'",
                                          "'y[25]': '{$self.output.data.y}'"))))
