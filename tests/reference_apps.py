"""Where HotMesh's reference apps are: read in place, never copied into this repository.

``$HOTMESH_REFERENCE_APPS`` when set, else ``shared/reference-apps`` beside the checkout (as
CI lays it out), else the work folder's copy. Importable from every suite because pytest puts
``tests/`` on ``sys.path`` for ``tests/conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def _find() -> Path | None:
    candidates = [_CHECKOUT.parent / "shared" / "reference-apps",
                  Path("/work/shared/reference-apps")]
    override = os.environ.get("HOTMESH_REFERENCE_APPS")
    if override:
        candidates.insert(0, Path(override))
    for candidate in candidates:
        if (candidate / "apps").is_dir():
            return candidate
    return None


FOUND = _find()
#: The reference apps' root (holds ``apps/`` and ``seeds/``); a path that does not exist
#: when they are absent, so module-level globs stay empty and ``MISSING`` explains why.
REFERENCE = FOUND if FOUND is not None else _CHECKOUT.parent / "shared" / "reference-apps"
MISSING = FOUND is None
REASON = ("HotMesh's reference apps are not present: set HOTMESH_REFERENCE_APPS or put "
          "shared/reference-apps beside the checkout")
