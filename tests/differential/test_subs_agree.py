"""Random pub/sub sequences deliver identically on both providers.

Exact and Redis-glob pattern subscriptions come and go while messages are published to a
small universe of channels (so patterns keep matching); at each checkpoint a sentinel round
trip proves everything published before it arrived, and both providers must have delivered
the same (subscription, channel, message) triples — once per matching subscription.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule, run_state_machine_as_test

from hotmesh_pg.providers.protocols import Providers

from .machine import BothProviders, budget
from .pair import Pair

WORDS = st.text(alphabet="ab", min_size=1, max_size=2)
GLOB_TOKENS = st.sampled_from(["a", "b", "?", "*", "[ab]", "[^a]", "[a-b]", "\\a"])
UNIVERSE = ["a", "b", "aa", "ab", "ba", "bb"]
SETTLE_TIMEOUT_S = 15.0

Received = list[tuple[str, str, int]]


class SubsAgree(BothProviders):
    def __init__(self) -> None:
        super().__init__()
        self.serial = 0
        self.got: dict[str, Received] = {"postgres": [], "redis": []}
        self.exact: set[str] = set()
        self.patterns: set[str] = set()
        self.sentinels = 0
        self.sentinel_channel = f"{self.ns}!sentinel"
        for p in self.pair.both:
            self.pair.run(p.sub.subscribe(self.sentinel_channel, self._recorder(p, "!")))

    def _recorder(self, p: Providers, tag: str) -> Any:
        into = self.got[p.kind]

        def record(channel: str, message: dict[str, Any]) -> None:
            into.append((tag, channel, int(message["n"])))

        return record

    def _settle(self) -> None:
        """Round-trip a sentinel on both, then require identical deliveries so far."""
        self.sentinels += 1
        mark = ("!", self.sentinel_channel, -self.sentinels)
        for p in self.pair.both:
            self.pair.run(p.sub.publish(self.sentinel_channel, {"n": -self.sentinels}))

        async def arrived() -> None:
            async with asyncio.timeout(SETTLE_TIMEOUT_S):
                while not all(mark in got for got in self.got.values()):
                    await asyncio.sleep(0.01)

        self.pair.run(arrived())
        postgres, redis = (sorted(g) for g in self.got.values())
        assert postgres == redis, f"deliveries differ: postgres={postgres} redis={redis}"
        for got in self.got.values():
            got.clear()

    @rule(word=WORDS)
    def subscribe(self, word: str) -> None:
        self._settle()
        channel = f"{self.ns}:{word}"
        self.exact.add(channel)
        for p in self.pair.both:
            self.pair.run(p.sub.subscribe(channel, self._recorder(p, "=" + channel)))

    @rule(tokens=st.lists(GLOB_TOKENS, min_size=1, max_size=3))
    def psubscribe(self, tokens: list[str]) -> None:
        self._settle()
        pattern = f"{self.ns}:{''.join(tokens)}"
        self.patterns.add(pattern)
        for p in self.pair.both:
            self.pair.run(p.sub.psubscribe(pattern, self._recorder(p, pattern)))

    @precondition(lambda self: bool(self.exact or self.patterns))
    @rule(data=st.data())
    def unsubscribe(self, data: st.DataObject) -> None:
        self._settle()
        name = data.draw(st.sampled_from(sorted(self.exact | self.patterns)))
        for p in self.pair.both:
            if name in self.exact:
                self.pair.run(p.sub.unsubscribe(name))
            else:
                self.pair.run(p.sub.punsubscribe(name))
        self.exact.discard(name)
        self.patterns.discard(name)

    @rule(words=st.lists(WORDS, min_size=1, max_size=4))
    def publish(self, words: list[str]) -> None:
        for word in words:
            n = self.serial
            self.serial += 1
            for p in self.pair.both:
                self.pair.run(p.sub.publish(f"{self.ns}:{word}", {"n": n}))

    @rule()
    def publish_everywhere(self) -> None:
        """One message on every channel of the universe: each subscription meets them all."""
        self.publish(UNIVERSE)

    @rule()
    def checkpoint(self) -> None:
        self._settle()

    def teardown(self) -> None:
        try:
            self._settle()
        finally:
            for p in self.pair.both:
                for channel in [*self.exact, self.sentinel_channel]:
                    self.pair.run(p.sub.unsubscribe(channel))
                for pattern in self.patterns:
                    self.pair.run(p.sub.punsubscribe(pattern))



def test_subscriptions_agree(pair: Pair) -> None:
    SubsAgree.pair = pair
    run_state_machine_as_test(SubsAgree, settings=budget(examples=8, steps=30))
