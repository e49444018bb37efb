"""Worker callbacks for the `orders` sample app (hotmesh.yaml beside this file).

`hotmesh-pg demo` loads this file to run the workers in-process; it also runs on its own:

    hotmesh-pg worker apps/orders/workers.py:WORKERS --app orders

Each callback follows the worker contract of HotMesh: it receives ``{"metadata", "data"}``
and returns ``{"metadata", "data", "status", "code"}``. They are pure functions of their
input (no shared state), so any number of worker processes can run them side by side.
"""

from __future__ import annotations

import sys
import time
import zlib
from typing import Any

PRICES = {"mug": 9.5, "teapot": 34.0, "kettle": 59.0}
STOCK = {"mug": 40, "teapot": 5, "kettle": 0}

# Payments above this amount fail once with 503, to show the YAML `retry` policy at work:
# the router re-publishes the request and the second attempt succeeds.
FLAKY_ABOVE = 100.0


STARTED = time.monotonic()


def mark_start() -> None:
    """Count the narration's seconds from now (the demo calls it as it places the orders)."""
    global STARTED
    STARTED = time.monotonic()


def say(line: str) -> None:
    """Narrate on stderr (stdout stays machine-readable), with seconds since start."""
    print(f"    +{time.monotonic() - STARTED:4.1f}s {line}", file=sys.stderr, flush=True)


def respond(stream_data: dict[str, Any], data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"metadata": stream_data["metadata"], "data": data, **extra}


async def reserve(stream_data: dict[str, Any]) -> dict[str, Any]:
    item = str(stream_data["data"].get("item"))
    quantity = int(stream_data["data"].get("quantity") or 0)
    in_stock = STOCK.get(item, 0) >= quantity > 0
    total = round(PRICES.get(item, 0.0) * quantity, 2)
    if in_stock:
        say(f"[orders.reserve] {quantity} x {item} reserved, total {total:.2f}")
    else:
        say(f"[orders.reserve] {quantity} x {item}: not enough stock")
    return respond(stream_data, {"in_stock": in_stock, "total": total})


async def charge(stream_data: dict[str, Any]) -> dict[str, Any]:
    order_id = str(stream_data["data"].get("order_id"))
    amount = float(stream_data["data"].get("amount") or 0)
    attempt = int(stream_data["metadata"].get("try") or 0) + 1
    if amount > FLAKY_ABOVE and attempt == 1:
        say(f"[orders.charge] {order_id}: card network busy (503), attempt {attempt}")
        return respond(
            stream_data,
            {"message": "card network busy", "code": 503},
            status="error",
            code=503,
        )
    say(f"[orders.charge] {order_id}: charged {amount:.2f} on attempt {attempt}")
    return respond(stream_data, {"receipt": f"rcpt-{order_id}"})


async def ship(stream_data: dict[str, Any]) -> dict[str, Any]:
    order_id = str(stream_data["data"].get("order_id"))
    tracking = f"TRK-{zlib.crc32(order_id.encode()) % 10**8:08d}"
    say(f"[orders.ship] {order_id}: handed to carrier, tracking {tracking}")
    return respond(stream_data, {"tracking": tracking})


WORKERS: list[dict[str, Any]] = [
    {"topic": "orders.reserve", "callback": reserve},
    {"topic": "orders.charge", "callback": charge},
    {"topic": "orders.ship", "callback": ship},
]
