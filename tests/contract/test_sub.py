"""Pub/sub (runtime.md 7.6): exact channels, Redis glob patterns, large payloads."""

from __future__ import annotations

import pytest

from hotmesh_pg.errors import ProviderError

from .helpers import eventually


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[str, str, dict]] = []

    def cb(self, tag: str):
        def receive(channel: str, message: dict) -> None:
            self.items.append((tag, channel, message))
        return receive

    def tags(self) -> list[str]:
        return [t for t, _, _ in self.items]


async def test_exact_subscription_receives_and_unsubscribe_stops(providers, namespace):
    inbox = Inbox()
    ch = f"{namespace}:app:q:"
    await providers.sub.subscribe(ch, inbox.cb("exact"))
    await providers.sub.publish(ch, {"n": 1})
    await providers.sub.publish(ch + "other", {"n": 2})
    await eventually(lambda: len(inbox.items) == 1)
    assert inbox.items == [("exact", ch, {"n": 1})]
    await providers.sub.unsubscribe(ch)
    await providers.sub.publish(ch, {"n": 3})
    # a later message on a still-subscribed channel proves ordering: the n=3 one is dropped
    await providers.sub.subscribe(ch + "x", inbox.cb("sentinel"))
    await providers.sub.publish(ch + "x", {"n": 4})
    await eventually(lambda: "sentinel" in inbox.tags())
    assert [m["n"] for _, _, m in inbox.items] == [1, 4]


async def test_async_callbacks_are_awaited(providers, namespace):
    got: list[dict] = []

    async def receive(channel: str, message: dict) -> None:
        got.append(message)

    await providers.sub.subscribe(f"{namespace}:c", receive)
    await providers.sub.publish(f"{namespace}:c", {"ok": True})
    await eventually(lambda: got == [{"ok": True}])


GLOB_CASES = [
    # (pattern, channel, matches)
    ("hmsh:app:q:*", "hmsh:app:q:", True),
    ("hmsh:app:q:*", "hmsh:app:q:engine-1.x", True),
    ("hmsh:app:q:*", "hmsh:app:x:", False),
    ("h?sh", "hmsh", True),
    ("h?sh", "hsh", False),
    ("h[ae]llo", "hello", True),
    ("h[ae]llo", "hillo", False),
    ("h[^e]llo", "hallo", True),
    ("h[^e]llo", "hello", False),
    ("h[a-c]t", "hbt", True),
    ("h[a-c]t", "hdt", False),
    ("h\\*t", "h*t", True),
    ("h\\*t", "hat", False),
    ("a*b*c", "aXXbYYc", True),
    ("a*b*c", "aXXbYY", False),
]


async def test_pattern_subscriptions_follow_redis_glob_rules(providers, namespace):
    inbox = Inbox()
    prefix = f"{namespace}."
    patterns = sorted({p for p, _, _ in GLOB_CASES})
    for p in patterns:
        await providers.sub.psubscribe(prefix + p, inbox.cb(p))
    channels = list(dict.fromkeys(c for _, c, _ in GLOB_CASES))
    for i, c in enumerate(channels):
        await providers.sub.publish(prefix + c, {"i": i})
    await providers.sub.subscribe(prefix + "END", inbox.cb("END"))
    await providers.sub.publish(prefix + "END", {})
    await eventually(lambda: "END" in inbox.tags())
    received = {(tag, ch[len(prefix):]) for tag, ch, _ in inbox.items}
    for pattern, channel, matches in GLOB_CASES:
        assert ((pattern, channel) in received) is matches, (pattern, channel)


async def test_exact_and_pattern_both_receive_and_punsubscribe_unknown_is_noop(
    providers, namespace
):
    inbox = Inbox()
    ch = f"{namespace}:app:q:abc"
    await providers.sub.subscribe(ch, inbox.cb("exact"))
    await providers.sub.psubscribe(f"{namespace}:app:q:*", inbox.cb("pattern"))
    await providers.sub.punsubscribe(f"{namespace}:never-subscribed:*")
    await providers.sub.publish(ch, {"n": 1})
    await eventually(lambda: len(inbox.items) == 2)
    assert sorted(inbox.items) == [("exact", ch, {"n": 1}), ("pattern", ch, {"n": 1})]


async def test_punsubscribe_stops_pattern_delivery(providers, namespace):
    inbox = Inbox()
    await providers.sub.psubscribe(f"{namespace}:p:*", inbox.cb("p"))
    await providers.sub.punsubscribe(f"{namespace}:p:*")
    await providers.sub.publish(f"{namespace}:p:1", {})
    await providers.sub.subscribe(f"{namespace}:end", inbox.cb("end"))
    await providers.sub.publish(f"{namespace}:end", {})
    await eventually(lambda: "end" in inbox.tags())
    assert inbox.tags() == ["end"]


async def test_100kb_payload_arrives_intact(providers, namespace):
    inbox = Inbox()
    ch = f"{namespace}:big"
    payload = {"type": "job", "data": "x" * 100_000, "uni": "☃" * 1000, "nul": "a\x00b"}
    await providers.sub.subscribe(ch, inbox.cb("big"))
    await providers.sub.publish(ch, payload)
    await eventually(lambda: len(inbox.items) == 1)
    assert inbox.items[0][2] == payload


async def test_unserialisable_message_is_refused(providers, namespace):
    with pytest.raises(ProviderError):
        await providers.sub.publish(f"{namespace}:c", {"bad": object()})
