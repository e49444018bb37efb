"""Durable workers: run workflow functions by replay and activities on their streams.

``Worker.create`` starts one HotMesh instance for the namespace with two topic workers per
workflow function: ``{task_queue}-{name}`` (the workflow, driven by the durable graph's
``worker`` / ``signaler_worker`` activities) and ``{task_queue}-{name}-activity`` (its
proxied activities). The workflow callback rebuilds the history from the job hash, runs
the function from the top in a fresh context, and turns what happened into the status
code the graph routes on (durable.md 2.2).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import (
    DurableInterruption,
)
from .activities import (
    error_dict,
    execute_activity,
    failure_code,
    register_activities,
    registered,
)
from .context import WorkflowContext, current
from .engines import DEFAULT_NAMESPACE, ENGINES, job_key, store_of
from .interruptions import did_interrupt
from .markers import Replay, encode_value, session_id, timestamp
from .options import WorkflowSearchOptions
from .search import configure_search_index
from .signals import claim_buffered, watch_waiters

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["MAX_COLLATED_ITEMS", "Worker"]

log = logging.getLogger("hotmesh_pg.durable")

MAX_COLLATED_ITEMS = 25
"""Items per collator job (the graph's slot map); larger gathers run in several batches."""

MAX_INLINE_RERUNS = 8
"""Re-runs in one delivery when buffered signals satisfy every pending wait."""

WorkflowFn = Callable[..., Awaitable[Any]]


def _workflows(workflow: Any) -> dict[str, WorkflowFn]:
    if callable(workflow) and not isinstance(workflow, Mapping):
        return {workflow.__name__: workflow}
    if isinstance(workflow, Mapping):
        return {str(name): fn for name, fn in workflow.items()}
    if isinstance(workflow, list | tuple):
        return {fn.__name__: fn for fn in workflow}
    raise TypeError(f"workflow must be a function, a dict or a list of functions, "
                    f"not {type(workflow).__name__}")


class Worker:
    """Runs workflow functions (and their activities) for one task queue."""

    def __init__(self, hotmesh: HotMesh, namespace: str, task_queue: str,
                 workflows: dict[str, WorkflowFn]) -> None:
        self.hotmesh = hotmesh
        self.namespace = namespace
        self.task_queue = task_queue
        self.workflows = workflows

    @classmethod
    async def create(
        cls,
        *,
        connection: str | None = None,
        task_queue: str,
        workflow: Any,
        namespace: str | None = None,
        options: Mapping[str, Any] | None = None,
        search: WorkflowSearchOptions | Mapping[str, Any] | None = None,
        activities: Any = None,
        **engine_kwargs: Any,
    ) -> Worker:
        """Start consuming the workflow (and activity) streams of ``task_queue``.

        ``workflow`` is a function (its ``__name__`` names it), a ``{name: fn}`` dict or a
        list of functions. ``engine_kwargs`` (e.g. ``schema=``) go to ``HotMesh.init``.
        """
        if not task_queue:
            raise ValueError("Worker.create needs a task_queue")
        app_id = namespace or DEFAULT_NAMESPACE
        workflows = _workflows(workflow)
        register_activities(activities)
        options = dict(options or {})
        if options.get("log_level"):
            engine_kwargs.setdefault("log_level", options["log_level"])
        # reclaim settings of the topic workers (ms / count; HotMesh's defaults otherwise)
        reclaim: dict[str, Any] = {
            k: options[k] for k in ("reclaim_delay", "reclaim_count") if k in options}
        slot = _Slot()
        topic_workers: list[dict[str, Any]] = []
        for name, fn in workflows.items():
            topic = f"{task_queue}-{name}"
            topic_workers.append({"topic": topic, "callback": _bind_workflow(slot, name, fn),
                                  **reclaim})
            owner = getattr(fn, "__module__", None)
            register_activities(activities, owner)
            topic_workers.append({"topic": f"{topic}-activity",
                                  "callback": _bind_activity(slot, owner), **reclaim})
        hm = await ENGINES.get(app_id, connection, engine_kwargs, topic_workers,
                               tag=f"worker:{task_queue}:{','.join(workflows)}:{id(slot)}")
        worker = cls(hm, app_id, task_queue, workflows)
        slot.set(worker)
        if search is not None:
            await configure_search_index(hm, app_id, WorkflowSearchOptions.of(search))
        return worker

    async def run(self) -> None:
        """Consumers start in ``create``; kept for API parity."""
        log.info("durable worker running: %s %s", self.task_queue, sorted(self.workflows))

    async def stop(self) -> None:
        await self.hotmesh.stop()

    # -- activities ---------------------------------------------------------------------
    async def run_activity(self, stream_data: Mapping[str, Any],
                           owner: str | None = None) -> dict[str, Any]:
        data = stream_data.get("data") or {}
        name = str(data.get("activityName"))
        args = list(data.get("arguments") or [])
        metadata = stream_data.get("metadata") or {}
        code, payload = await execute_activity(registered(name, owner), name, args)
        return _reply(metadata, code, payload)

    # -- workflows ----------------------------------------------------------------------
    async def run_workflow(
        self, name: str, fn: WorkflowFn, stream_data: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        data = dict(stream_data.get("data") or {})
        metadata = stream_data.get("metadata") or {}
        workflow_id = str(data["workflowId"])
        dimension = str(data.get("workflowDimension") or "")
        store = store_of(self.hotmesh)
        key = job_key(self.hotmesh, self.namespace, workflow_id)
        fields = await store.hgetall(key)
        if not fields:
            log.warning("durable job %s is gone; dropping its worker message", workflow_id)
            return None
        settings: dict[str, Any] = {
            "backoff_coefficient": _number_or_none(data.get("backoffCoefficient")),
            "maximum_attempts": _int_or_none(data.get("maximumAttempts")),
            "maximum_interval": _number_or_none(data.get("maximumInterval")),
        }
        replay = Replay.from_fields(fields, dimension)
        for _ in range(MAX_INLINE_RERUNS):
            ctx = WorkflowContext(
                workflow_id=workflow_id,
                workflow_topic=str(data.get("workflowTopic") or f"{self.task_queue}-{name}"),
                workflow_name=str(data.get("workflowName") or name),
                namespace=self.namespace,
                task_queue=self.task_queue,
                replay=replay,
                hotmesh=self.hotmesh,
                workflow_dimension=dimension,
                origin_job_id=data.get("originJobId") or None,
                can_retry=bool(data.get("canRetry", True)),
                raw=stream_data,
                workflow_trace=metadata.get("trc"),
                workflow_span=metadata.get("spn"),
                activity_owner=getattr(fn, "__module__", None),
                **settings,
            )
            outcome, value = await _invoke(fn, list(data.get("arguments") or []), ctx)
            if outcome == "returned" and not ctx.interruption_registry:
                return _reply(metadata, 200, {"response": value, "done": True})
            if ctx.interruption_registry and (outcome == "returned" or did_interrupt(value)):
                if outcome == "returned":
                    log.warning("workflow %s returned with un-awaited durable calls; they "
                                "were dropped", workflow_id)
                    return _reply(metadata, 200, {"response": value, "done": True})
                reply = await self._package(ctx, metadata)
                if reply is not None:
                    return reply
                continue  # buffered signals satisfied every wait: run again now
            exc = value if isinstance(value, BaseException) else RuntimeError(str(value))
            if isinstance(exc, BaseExceptionGroup):
                exc = exc.exceptions[0]
            code = failure_code(exc)
            return _reply(metadata, code, {"$error": error_dict(exc, code)})
        raise RuntimeError(f"workflow {workflow_id} kept consuming buffered signals")

    async def _package(
        self, ctx: WorkflowContext, metadata: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        items = list(ctx.interruption_registry)
        if not (len(items) == 1 and items[0]["code"] != 595):
            items = await self._take_buffered_signals(ctx, items)
            if not items:
                return None
        common = {
            "workflowDimension": ctx.workflow_dimension,
            "originJobId": ctx.origin_job_id or ctx.workflow_id,
            "parentWorkflowId": ctx.workflow_id,
        }
        if len(items) == 1 and items[0]["code"] != 595:
            item = dict(items[0])
            code = int(item["code"])
            return _reply(metadata, code, {**common, **item, "code": code})
        from ..hotmesh import HotMesh as _HotMesh

        batch = items[:MAX_COLLATED_ITEMS]
        first = min(int(i["index"]) for i in batch)
        watch_waiters(self.hotmesh, self.namespace,
                      [str(i["signalId"]) for i in batch if i["code"] == 595])
        return _reply(metadata, 589, {
            **common,
            "code": 589,
            "items": batch,
            "size": len(batch),
            "index": first,
            # fresh per batch, so a re-collation at the same index never collides
            "workflowId": f"-{ctx.workflow_id}-${ctx.workflow_dimension}-${first}-"
                          f"{_HotMesh.guid()}",
            "workflowTopic": ctx.workflow_topic,
        })

    async def _take_buffered_signals(
        self, ctx: WorkflowContext, items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Satisfy waits from signals that arrived before the wait; return what remains."""
        remaining: list[dict[str, Any]] = []
        store = store_of(self.hotmesh)
        key = job_key(self.hotmesh, self.namespace, ctx.workflow_id)
        for item in items:
            if item["code"] == 595:
                found, data = await claim_buffered(self.hotmesh, self.namespace,
                                                   str(item["signalId"]))
                if found:
                    name = session_id("wait", ctx.workflow_dimension, int(item["index"]))
                    record = {"data": {"id": item["signalId"], "data": data}, "done": True,
                              "ac": timestamp(), "au": timestamp(), "buffered": True}
                    await store.hsetnx(key, name, encode_value(record))
                    ctx.replay.record(name, record)
                    continue
            remaining.append(item)
        return remaining


def _number_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _int_or_none(value: Any) -> int | None:
    number = _number_or_none(value)
    return None if number is None else int(number)


async def _invoke(
    fn: WorkflowFn, args: Sequence[Any], ctx: WorkflowContext
) -> tuple[str, Any]:
    """Run the function in its own context; ``("returned", value)`` or ``("raised", exc)``."""
    context = contextvars.copy_context()
    context.run(current().set, ctx)
    task = asyncio.get_running_loop().create_task(_call(fn, args), context=context)
    try:
        result = await task
        outcome: tuple[str, Any] = ("returned", result)
    except asyncio.CancelledError:
        if task.cancelled() and not asyncio.current_task().cancelling():  # type: ignore[union-attr]
            outcome = ("raised", DurableInterruptionCancelled())
        else:
            raise
    except BaseException as exc:  # interruptions are BaseExceptions by design
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        outcome = ("raised", exc)
    # let sibling calls of a gather register before the registry is read
    size = -1
    for _ in range(50):
        if size == len(ctx.interruption_registry):
            break
        size = len(ctx.interruption_registry)
        await asyncio.sleep(0)
    return outcome


class DurableInterruptionCancelled(DurableInterruption):
    """The workflow task was cancelled from inside (treated like an interruption)."""

    code = 589

    def __init__(self) -> None:
        super().__init__("workflow task cancelled")


async def _call(fn: WorkflowFn, args: Sequence[Any]) -> Any:
    result = fn(*args)
    if inspect.isawaitable(result):
        return await result
    return result


def _reply(metadata: Mapping[str, Any], code: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": dict(metadata), "data": data, "code": code, "status": "success"}


class _Slot:
    """The worker a topic callback serves, set once ``create`` has built it (the engine
    may deliver a message before that)."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.worker: Worker | None = None

    def set(self, worker: Worker) -> None:
        self.worker = worker
        self.ready.set()

    async def get(self) -> Worker:
        await self.ready.wait()
        assert self.worker is not None
        return self.worker


def _bind_workflow(slot: _Slot, name: str, fn: WorkflowFn) -> Callable[
        [Mapping[str, Any]], Awaitable[dict[str, Any] | None]]:
    async def callback(stream_data: Mapping[str, Any]) -> dict[str, Any] | None:
        return await (await slot.get()).run_workflow(name, fn, stream_data)
    return callback


def _bind_activity(slot: _Slot, owner: str | None) -> Callable[
        [Mapping[str, Any]], Awaitable[dict[str, Any]]]:
    async def callback(stream_data: Mapping[str, Any]) -> dict[str, Any]:
        return await (await slot.get()).run_activity(stream_data, owner)
    return callback
