"""A job run end to end produces HotMesh's job and activity spans, chained in one trace."""

from __future__ import annotations

from typing import Any

from functional_support import Factory, app_path
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_EXPORTER = InMemorySpanExporter()


def _install() -> None:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    if not getattr(provider, "_hotmesh_functional_exporter", False):
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        provider._hotmesh_functional_exporter = True  # type: ignore[attr-defined]


async def test_job_and_activity_spans_share_the_job_trace(start_hotmesh: Factory) -> None:
    _install()
    _EXPORTER.clear()

    async def summer(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": {**stream_data["metadata"]}, "data": {"result": "ok"}}

    hm = await start_hotmesh("tree", workers=[{"topic": "summer", "callback": summer}])
    await hm.deploy(app_path("tree", "v2", "hotmesh.yaml"))
    assert await hm.activate("2")
    result = await hm.pubsub("spring", {"seed": 2, "speed": 3}, None, 10)
    jid = result["metadata"]["jid"]
    trc = result["metadata"]["trc"]
    assert trc  # the trigger persisted the job's trace id
    mine = [s for s in _EXPORTER.get_finished_spans()
            if s.attributes and s.attributes.get("app.job.jid") == jid]
    names = {s.name for s in mine}
    assert "JOB/tree/spring/1" in names
    assert "TRIGGER/tree/tree/2" in names
    assert {"HOOK/tree/shine/1", "HOOK/tree/prune/1"} <= names
    assert {s.context.trace_id for s in mine} == {int(trc, 16)}
