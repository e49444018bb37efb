"""The 15-digit activity semaphore and the job status semaphore (engine-model 4.2-4.4).

Everything here is pure integer arithmetic so it can be unit-tested alone; the store applies
the amounts with one atomic increment each. Values stay below 2**53 and are handled as
Python ``int`` throughout (never formatted through a float).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import CollationError, InactiveJobError

__all__ = [
    "AUTHORIZE_REENTRY",
    "EARLY_EXIT",
    "ENTRY",
    "INTERRUPTED_THRESHOLD",
    "INTERRUPT_AMOUNT",
    "REENTRY",
    "SEED",
    "TRIGGER_SEED",
    "assert_job_active",
    "completion_amount",
    "continuation_amount",
    "digit",
    "dimensional_index",
    "dimensions_by_id",
    "early_completion_amount",
    "job_was_interrupted",
    "leg2_entry_dad",
    "reentry_dimension",
    "resolve_dad",
    "verify_entry",
    "verify_reentry",
    "verify_synthetic",
]

SEED = 999_000_000_000_000
"""Pre-authorised value a parent writes for each child it is about to launch."""
TRIGGER_SEED = 888_000_001_000_001
ENTRY = -100_000_000_000_000
AUTHORIZE_REENTRY = -10_000_000_000_000
EARLY_EXIT = -11_000_000_000_000
REENTRY = 1_000_000
INTERRUPT_AMOUNT = -1_000_000_000
INTERRUPTED_THRESHOLD = -100_000_000


def early_completion_amount(cycle: bool) -> int:
    """Single-leg activities close both legs at once; a cycle target keeps leg 2 open."""
    return 1_000_001 - (10_000_000_000_000 if cycle else 11_000_000_000_000)


def continuation_amount() -> int:
    return 1


def completion_amount(cycle: bool) -> int:
    """Leg-2 exit; a cycle target never closes leg 2 so it can be re-entered."""
    return 1 if cycle else 1 - 1_000_000_000_000


def _as_int(value: float | int | str) -> int:
    if isinstance(value, str):
        return int(float(value)) if "." in value or "e" in value.lower() else int(value)
    return int(value)


def digit(value: float | int | str, index: int) -> int | None:
    """Digit ``index`` (0 = leftmost) of the decimal text of ``value``; None if out of range."""
    text = str(_as_int(value))
    if index < 0 or index >= len(text):
        return None
    ch = text[index]
    return int(ch) if ch.isdigit() else None


def dimensional_index(value: float | int | str) -> int:
    """The leg-2 entry counter minus one: which dimension this re-entry writes to."""
    text = str(_as_int(value))
    if len(text) < 9:
        return -1
    return int(text[3:9]) - 1


def _lt(d: int | None, bound: int) -> bool:
    # JS compares NaN/null permissively: null < 8 is true (null -> 0)
    return (0 if d is None else d) < bound


def verify_entry(value: float | int | str) -> None:
    """Leg-1 enter check on the value returned by the -100T increment."""
    amount = _as_int(value)
    fault = None
    if amount == ENTRY:
        fault = "missing"
    elif _lt(digit(amount, 0), 8):
        fault = "duplicate"
    elif amount != 899_000_000_000_000:
        fault = "invalid"
    if fault:
        raise CollationError(amount, 1, "enter", fault)


def verify_reentry(value: float | int | str) -> None:
    """Leg-2 enter check on the semaphore after +1,000,000."""
    amount = _as_int(value)
    fault = None
    primed = _lt(digit(amount, 0), 9) and _lt(digit(amount, 1), 9)
    if not primed:
        fault = "forbidden"
    elif _lt(digit(amount, 2), 9):
        fault = "inactive"
    if fault:
        raise CollationError(amount, 2, "enter", fault)


def verify_synthetic(value: float | int | str) -> None:
    """Leg-2 enter check on the per-message-guid counter (duplicate delivery guard)."""
    amount = _as_int(value)
    text = str(amount)
    if int(text[-1]) > 0:
        raise CollationError(amount, 2, "enter", "inactive")
    if amount >= 2_000_000:
        raise CollationError(amount, 2, "enter", "duplicate")


def assert_job_active(status: float | int, job_id: str, activity_id: str | None = None) -> None:
    if status <= 0:
        raise InactiveJobError(job_id, status, activity_id)


def job_was_interrupted(status: float | int) -> bool:
    return status < INTERRUPTED_THRESHOLD


def dimensions_by_id(ids: Sequence[str], dad: str) -> dict[str, str]:
    """Map each of ``ids`` (ancestors then self) to its dad, derived by trimming ``dad``.

    The last id gets ``dad`` itself; each earlier one drops one trailing segment.
    ``$ADJACENT`` addresses children (and any non-ancestor) one level below.
    """
    result: dict[str, str] = {"$ADJACENT": f"{dad},0"}
    current = dad
    for aid in reversed(list(ids)):
        result[aid] = current
        cut = current.rfind(",")
        current = current[:cut] if cut >= 0 else ""
    return result


def leg2_entry_dad(dad: str) -> str:
    """The semaphore of an activity lives at its leg-1 address: last segment forced to 0."""
    if not dad:
        return dad
    return f"{dad[: dad.rfind(',')]},0"


def resolve_dad(dad: str, index: int) -> str:
    """Replace the last segment by ``index`` when this is a re-entry into a new dimension."""
    if index > 0:
        return f"{dad[: dad.rfind(',')]},{index}"
    return dad


def reentry_dimension(dad: str, ancestors: Sequence[str], target: str) -> str:
    """Address of a cycle's ancestor: segments above the target kept, target's reset to 0."""
    idx = list(ancestors).index(target)
    parts = dad.split(",")
    parts = parts[: idx + 1]
    while len(parts) < idx + 1:
        parts.append("0")
    parts.append("0")
    return ",".join(parts)
