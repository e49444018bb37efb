"""What the differential state machines share: running one call on both providers.

Every step calls the same operation on Postgres and on Redis and requires the same outcome:
equal return values (after normalising what legitimately differs, such as stream ids), or
the same failure class (``ProviderError`` for refusals the protocol defines).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.providers.protocols import Providers

from .pair import Pair

APP = "app"


def budget(examples: int, steps: int) -> settings:
    """CI-sized search (well under a minute); ``HOTMESH_DIFF_SCALE=10`` searches 10x more."""
    scale = max(1, int(os.environ.get("HOTMESH_DIFF_SCALE", "1")))
    return settings(
        max_examples=examples * scale,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


async def outcome(call: Awaitable[Any]) -> tuple[str, Any]:
    """``("ok", value)`` or ``("error", kind)`` where kind is the failure's family."""
    try:
        return ("ok", await call)
    except ProviderError:
        return ("error", "ProviderError")
    except Exception as err:  # any other failure is itself a difference to report
        return ("error", f"{type(err).__module__}.{type(err).__name__}: {err}")


class BothProviders(RuleBasedStateMachine):
    """Base machine: ``self.pair`` is set by the test before the machine runs."""

    pair: Pair

    def __init__(self) -> None:
        super().__init__()
        self.ns = self.pair.fresh_namespace()

    def same(
        self,
        call: Callable[[Providers], Awaitable[Any]],
        normalise: Callable[[Providers, Any], Any] = lambda _p, value: value,
    ) -> Any:
        """Run ``call`` on both providers; assert equal outcomes; return the common one."""
        seen = []
        for providers in self.pair.both:
            status, value = self.pair.run(outcome(call(providers)))
            seen.append((status, normalise(providers, value) if status == "ok" else value))
        postgres, redis = seen
        assert postgres == redis, f"providers disagree: postgres={postgres!r} redis={redis!r}"
        return postgres
