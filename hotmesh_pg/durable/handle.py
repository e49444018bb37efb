"""``WorkflowHandle``: result, status, state, search fields, signal, interrupt, export."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import HotMeshError, WorkflowFailedError, WorkflowNotFoundError
from .engines import job_key, store_of
from .exporter import export_workflow
from .signals import send_signal

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["WorkflowHandle"]

STATUS_POLL_S = 1.0
STATUS_POLL_MAX_S = 30.0
"""Backstop for a missed completion message: the status is re-read after 1 s, then at
doubling intervals up to 30 s (many waiters must not turn into a polling load)."""

_WAITERS: dict[tuple[int, str], list[asyncio.Future[Any]]] = {}


def _failure(error: Any, workflow_id: str) -> WorkflowFailedError:
    if isinstance(error, str):
        try:
            error = json.loads(error)
        except ValueError:
            error = {"message": error}
    if not isinstance(error, Mapping):
        error = {"message": str(error)}
    failure = WorkflowFailedError(
        str(error.get("message", "")), code=int(error.get("code") or 500),
        job_id=str(error.get("job_id") or workflow_id), stack=error.get("stack"),
    )
    failure.name = error.get("name")  # type: ignore[attr-defined]
    failure.type = error.get("type")  # type: ignore[attr-defined]
    failure.error = dict(error)  # type: ignore[attr-defined]
    return failure


class WorkflowHandle:
    """A started (or looked-up) workflow."""

    def __init__(self, hotmesh: HotMesh, namespace: str, workflow_topic: str,
                 workflow_id: str) -> None:
        self.hotmesh = hotmesh
        self.namespace = namespace
        self.workflow_topic = workflow_topic
        self.workflow_id = workflow_id

    @property
    def _topic(self) -> str:
        return f"{self.namespace}.execute"

    async def status(self) -> int:
        """The job semaphore: > 0 running, 0 done, large negative when interrupted."""
        try:
            return int(await self.hotmesh.get_status(self.workflow_id))
        except HotMeshError:
            raise WorkflowNotFoundError(self.workflow_id) from None

    async def state(self, metadata: bool = False) -> dict[str, Any]:
        """The job's data (or ``{data, metadata}`` with ``metadata=True``)."""
        try:
            output = await self.hotmesh.get_state(self._topic, self.workflow_id)
        except HotMeshError:
            raise WorkflowNotFoundError(self.workflow_id) from None
        if metadata:
            return dict(output)
        data = output.get("data")
        if not data and (output.get("metadata") or {}).get("err"):
            raise _failure(output["metadata"]["err"], self.workflow_id)
        return dict(data or {})

    async def query_state(self, fields: Sequence[str]) -> dict[str, str | None]:
        """Current values of the named search fields (``None`` where unset)."""
        values = await store_of(self.hotmesh).hmget(
            job_key(self.hotmesh, self.namespace, self.workflow_id), [f"_{f}" for f in fields])
        return dict(zip(fields, values, strict=True))

    async def signal(self, signal_id: str, data: Any) -> None:
        """Send a signal (not scoped to this workflow: any ``wait_for(signal_id)`` takes it)."""
        await send_signal(self.hotmesh, self.namespace, signal_id, data)

    async def interrupt(self, options: Mapping[str, Any] | None = None) -> str:
        """Interrupt the workflow (options: reason, throw, descend, suppress, expire, code)."""
        return str(await self.hotmesh.interrupt(self._topic, self.workflow_id,
                                                dict(options or {})))

    async def export(self, *, allow: Sequence[str] | None = None,
                     block: Sequence[str] | None = None, values: bool = True) -> dict[str, Any]:
        return await export_workflow(self.hotmesh, self.namespace, self.workflow_id,
                                     allow=allow, block=block, values=values)

    async def result(self, *, state: bool = False, throw_on_error: bool = True,
                     timeout: float | None = None) -> Any:  # noqa: ASYNC109 - api.md shape
        """The workflow's return value once it finishes.

        A failed or interrupted workflow raises :class:`WorkflowFailedError` (``code`` 410
        for an interrupt), or returns the error dict with ``throw_on_error=False``. A
        workflow id that does not exist raises :class:`WorkflowNotFoundError`.
        """
        del state  # the stored state is always consulted after subscribing
        return await asyncio.wait_for(self._settle(throw_on_error), timeout)

    async def _settle(self, throw_on_error: bool) -> Any:
        channel = f"{self.namespace}.executed.{self.workflow_id}"
        key = (id(self.hotmesh), channel)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        waiters = _WAITERS.setdefault(key, [])
        waiters.append(done)
        if len(waiters) == 1:
            await self.hotmesh.sub(channel, self._on_done(key))
        try:
            interval = STATUS_POLL_S
            while True:
                output = await self._finished_output()
                if output is not None:
                    return self._outcome(output, throw_on_error)
                try:
                    finished = await asyncio.wait_for(asyncio.shield(done), interval)
                except TimeoutError:
                    interval = min(interval * 2, STATUS_POLL_MAX_S)
                    continue
                return self._outcome(finished, throw_on_error)
        finally:
            waiters = _WAITERS.get(key, [])
            if done in waiters:
                waiters.remove(done)
            if not waiters:
                _WAITERS.pop(key, None)
                with contextlib.suppress(Exception):  # the engine may be stopped already
                    await self.hotmesh.unsub(channel)

    def _on_done(self, key: tuple[int, str]) -> Any:
        async def callback(_topic: str, output: Any) -> None:
            for waiter in list(_WAITERS.get(key, [])):
                if not waiter.done():
                    waiter.set_result(output)
        return callback

    async def _finished_output(self) -> Mapping[str, Any] | None:
        try:
            status = await self.hotmesh.get_status(self.workflow_id)
        except HotMeshError:
            raise WorkflowNotFoundError(self.workflow_id) from None
        if status is not None and float(status) <= 0:
            try:
                output: Mapping[str, Any] = await self.hotmesh.get_state(
                    self._topic, self.workflow_id)
            except HotMeshError:
                raise WorkflowNotFoundError(self.workflow_id) from None
            return output
        return None

    def _outcome(self, output: Mapping[str, Any], throw_on_error: bool) -> Any:
        data = output.get("data") or {}
        metadata = output.get("metadata") or {}
        error = data.get("$error") or metadata.get("err")
        if error:
            failure = _failure(error, self.workflow_id)
            if throw_on_error:
                raise failure
            return failure.error  # type: ignore[attr-defined]
        return data.get("response")
