"""OpenTelemetry spans for jobs, activities and stream messages (runtime.md 9.4).

Only the OpenTelemetry *API* is used; the application installs and configures the SDK. When
``opentelemetry`` is not importable every method here is a no-op, and when it is importable
but no SDK is configured the API's own non-recording spans make it nearly free.

Trace context travels inside job state and stream messages, not in process memory: a span's
parent is rebuilt from ``(trc, spn)`` hex ids as a remote, sampled span context, so one trace
links a job's activities across engines and workers. Span ids are persisted by the engine as
``<aid>/output/metadata/l1s`` and ``l2s``
(:meth:`TelemetryService.bind_activity_telemetry_to_state`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

try:  # the ``otel`` extra
    from opentelemetry import context as otel_context
    from opentelemetry import trace as otel_trace

    _OTEL = True
except ImportError:  # pragma: no cover - exercised only without the extra
    _OTEL = False

__all__ = ["TelemetryService", "otel_available"]

TRACER_NAME = "hotmesh_pg"
_INVALID_TRACE = "0" * 32
_INVALID_SPAN = "0" * 16

JSONDict = dict[str, Any]


def otel_available() -> bool:
    """True when the OpenTelemetry API is importable (spans may be recorded)."""
    return _OTEL


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("hotmesh-pg")
    except Exception:  # an uninstalled checkout still traces
        return "0"


_TRACER_VERSION = _version()


_TRACER: Any = None


def _tracer() -> Any:
    """The package tracer, made once (the API's proxy follows a provider installed later)."""
    global _TRACER
    if _TRACER is None:
        _TRACER = otel_trace.get_tracer(TRACER_NAME, _TRACER_VERSION)
    return _TRACER


def _attr_value(value: Any) -> Any:
    """An OpenTelemetry-legal attribute value (scalars kept, anything else as JSON)."""
    if isinstance(value, str | bool | int | float):
        return value
    try:
        return json.dumps(value, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        return str(value)


def _attrs(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _attr_value(v) for k, v in raw.items() if v is not None}


def _activity_kind(activity_type: str) -> str:
    # HotMesh's legacy name for the hook activity was ``activity``.
    return "hook" if activity_type == "activity" else activity_type


class TelemetryService:
    """Spans of one job step: the job span, an activity span and/or a stream span.

    ``config`` is the activity's compiled schema (``type``, ``subscribes``, ``parent``,
    ``telemetry``), ``metadata`` its activity metadata (``aid``, ...), and ``context`` the job
    state dict (``metadata``, ``$self``, and the parent activity by id). Stream spans need
    none of them.
    """

    def __init__(
        self,
        app_id: str,
        config: Mapping[str, Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.app_id = app_id
        self.config: Mapping[str, Any] = config or {}
        self.metadata: Mapping[str, Any] = metadata or {}
        self.context: dict[str, Any] = context if context is not None else {}
        self.span: Any = None
        self.job_span: Any = None
        self.trace_id: str | None = None
        self.span_id: str | None = None
        self.leg = 1

    # -- span construction ----------------------------------------------------------------
    def _parent_context(self) -> Any:
        if not (_OTEL and self.trace_id and self.span_id):
            return None
        try:
            restored = otel_trace.SpanContext(
                trace_id=int(self.trace_id, 16),
                span_id=int(self.span_id, 16),
                is_remote=True,
                trace_flags=otel_trace.TraceFlags(otel_trace.TraceFlags.SAMPLED),
            )
        except (TypeError, ValueError):  # ids from a foreign or corrupted message
            return None
        if not restored.is_valid:
            return None
        return otel_trace.set_span_in_context(
            otel_trace.NonRecordingSpan(restored), otel_context.get_current()
        )

    def start_span(
        self, trace_id: str | None, span_id: str | None, name: str, attributes: Mapping[str, Any]
    ) -> Any:
        """A CLIENT span, child of the remote ``(trace_id, span_id)`` when both are given."""
        self.trace_id = trace_id
        self.span_id = span_id
        if not _OTEL:
            return None
        parent = self._parent_context()
        if parent is None:
            # A root span: ignore any span that happens to be current in this task.
            parent = otel_context.Context()
        span = _tracer().start_span(name, context=parent, kind=otel_trace.SpanKind.CLIENT)
        if span.is_recording():  # without an SDK, skip building attributes at all
            span.set_attributes(_attrs(attributes))
        return span

    def start_job_span(self) -> TelemetryService:
        name = f"JOB/{self.app_id}/{self.config.get('subscribes')}/1"
        meta = self._job_metadata()
        span = self.start_span(meta.get("trc"), meta.get("spn"), name, self._span_attrs(1))
        self.job_span = span
        self._set_telemetry_context(span, 1)
        return self

    def start_activity_span(self, leg: int | None = None) -> TelemetryService:
        leg = self.leg if leg is None else leg
        kind = str(self.config.get("type", "activity")).upper()
        name = f"{kind}/{self.app_id}/{self.metadata.get('aid')}/{leg}"
        span = self.start_span(
            self._job_metadata().get("trc"), self._activity_parent_span_id(leg), name,
            self._span_attrs(leg),
        )
        self._set_telemetry_context(span, leg)
        self.span = span
        return self

    def start_stream_span(self, data: Mapping[str, Any], role: str) -> TelemetryService:
        """The span of one stream message handled by a router of ``role``."""
        if role == "system":
            kind = "SYSTEM"
        elif role == "worker":
            kind = "EXECUTE"
        elif data.get("type") in ("result", "response"):
            kind = "FANIN"
        else:
            kind = "FANOUT"
        meta = data.get("metadata") or {}
        topic = f"/{meta['topic']}" if meta.get("topic") else ""
        name = f"{kind}/{self.app_id}/{meta.get('aid')}{topic}"
        attributes = {f"app.stream.{k}": v for k, v in meta.items() if k not in ("trc", "spn")}
        self.span = self.start_span(meta.get("trc"), meta.get("spn"), name, attributes)
        return self

    # -- attributes and status --------------------------------------------------------------
    def _job_metadata(self) -> dict[str, Any]:
        meta = self.context.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
            self.context["metadata"] = meta
        return meta

    def _self_output_metadata(self) -> dict[str, Any]:
        me = self.context.setdefault("$self", {})
        output = me.setdefault("output", {})
        meta = output.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
            output["metadata"] = meta
        return meta

    def _activity_parent_span_id(self, leg: int) -> str | None:
        if leg == 1:
            parent = self.context.get(str(self.config.get("parent")), {}) or {}
            value = ((parent.get("output") or {}).get("metadata") or {}).get("l2s")
        else:
            me = self.context.get("$self", {}) or {}
            value = ((me.get("output") or {}).get("metadata") or {}).get("l1s")
        return value if isinstance(value, str) else None

    def _span_attrs(self, leg: int) -> dict[str, Any]:
        attributes = {
            f"app.job.{k}": v for k, v in self._job_metadata().items() if k != "trc"
        }
        attributes.update({f"app.activity.{k}": v for k, v in self.metadata.items()})
        attributes["app.activity.leg"] = leg
        return attributes

    def _set_telemetry_context(self, span: Any, leg: int) -> None:
        """Record the new span's ids in job state so later steps can chain to it."""
        if span is None:
            return
        ctx = span.get_span_context()
        if not ctx.is_valid:
            return
        trace_id = otel_trace.format_trace_id(ctx.trace_id)
        span_id = otel_trace.format_span_id(ctx.span_id)
        meta = self._job_metadata()
        if not meta.get("trc"):
            meta["trc"] = trace_id
        self._self_output_metadata()["l1s" if leg == 1 else "l2s"] = span_id

    def map_activity_attributes(self) -> None:
        """Export the activity's YAML ``telemetry`` map as ``app.activity.data.<key>``."""
        rules = self.config.get("telemetry")
        if not rules or self.span is None:
            return
        import importlib

        # COMPILER's mapper, imported only when an activity declares a telemetry map.
        mapper = importlib.import_module("hotmesh_pg.engine.mapper")
        mapped = mapper.map_rules(rules, self.context)
        if isinstance(mapped, Mapping):
            scalars = {
                f"app.activity.data.{k}": v
                for k, v in mapped.items()
                if isinstance(v, str | bool | int | float)
            }
            self.span.set_attributes(scalars)

    def set_activity_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self.span is not None:
            self.span.set_attributes(_attrs(attributes))

    def set_stream_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self.span is not None:
            self.span.set_attributes(_attrs(attributes))

    def set_job_attributes(self, attributes: Mapping[str, Any]) -> None:
        if self.job_span is not None:
            self.job_span.set_attributes(_attrs(attributes))

    def _set_error(self, span: Any, message: str) -> None:
        if span is not None:
            span.set_status(otel_trace.Status(otel_trace.StatusCode.ERROR, message))

    def set_activity_error(self, message: str) -> None:
        self._set_error(self.span, message)

    def set_stream_error(self, message: str) -> None:
        self._set_error(self.span, message)

    def end_job_span(self) -> None:
        if self.job_span is not None:
            self.job_span.end()

    def end_activity_span(self) -> None:
        if self.span is not None:
            self.span.end()

    end_stream_span = end_activity_span

    # -- persisting trace context through job state ---------------------------------------
    @staticmethod
    def add_target_telemetry_paths(
        consumes: dict[str, list[str]],
        config: Mapping[str, Any],
        metadata: Mapping[str, Any],
        leg: int,
    ) -> None:
        """Add the job-state paths a step must read to find its parent span id."""
        if leg == 1:
            parent = str(config.get("parent"))
            consumes.setdefault(parent, []).append(f"{parent}/output/metadata/l2s")
        else:
            aid = str(metadata.get("aid"))
            consumes.setdefault(aid, []).append(f"{aid}/output/metadata/l1s")

    @staticmethod
    def bind_job_telemetry_to_state(
        state: dict[str, Any], config: Mapping[str, Any], context: Mapping[str, Any]
    ) -> None:
        """A trigger persists the job's trace id (absent when nothing was traced)."""
        if config.get("type") == "trigger":
            trc = (context.get("metadata") or {}).get("trc")
            if trc:
                state["metadata/trc"] = trc

    @staticmethod
    def bind_activity_telemetry_to_state(
        state: dict[str, Any],
        config: Mapping[str, Any],
        metadata: Mapping[str, Any],
        context: Mapping[str, Any],
        leg: int,
    ) -> None:
        """Persist this step's span id(s); single-leg activities store ``l1s`` as both."""
        aid = metadata.get("aid")
        meta = (((context.get("$self") or {}).get("output") or {}).get("metadata")) or {}
        kind = _activity_kind(str(config.get("type")))
        values: dict[str, Any]
        if kind == "trigger":
            values = {"l1s": meta.get("l1s"), "l2s": meta.get("l2s")}
        elif kind in ("hook", "signal") and leg == 1:
            values = {"l1s": meta.get("l1s"), "l2s": meta.get("l1s")}
        else:
            target = f"l{leg}s"
            values = {target: meta.get(target)}
        for name, value in values.items():
            if value:
                state[f"{aid}/output/metadata/{name}"] = value
