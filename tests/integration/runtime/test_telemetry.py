"""OpenTelemetry spans of the router and of job / activity steps (runtime.md 9.4)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.engine.router import WORKER_GROUP, Router
from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.telemetry import TelemetryService

from .helpers import collect, message

TOPIC = "calc.execute"
TRC = "4bf92f3577b34da6a3ce929d0e0e4736"
SPN = "00f067aa0ba902b7"

_EXPORTER = InMemorySpanExporter()


def _install() -> None:
    """Record spans in memory, whether or not some other test set a provider first."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    if not getattr(provider, "_hotmesh_test_exporter", False):
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        provider._hotmesh_test_exporter = True  # type: ignore[attr-defined]


@pytest.fixture
def spans() -> Any:
    _install()
    _EXPORTER.clear()

    def finished(prefix: str = "") -> list[ReadableSpan]:
        return [s for s in _EXPORTER.get_finished_spans() if s.name.startswith(prefix)]

    return finished


async def test_worker_stream_span_chains_to_the_sender(
    rt_providers: Providers, rt_ns: str, spans: Any
) -> None:
    app = "app" + secrets.token_hex(3)
    router = Router(app, rt_ns, "g1", "worker", rt_providers, topic=TOPIC, block_time_ms=200)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"ok": True}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, "g1", callback)
    sent = message(TOPIC, {})
    sent["metadata"].update({"trc": TRC, "spn": SPN})
    await rt_providers.stream.publish(Key.stream(rt_ns, app, TOPIC), [sent])
    try:
        await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    (span,) = spans("EXECUTE/")
    assert span.name == f"EXECUTE/{app}/a1/{TOPIC}"
    assert span.kind is SpanKind.CLIENT
    assert span.context.trace_id == int(TRC, 16)
    assert span.parent is not None and span.parent.span_id == int(SPN, 16)
    attributes = dict(span.attributes or {})
    assert attributes["app.stream.jid"] == sent["metadata"]["jid"]
    assert attributes["app.stream.topic"] == TOPIC
    assert "app.stream.trc" not in attributes and "app.stream.spn" not in attributes
    assert attributes["app.worker.mid"]
    assert span.status.status_code is not StatusCode.ERROR


async def test_error_response_marks_the_stream_span(
    rt_providers: Providers, rt_ns: str, spans: Any
) -> None:
    app = "app" + secrets.token_hex(3)
    router = Router(app, rt_ns, "g1", "worker", rt_providers, topic=TOPIC, block_time_ms=200)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "error", "code": 503, "data": {"message": "down"}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, "g1", callback)
    await rt_providers.stream.publish(Key.stream(rt_ns, app, TOPIC), [message(TOPIC, {})])
    try:
        await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    (span,) = spans("EXECUTE/")
    assert span.parent is None  # no trc/spn in the message: a root span
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "Function Status Code 503"


async def test_dead_letter_has_a_system_span(rt_open: Any, rt_ns: str, spans: Any) -> None:
    clock = ManualClock()
    providers = await rt_open(clock)
    app = "app" + secrets.token_hex(3)
    router = Router(app, rt_ns, "g1", "worker", providers, topic=TOPIC,
                    reclaim_delay_ms=1000, reclaim_count=1)
    stream = Key.stream(rt_ns, app, TOPIC)
    await providers.stream.create_group(stream, WORKER_GROUP)
    await providers.stream.publish(stream, [message(TOPIC, {})])
    for consumer in ("dead-1", "dead-2"):
        if consumer == "dead-1":
            await providers.stream.consume(stream, WORKER_GROUP, consumer, 1, 2000)
        else:
            await router.claim_unacknowledged(stream, WORKER_GROUP, consumer)
        clock.advance(1001)
    await router.claim_unacknowledged(stream, WORKER_GROUP, "g1")
    (span,) = spans("SYSTEM/")
    assert span.name == f"SYSTEM/{app}/a1/{TOPIC}"
    assert span.status.description == "Stream Message Max Delivery Count Exceeded"
    assert dict(span.attributes or {})["app.worker.mid"]


def test_engine_stream_spans_are_fanin_for_answers_and_fanout_otherwise(spans: Any) -> None:
    data = {"type": "response", "metadata": {"aid": "a9", "jid": "j"}}
    TelemetryService("calc").start_stream_span(data, "engine").end_stream_span()
    TelemetryService("calc").start_stream_span({"metadata": {"aid": "a9"}}, "engine") \
        .end_stream_span()
    assert [s.name for s in spans()] == ["FANIN/calc/a9", "FANOUT/calc/a9"]


def test_job_and_activity_spans_record_their_ids_in_job_state(spans: Any) -> None:
    context: dict[str, Any] = {"metadata": {"jid": "j1", "tpc": "calculate"},
                               "$self": {"output": {}}}
    config = {"type": "trigger", "subscribes": "calculate"}
    job = TelemetryService("calc", config, {"aid": "t1"}, context)
    job.start_job_span()
    job.set_job_attributes({"app.job.jss": 1})
    job.end_job_span()
    trc = context["metadata"]["trc"]
    job_span_id = context["$self"]["output"]["metadata"]["l1s"]
    assert len(trc) == 32 and len(job_span_id) == 16

    # leg 1 of the next activity chains to its parent's leg-2 span, in the job's trace
    context = {"metadata": {"jid": "j1", "trc": trc}, "$self": {"output": {}},
               "t1": {"output": {"metadata": {"l2s": job_span_id}}}}
    step = TelemetryService("calc", {"type": "worker", "parent": "t1"}, {"aid": "w1"}, context)
    step.start_activity_span(1)
    step.set_activity_attributes({"app.activity.mids": ["1-0", "2-0"]})
    step.end_activity_span()
    (activity,) = spans("WORKER/")
    assert activity.name == "WORKER/calc/w1/1"
    assert format(activity.context.trace_id, "032x") == trc
    assert activity.parent is not None and format(activity.parent.span_id, "016x") == job_span_id
    attributes = dict(activity.attributes or {})
    assert attributes["app.activity.mids"] == '["1-0","2-0"]'
    assert attributes["app.job.jid"] == "j1" and attributes["app.activity.leg"] == 1
    assert "app.job.trc" not in attributes
    l1s = context["$self"]["output"]["metadata"]["l1s"]
    assert l1s == format(activity.context.span_id, "016x")
    _EXPORTER.clear()

    # leg 2 of a worker activity chains to its own leg-1 span
    leg2_context = {"metadata": {"trc": trc}, "$self": {"output": {"metadata": {"l1s": l1s}}}}
    leg2 = TelemetryService("calc", {"type": "worker"}, {"aid": "w1"}, leg2_context)
    leg2.start_activity_span(2)
    leg2.set_activity_error("boom")
    leg2.end_activity_span()
    (span,) = spans("WORKER/")
    assert span.name == "WORKER/calc/w1/2"
    assert span.parent is not None and format(span.parent.span_id, "016x") == l1s
    assert span.status.description == "boom"

    state: dict[str, Any] = {}
    TelemetryService.bind_job_telemetry_to_state(state, config, leg2_context)
    TelemetryService.bind_activity_telemetry_to_state(state, {"type": "hook"}, {"aid": "h1"},
                                                      leg2_context, 1)
    assert state == {"metadata/trc": trc, "h1/output/metadata/l1s": l1s,
                     "h1/output/metadata/l2s": l1s}
    consumes: dict[str, list[str]] = {}
    TelemetryService.add_target_telemetry_paths(consumes, {"parent": "t1"}, {"aid": "w1"}, 1)
    TelemetryService.add_target_telemetry_paths(consumes, {"parent": "t1"}, {"aid": "w1"}, 2)
    assert consumes == {"t1": ["t1/output/metadata/l2s"], "w1": ["w1/output/metadata/l1s"]}


def test_foreign_or_corrupt_trace_ids_start_a_root_span(spans: Any) -> None:
    data = {"metadata": {"aid": "a1", "trc": "not-hex", "spn": "zz"}}
    TelemetryService("calc").start_stream_span(data, "worker").end_stream_span()
    (span,) = spans()
    assert span.parent is None


def test_without_opentelemetry_everything_is_a_no_op(monkeypatch: pytest.MonkeyPatch,
                                                     spans: Any) -> None:
    import hotmesh_pg.telemetry as telemetry

    monkeypatch.setattr(telemetry, "_OTEL", False)
    context: dict[str, Any] = {"metadata": {"jid": "j1"}, "$self": {"output": {}}}
    service = TelemetryService("calc", {"type": "trigger", "subscribes": "t"}, {"aid": "t1"},
                               context)
    service.start_job_span().start_activity_span(1)
    service.set_activity_attributes({"a": 1})
    service.set_activity_error("x")
    service.end_activity_span()
    service.end_job_span()
    stream = TelemetryService("calc").start_stream_span({"metadata": {"aid": "a"}}, "worker")
    stream.set_stream_error("y")
    stream.end_stream_span()
    assert spans() == []
    assert "trc" not in context["metadata"]  # nothing traced, nothing persisted
    state: dict[str, Any] = {}
    TelemetryService.bind_job_telemetry_to_state(state, {"type": "trigger"}, context)
    assert state == {}
