"""Random stream sequences behave identically on both providers.

Publish (some delayed), consume, pending, claim and ack by two consumers while a
shared ManualClock moves; every message carries a serial ``n``, and results are compared by
``n`` (each provider mints its own ids). Results are compared as sets ordered by ``n``: the
providers may order a batch differently when delayed entries become due next to fresh ones
(Postgres by publish order, Redis by arrival in the stream), which the protocol leaves open.

"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers, StreamMessage

from .machine import APP, BothProviders, budget
from .pair import Pair

GROUP = "G"
CONSUMERS = st.sampled_from(["c1", "c2"])


class StreamsAgree(BothProviders):
    def __init__(self) -> None:
        super().__init__()
        self.stream = Key.stream(self.ns, APP, "topic")
        self.serial = 0
        # per provider kind: n -> delivered entry id, and the reverse
        self.ids: dict[str, dict[int, str]] = {"postgres": {}, "redis": {}}
        for p in self.pair.both:
            self.pair.run(p.stream.create_group(self.stream, GROUP))

    # -- helpers ----------------------------------------------------------------------
    def _delivered(self, p: Providers, messages: list[StreamMessage]) -> list[tuple[int, int]]:
        for m in messages:
            self.ids[p.kind][int(m.data["n"])] = m.id
        return sorted((int(m.data["n"]), m.deliveries) for m in messages)

    def _ids(self, p: Providers, ns: list[int]) -> list[str]:
        return [self.ids[p.kind][n] for n in ns if n in self.ids[p.kind]]

    # -- streams ----------------------------------------------------------------------
    @rule(count=st.integers(1, 3), delay_ms=st.sampled_from([0, 0, 0, 500, 2_000]))
    def publish(self, count: int, delay_ms: int) -> None:
        batch = [{"n": self.serial + i} for i in range(count)]
        self.serial += count
        self.same(lambda p: p.stream.publish(self.stream, batch, delay_ms),
                  lambda _p, ids: [isinstance(i, str) for i in ids])

    @rule(delay_ms=st.sampled_from([0, 1_000]))
    def publish_in_transaction(self, delay_ms: int) -> None:
        n = self.serial
        self.serial += 1

        async def run(p: Providers) -> list[Any]:
            return await p.store.transaction().xadd(
                self.stream, {"n": n}, delay_ms
            ).xlen(self.stream).exec()

        self.same(run, lambda _p, results: [isinstance(results[0], str), results[1]])

    @rule(consumer=CONSUMERS)
    def consume(self, consumer: str) -> None:
        self.same(lambda p: p.stream.consume(self.stream, GROUP, consumer, 50),
                  self._delivered)

    @rule()
    def pending(self) -> None:
        def by_n(p: Providers, rows: list[Any]) -> list[tuple[int, str, int, int]]:
            back = {i: n for n, i in self.ids[p.kind].items()}
            return sorted((back[r.id], r.consumer, r.idle_ms, r.deliveries) for r in rows)

        self.same(lambda p: p.stream.pending(self.stream, GROUP, 100), by_n)

    @precondition(lambda self: self.serial > 0)
    @rule(consumer=CONSUMERS, min_idle=st.sampled_from([0, 1_000, 3_000]), data=st.data())
    def claim(self, consumer: str, min_idle: int, data: st.DataObject) -> None:
        ns = data.draw(st.lists(st.integers(0, self.serial - 1), max_size=4, unique=True))
        self.same(
            lambda p: p.stream.claim(self.stream, GROUP, consumer, min_idle, self._ids(p, ns)),
            self._delivered,
        )

    @precondition(lambda self: self.serial > 0)
    @rule(data=st.data())
    def ack(self, data: st.DataObject) -> None:
        ns = data.draw(st.lists(st.integers(0, self.serial - 1), max_size=4, unique=True))
        self.same(lambda p: p.stream.ack(self.stream, GROUP, self._ids(p, ns)))

    @rule(ms=st.sampled_from([100, 500, 1_000, 2_500]))
    def advance_clock(self, ms: int) -> None:
        self.pair.clock.advance(ms)

    @invariant()
    def lengths_agree(self) -> None:
        self.same(lambda p: p.stream.length(self.stream))



def test_streams_agree(pair: Pair) -> None:
    StreamsAgree.pair = pair
    run_state_machine_as_test(StreamsAgree, settings=budget(examples=10, steps=30))
