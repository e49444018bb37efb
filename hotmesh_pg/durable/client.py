"""``Durable.Client``: start workflows, signal them, find them, search them."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .engines import DEFAULT_NAMESPACE, ENGINES, job_key, store_of
from .handle import WorkflowHandle
from .markers import check_json
from .options import (
    DEFAULT_BACKOFF_COEFFICIENT,
    DEFAULT_EXPIRE_S,
    DEFAULT_MAXIMUM_ATTEMPTS,
    DEFAULT_MAXIMUM_INTERVAL_S,
    RetryPolicy,
    WorkflowSearchOptions,
)
from .search import configure_search_index, run_search
from .signals import send_signal

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["Client", "WorkflowClient"]


class Client:
    """Entry point for callers outside workflows.

    ``connection`` is a DSN (``postgresql://``, ``redis://``) or ``None`` for the default;
    ``namespace`` is the durable app id every call defaults to (``durable``). Other keyword
    arguments (e.g. ``schema=``) go to ``HotMesh.init``.
    """

    def __init__(self, connection: str | None = None, namespace: str | None = None,
                 **engine_kwargs: Any) -> None:
        self.connection = connection
        self.namespace = namespace or DEFAULT_NAMESPACE
        self.engine_kwargs = engine_kwargs
        self.workflow = WorkflowClient(self)

    async def engine(self, namespace: str | None = None) -> HotMesh:
        return await ENGINES.get(namespace or self.namespace, self.connection,
                                 self.engine_kwargs)


class WorkflowClient:
    """``client.workflow``."""

    def __init__(self, client: Client) -> None:
        self._client = client

    async def start(
        self, *, workflow_name: str | None = None, task_queue: str | None = None,
        args: Sequence[Any] = (), workflow_id: str | None = None, expire: float | None = None,
        search: WorkflowSearchOptions | Mapping[str, Any] | None = None,
        namespace: str | None = None, entity: str | None = None,
        marker: Mapping[str, str] | None = None,
        config: RetryPolicy | Mapping[str, Any] | None = None,
        parent_workflow_id: str | None = None, origin_job_id: str | None = None,
        workflow_trace: str | None = None, workflow_span: str | None = None,
        signal_in: bool = True,
    ) -> WorkflowHandle:
        """Start a workflow; a duplicate ``workflow_id`` raises ``DuplicateJobError``.

        The workflow stays pending (``status() > 0``) until a worker for
        ``{task_queue}-{workflow_name}`` runs it, even one that registers later.

        ``signal_in=False`` (newer HotMesh's ``signalIn: false``) starts the workflow
        without its signal-in hook: two stream messages fewer, but hook threads
        (``client.workflow.hook`` / ``workflow.hook`` aimed at it) are never run.
        Signals to ``wait_for`` are unaffected.
        """
        name = entity or workflow_name
        queue = entity or task_queue
        if not name or not queue:
            raise ValueError("workflow.start needs workflow_name and task_queue (or entity)")
        check_json(list(args), f"workflow {name!r} arguments")
        policy = RetryPolicy.of(config)
        options = WorkflowSearchOptions.of(search)
        check_json(options.data, f"workflow {name!r} search data")
        app_id = namespace or self._client.namespace
        hm = await self._client.engine(app_id)
        if options.schema:
            await configure_search_index(hm, app_id, options)
        from ..hotmesh import HotMesh as _HotMesh

        job_id = workflow_id or _HotMesh.guid()
        topic = f"{queue}-{name}"
        interval = policy.interval_s()
        payload = {
            "arguments": list(args),
            "originJobId": origin_job_id,
            "expire": expire if expire is not None else DEFAULT_EXPIRE_S,
            "parentWorkflowId": parent_workflow_id,
            "workflowId": job_id,
            "workflowTopic": topic,
            "workflowName": name,
            "backoffCoefficient": policy.backoff_coefficient
            if policy.backoff_coefficient is not None else DEFAULT_BACKOFF_COEFFICIENT,
            "maximumAttempts": policy.maximum_attempts
            if policy.maximum_attempts is not None else DEFAULT_MAXIMUM_ATTEMPTS,
            "maximumInterval": interval if interval is not None else DEFAULT_MAXIMUM_INTERVAL_S,
            "signalIn": bool(signal_in),
        }
        # origin/parent stay null rather than absent: the graph maps them into worker
        # messages, where an absent value would be JS `undefined`
        context = {"metadata": {"trc": workflow_trace, "spn": workflow_span}}
        search_fields = {f"_{k}": str(v) for k, v in options.data.items()}
        marker_fields = {k: str(v) for k, v in (marker or {}).items() if k.startswith("-")}
        extras = {**search_fields, **marker_fields}
        if extras and "extended" in inspect.signature(hm.pub).parameters:
            await hm.pub(f"{app_id}.execute", payload, context,
                         extended={"search": options.data, "marker": marker_fields})
        else:
            await hm.pub(f"{app_id}.execute", payload, context)
            if extras:
                await store_of(hm).hset(job_key(hm, app_id, job_id), extras)
        return WorkflowHandle(hm, app_id, topic, job_id)

    async def signal(self, signal_id: str, data: Any, namespace: str | None = None) -> str:
        """Deliver ``data`` to ``wait_for(signal_id)`` (kept if the wait is not there yet)."""
        check_json(data, f"signal {signal_id!r} data")
        app_id = namespace or self._client.namespace
        return await send_signal(await self._client.engine(app_id), app_id, signal_id, data)

    async def hook(
        self, *, workflow_id: str, task_queue: str | None = None,
        workflow_name: str | None = None, args: Sequence[Any] = (),
        namespace: str | None = None, entity: str | None = None,
        search: WorkflowSearchOptions | Mapping[str, Any] | None = None,
        config: RetryPolicy | Mapping[str, Any] | None = None,
    ) -> str:
        """Run ``{task_queue}-{workflow_name}`` as a hook thread inside a running workflow."""
        del config
        name = entity or workflow_name
        queue = entity or task_queue
        if not name or not queue:
            raise ValueError("workflow.hook needs workflow_name and task_queue (or entity)")
        check_json(list(args), f"hook {name!r} arguments")
        app_id = namespace or self._client.namespace
        hm = await self._client.engine(app_id)
        options = WorkflowSearchOptions.of(search)
        if options.data:  # written before the thread can read them
            await store_of(hm).hset(job_key(hm, app_id, workflow_id),
                                    {f"_{k}": str(v) for k, v in options.data.items()})
        message_id = await hm.hook(
            f"{app_id}.flow.signal",
            {"id": workflow_id, "arguments": list(args), "workflowTopic": f"{queue}-{name}",
             "workflowName": name},
            status="pending", code=202,
        )
        return str(message_id)

    async def get_handle(self, task_queue: str, workflow_name: str, workflow_id: str,
                         namespace: str | None = None) -> WorkflowHandle:
        app_id = namespace or self._client.namespace
        hm = await self._client.engine(app_id)
        return WorkflowHandle(hm, app_id, f"{task_queue}-{workflow_name}", workflow_id)

    async def search(self, task_queue: str, workflow_name: str, query: str | Sequence[str],
                     *, index: str | None = None, namespace: str | None = None) -> list[str]:
        """Ids of workflows whose search fields match ``query`` (durable.md 4.2)."""
        del task_queue, workflow_name  # only select the namespace, as in HotMesh
        app_id = namespace or self._client.namespace
        _total, rows, _parsed = await run_search(await self._client.engine(app_id), app_id,
                                                 query, index)
        return [job_id for job_id, _fields in rows]

    async def search_raw(self, task_queue: str, workflow_name: str,
                         query: str | Sequence[str], *, index: str | None = None,
                         namespace: str | None = None) -> list[Any]:
        """RediSearch-shaped reply ``[total, key, [field, value, ...], ...]``."""
        del task_queue, workflow_name
        app_id = namespace or self._client.namespace
        hm = await self._client.engine(app_id)
        total, rows, parsed = await run_search(hm, app_id, query, index)
        reply: list[Any] = [total]
        for job_id, fields in rows:
            reply.append(job_key(hm, app_id, job_id).render())
            if not parsed.no_content:
                names = parsed.return_fields or sorted(fields)
                flat: list[str] = []
                for field_name in names:
                    if field_name in fields:
                        flat.extend([field_name, fields[field_name]])
                reply.append(flat)
        return reply
