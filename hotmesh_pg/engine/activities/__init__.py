"""Activity types by their YAML ``type`` (``activity`` is HotMesh's legacy name for hook)."""

from __future__ import annotations

from .await_ import Await
from .base import Activity
from .cycle import Cycle
from .hook import Hook
from .interrupt import Interrupt
from .signal import Signal
from .trigger import Trigger
from .worker import Worker

__all__ = ["ACTIVITIES", "Activity"]

ACTIVITIES: dict[str, type[Activity]] = {
    "trigger": Trigger,
    "worker": Worker,
    "await": Await,
    "hook": Hook,
    "activity": Hook,
    "signal": Signal,
    "cycle": Cycle,
    "interrupt": Interrupt,
}
