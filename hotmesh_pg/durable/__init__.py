"""Durable workflows (Temporal-style) on the HotMesh engine: ``Durable.Client``,
``Durable.Worker``, ``Durable.workflow``, ``Durable.shutdown``.

Workflow functions run by replay: each durable call takes an execution index when it is
called and returns its recorded outcome when the job's history has one; otherwise it
registers the work and interrupts the function, the durable graph (``app.yaml``) performs
the work, and the function runs again from the top.
"""

from __future__ import annotations

from typing import Any

from . import workflow
from .client import Client, WorkflowClient
from .context import NotInWorkflowContextError, WorkflowContext
from .duration import parse_duration
from .engines import ENGINES
from .handle import WorkflowHandle
from .options import RetryPolicy, SearchField, WorkflowConfig, WorkflowSearchOptions
from .search import Search
from .worker import Worker

__all__ = [
    "Client",
    "Connection",
    "Durable",
    "NotInWorkflowContextError",
    "RetryPolicy",
    "Search",
    "SearchField",
    "Worker",
    "WorkflowClient",
    "WorkflowConfig",
    "WorkflowContext",
    "WorkflowHandle",
    "WorkflowSearchOptions",
    "parse_duration",
    "shutdown",
    "workflow",
]


class Connection:
    """Connections are opened lazily; ``connect`` only normalises and echoes (no I/O)."""

    @staticmethod
    async def connect(connection: str | dict[str, Any] | None) -> str | dict[str, Any] | None:
        if isinstance(connection, dict):
            return dict(connection)
        return connection


async def shutdown() -> None:
    """Stop every durable client and worker engine in this process."""
    await ENGINES.stop_all()


class Durable:
    """The namespace object of api.md: ``Durable.Client``, ``Durable.Worker`` ..."""

    Client = Client
    Connection = Connection
    Search = Search
    Worker = Worker
    workflow = workflow
    shutdown = staticmethod(shutdown)
