"""The workflow context: one mutable object per function invocation, held in a ContextVar.

Tasks created inside a workflow (``asyncio.gather``, ``create_task``, ``TaskGroup``,
``to_thread``) copy the context *mapping*, so they see the same object: the execution
counter and the interruption registry are shared, which is what makes a gathered batch
collate (durable.md 1.10).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import HotMeshError

if TYPE_CHECKING:
    from ..hotmesh import HotMesh
    from .markers import Replay

__all__ = [
    "NotInWorkflowContextError",
    "WorkflowContext",
    "current",
    "get_context",
    "require_context",
]


class NotInWorkflowContextError(HotMeshError, RuntimeError):
    """A ``workflow.*`` call was made outside a running workflow function."""


@dataclass(eq=False)
class WorkflowContext:
    """Everything a durable call needs to claim its index and find its history."""

    workflow_id: str
    workflow_topic: str
    workflow_name: str
    namespace: str
    task_queue: str
    replay: Replay
    hotmesh: HotMesh
    workflow_dimension: str = ""
    origin_job_id: str | None = None
    can_retry: bool = True
    raw: Mapping[str, Any] = field(default_factory=dict)
    workflow_trace: str | None = None
    workflow_span: str | None = None
    backoff_coefficient: float | None = None
    maximum_attempts: int | None = None
    maximum_interval: float | None = None
    # module whose activity registrations this workflow sees first (the worker's owner)
    activity_owner: str | None = None
    counter: int = 0
    interruption_registry: list[dict[str, Any]] = field(default_factory=list)
    # indexes whose side effects (search writes, guards) were done during this run
    pending_io: list[Any] = field(default_factory=list)

    def next_index(self) -> int:
        """Claim the next execution index (1-based, shared by every kind of call)."""
        self.counter += 1
        return self.counter

    @property
    def cursor(self) -> int:
        return self.counter

    @property
    def job_id(self) -> str:
        """The id of the job whose hash holds the history (hook threads share it)."""
        return self.workflow_id


_CURRENT: ContextVar[WorkflowContext | None] = ContextVar("hotmesh_durable_workflow", default=None)


def current() -> ContextVar[WorkflowContext | None]:
    """The ContextVar itself (the worker sets and resets it around each invocation)."""
    return _CURRENT


def require_context(what: str) -> WorkflowContext:
    ctx = _CURRENT.get()
    if ctx is None:
        raise NotInWorkflowContextError(
            f"workflow.{what}() was called outside a workflow function; durable calls only "
            "work inside a function run by a Durable worker"
        )
    return ctx


def get_context() -> WorkflowContext:
    """The running workflow's context (id, topic, namespace, replay, counter ...)."""
    return require_context("get_context")
