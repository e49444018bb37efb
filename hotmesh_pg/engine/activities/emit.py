"""Emit: interim job output while the job keeps running (engine-model 4.8 step 2-3).

HotMesh 0.0.55 has no emit activity type: any activity whose ``emit`` expression resolves
truthy publishes the job's current output (resolving ``pubsub`` early and notifying an
awaiting parent with a 202 ``pending`` result). This module holds that decision.
"""

from __future__ import annotations

from typing import Any

from .base import is_undefined, resolve

__all__ = ["should_emit"]


def should_emit(config: dict[str, Any], context: dict[str, Any]) -> bool:
    if not config.get("emit"):
        return False
    value = resolve(config["emit"], context)
    return bool(value) and not is_undefined(value)
