"""``Object.freeze`` / ``seal`` / ``preventExtensions`` marks for in-memory objects.

JSON data has no notion of frozen objects, and nothing here is persisted; the marks only
make ``object.isFrozen`` and friends, and later mutations in the same evaluation, behave as
JS does. Lists and dicts cannot be weakly referenced, so the registry holds the marked
objects themselves (keeping their ids valid) and forgets the oldest beyond a bound.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final, Literal

from hotmesh_pg.pipe.errors import PipeTypeError

__all__ = ["Level", "check_mutable", "level_of", "mark"]

Level = Literal["extensible", "non-extensible", "sealed", "frozen"]
_ORDER: Final[dict[str, int]] = {"extensible": 0, "non-extensible": 1, "sealed": 2, "frozen": 3}
_LIMIT: Final = 4096  # marked objects remembered at once

_marks: OrderedDict[int, tuple[object, Level]] = OrderedDict()


def mark(obj: object, level: Level) -> None:
    """Raise ``obj`` to ``level`` (marks never go down, as in JS)."""
    key = id(obj)
    current = level_of(obj)
    if _ORDER[level] <= _ORDER[current]:
        return
    _marks[key] = (obj, level)
    _marks.move_to_end(key)
    while len(_marks) > _LIMIT:
        _marks.popitem(last=False)


def level_of(obj: object) -> Level:
    entry = _marks.get(id(obj))
    if entry is None or entry[0] is not obj:
        return "extensible"
    return entry[1]


def check_mutable(obj: object, key: str, *, adding: bool, removing: bool = False) -> None:
    """Raise the TypeError strict-mode JS raises for a write the marks forbid."""
    level = level_of(obj)
    if adding and level != "extensible":
        raise PipeTypeError(f"Cannot add property {key}, object is not extensible")
    if level == "frozen":
        raise PipeTypeError(f"Cannot assign to read only property '{key}' of object")
    if removing and level in ("sealed", "frozen"):
        raise PipeTypeError(f"Cannot delete property '{key}' of object")
