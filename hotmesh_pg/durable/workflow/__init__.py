"""In-workflow calls (``Durable.workflow``); each is a plain function returning an awaitable
so it claims its execution index when called (durable.md 2.11)."""

from __future__ import annotations

from ..context import WorkflowContext
from ..options import RetryPolicy
from .context import did_interrupt, get_context, get_hotmesh
from .exec_child import exec_child, start_child
from .hook import hook
from .interrupt import interrupt
from .once import once
from .proxy_activities import ActivityProxy, proxy_activities
from .random import deterministic_random, random
from .search import Search, search
from .signal import signal
from .sleep_for import sleep_for
from .wait_for import wait_for

__all__ = [
    "ActivityProxy",
    "RetryPolicy",
    "Search",
    "WorkflowContext",
    "deterministic_random",
    "did_interrupt",
    "exec_child",
    "get_context",
    "get_hotmesh",
    "hook",
    "interrupt",
    "once",
    "proxy_activities",
    "random",
    "search",
    "signal",
    "sleep_for",
    "start_child",
    "wait_for",
]
