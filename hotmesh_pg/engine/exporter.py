"""A job's full history: its process tree by dimension, dependents and status (runtime 2.7)."""

from __future__ import annotations

import json
import re
from typing import Any

from .store import StoreService, restore_hierarchy

__all__ = ["Exporter"]

_ACTIVITY_FIELD = re.compile(r"^[A-Za-z]{3},\d+(,\d+)*")


def _decode(text: str) -> Any:
    prefix, rest = text[:2], text[2:]
    if prefix == "/t":
        return True
    if prefix == "/f":
        return False
    if prefix == "/d":
        try:
            number = float(rest)
        except ValueError:
            return rest
        return int(number) if number.is_integer() else number
    if prefix == "/n":
        return None
    if prefix == "/s":
        try:
            return json.loads(rest)
        except ValueError:
            return rest
    return text


class Exporter:
    def __init__(self, store: StoreService) -> None:
        self.store = store

    async def export(self, jid: str) -> dict[str, Any]:
        symbols = await self.store.get_all_symbols()
        dependencies = await self.store.get_dependencies(jid)
        raw = await self.store.get_raw(jid)
        flat: dict[str, Any] = {}
        for field, value in raw.items():
            if _ACTIVITY_FIELD.match(field):
                sym, _, dims = field.partition(",")
                path = symbols.get(sym)
                if path is None:
                    continue
                flat[f"{dims.replace(',', '/')}/{path}"] = _decode(value)
            elif len(field) == 3 and field in symbols:
                path = symbols[field]
                if path.startswith("$"):
                    path = path.split("/", 1)[1]
                flat[path] = _decode(value)
        deps = []
        for item in dependencies:
            parts = item.split("::")
            deps.append({"type": parts[0], "topic": parts[1] if len(parts) > 1 else "",
                         "gid": parts[2] if len(parts) > 2 else "",
                         "jid": "::".join(parts[3:])})
        return {"dependencies": deps, "process": restore_hierarchy(flat),
                "status": raw.get(":", "")}
