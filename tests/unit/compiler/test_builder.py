"""The deployer's pure steps: dependency analysis, job paths, back references, artifacts."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from hotmesh_pg.engine.compiler import compile_app, load_app
from hotmesh_pg.engine.compiler.builder import (
    group_mapping_rules,
    is_mapping_statement,
    job_map_paths,
    js_sorted,
    mapping_statements,
    resolve_mappable_value,
    utf16_len,
)


@pytest.mark.parametrize(
    ("statement", "group", "path"),
    [
        ("{a1.output.data.x.y}", "a1", "output/data/x/y"),
        ("{a1.output.metadata.au}", "a1", "output/metadata/au"),
        ("{$self.hook.data.id}", "$self", "hook/data/id"),
        ("{a1.hook.whatever.id}", "a1", "hook/data/id"),
        ("{$job.data.a.b}", "$job", "data/a/b"),
        ("{$job.metadata.jid}", "$job", "metadata/jid"),
        ("{a1.output.data}", "a1", "output/data/"),
        ("{a1.output}", "a1", "output/metadata/"),
        ("{a1.other.x.y}", "a1", "undefined/y"),
    ],
)
def test_statement_normalisation(statement: str, group: str, path: str) -> None:
    assert resolve_mappable_value(statement) == (group, path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{a.output.data.x}", True), ("{@date.now}", False), ("{$item}", False),
        ("{$item.sku}", True), ("{t1.input.data.x}", False), ("{a}", True),
        ("x{a.b}", False), ("{a.b}\n", False), ("{}", False), (5, False),
    ],
)
def test_what_counts_as_a_mapping_statement(value: Any, expected: bool) -> None:
    assert is_mapping_statement(value) is expected


def test_statements_are_found_in_values_only_in_js_order() -> None:
    config = {"{k.output.data.key}": "x", "b": ["{b.output.data.1}", {"c": "{c.output.data.2}"}],
              "a": {"@pipe": [["{a.output.data.3}"]]}}
    assert mapping_statements(config) == ["{b.output.data.1}", "{c.output.data.2}",
                                          "{a.output.data.3}"]


def test_grouping_sorts_by_code_units_and_deduplicates() -> None:
    rules = ["{b.output.data.z}", "{a.output.data.y}", "{b.output.data.a}", "{a.output.data.y}",
             "{$job.data.k}"]
    assert group_mapping_rules(rules) == {
        "$job": ["data/k"], "a": ["output/data/y"], "b": ["output/data/a", "output/data/z"],
    }
    assert js_sorted(["\U0001f600", "\uffff"]) == ["\U0001f600", "\uffff"]  # surrogates < FFFF
    assert utf16_len("a\U0001f600") == 3


def test_job_map_paths() -> None:
    maps = {
        "a": "{x}", "nested": {"b": 1, "c": {"d": 2}}, "p": {"@pipe": [["x"]]},
        "slots[3]": "{x}", "marker[-]": {"-m": 1}, "search[_]": {"_s": 1}, "empty[]": "{x}",
        "list": ["{x}", {"y": 1}], "a ": 1,
    }
    assert job_map_paths(maps) == [
        "data/a", "data/nested/b", "data/nested/c/d", "data/p", "data/slots/0", "data/slots/1",
        "data/slots/2", "data/list/0", "data/list/1/y", "data/a ",
    ]
    assert job_map_paths(None) == [] and job_map_paths({}) == []


APP = """
app:
  id: shop
  version: '3'
  graphs:
    - subscribes: order.placed
      publishes: order.done
      expire: 30
      input:
        schema: {type: object, properties: {s: {type: string, default: 'default-value'}}}
      output:
        schema: {type: object}
      activities:
        t1:
          type: trigger
          output:
            maps: {ignored: true}
        a1:
          type: await
          topic: order.child
          expire: 5
          job:
            maps:
              seen: '{$self.output.data.seen}'
              twice: '{$self.output.data.seen}'
        stop:
          type: interrupt
          expire: 9
          reason: '{a1.output.data.why}'
      transitions:
        t1:
          - to: a1
        a1:
          - to: stop
            conditions:
              code: 500
    - subscribes: .private
      activities:
        p1:
          type: trigger
        w1:
          type: worker
          topic: '{p1.output.data.topic}'
        w2:
          type: worker
          topic: static.topic
          subtype: explicit.subtype
      transitions:
        p1:
          - to: w1
          - to: w2
"""


def compiled() -> Any:
    return compile_app(load_app(textwrap.dedent(APP).lstrip()))


def test_back_references_and_expire() -> None:
    schemas = compiled().schemas
    for aid in ("t1", "a1", "stop"):
        assert schemas[aid]["trigger"] == "t1" and schemas[aid]["subscribes"] == "order.placed"
        assert schemas[aid]["publishes"] == "order.done" and schemas[aid]["expire"] == 30
    assert "publishes" not in schemas["w1"] and "expire" not in schemas["w1"]
    assert schemas["stop"]["interrupt_expire"] == 9  # deviation 8
    assert "interrupt_expire" not in schemas["a1"]


def test_trigger_gets_the_graph_schemas() -> None:
    t1 = compiled().schemas["t1"]
    assert t1["output"] == {"schema": {"type": "object", "properties": {
        "s": {"type": "string", "default": "default-value"}}}}
    assert t1["job"] == {"schema": {"type": "object"}}
    assert t1["PRODUCES"] == ["data/seen", "data/twice"]


def test_parents_ancestors_subtypes() -> None:
    schemas = compiled().schemas
    assert schemas["stop"]["ancestors"] == ["t1", "a1"] and schemas["stop"]["parent"] == "a1"
    assert schemas["a1"]["subtype"] == "order.child"
    assert schemas["w2"]["subtype"] == "explicit.subtype"
    assert "transitions" not in schemas["a1"]


def test_self_references_become_produces() -> None:
    schemas = compiled().schemas
    assert schemas["a1"]["consumes"] == {"$self": ["output/data/seen"]}
    assert schemas["a1"]["produces"] == ["output/data/why", "output/data/seen"]


def test_transitions_subscriptions_and_worker_topics() -> None:
    out = compiled()
    assert out.subscriptions == {"order.placed": "t1", ".private": "p1"}
    assert out.transitions == {
        ".t1": {"a1": True}, ".a1": {"stop": {"code": 500}},
        ".private": {"p1": True}, ".p1": {"w1": True, "w2": True},
    }
    assert out.worker_topics == ["explicit.subtype"]
    assert out.symbol_values == ["default-value"]


def test_symbol_targets_in_deploy_order() -> None:
    targets = [(t.name, t.kind) for t in compiled().symbol_targets]
    assert targets == [("$order.placed", "JOB"), ("t1", "ACTIVITY"), ("a1", "ACTIVITY"),
                       ("stop", "ACTIVITY"), ("$.private", "JOB"), ("p1", "ACTIVITY"),
                       ("w1", "ACTIVITY"), ("w2", "ACTIVITY")]
    a1 = next(t for t in compiled().symbol_targets if t.name == "a1")
    assert a1.paths == ["a1/output/data/why", "a1/output/data/seen"]


def test_huge_slot_counts_are_clamped_past_the_job_range() -> None:
    assert len(job_map_paths({"s[99999999]": 1})) == 261
