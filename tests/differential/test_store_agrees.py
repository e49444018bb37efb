"""Random sequences of Store and Transaction calls give identical results on both providers.

Keys come from small families (two jobs, two hashes, two lists, two sorted sets, two locks)
so sequences keep hitting the same keys: set-if-absent races with earlier writes,
increments land on fields holding text, transactions mix successes with refusals. The
clock is not moved here (key TTLs are a day), because Redis expires keys on its own clock.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers

from .machine import APP, BothProviders, budget
from .pair import Pair

DAY_S = 86_400

FIELDS = st.sampled_from([":", "aaa", "bbb", "aaa,0", "_s", "-m"])
VALUES = st.sampled_from(["0", "1", "-3", "7", "2.5", "x", "", "héllo", "a\x00b", "{\"a\":1}"])
INTS = st.one_of(st.integers(-5, 5), st.sampled_from([1_000_000, 100_000_000_000_000]))
FLOATS = st.sampled_from([0.5, 1.0, -2.0, 1.25, 3.0, 1_000_000.0, -0.75, 2])
MEMBERS = st.sampled_from(["m1", "m2", "m3", "b", "a"])
SCORES = st.sampled_from([0.0, 1.0, 1.5, -2.0, 10.0, 1e12])
INDEXES = st.integers(-4, 4)


def job(ns: str, i: int) -> Key:
    return Key.job(ns, APP, f"j{i}")


def hsh(ns: str, i: int) -> Key:
    return Key(KeyType.SYMKEYS, ns, APP, ("", "t1")[i])


def lst(ns: str, i: int) -> Key:
    return Key(KeyType.JOB_DEPENDENTS, ns, APP, f"d{i}")


def zset(ns: str, i: int) -> Key:
    return Key(KeyType.TIME_RANGE, ns, APP, ("", "z")[i])


def lock(ns: str, i: int) -> Key:
    return Key(KeyType.LOCK, ns, APP, ("time", "activate")[i])


HASHLIKE = st.tuples(st.sampled_from([job, hsh]), st.integers(0, 1))
ANY_KEY = st.tuples(st.sampled_from([job, hsh, lst, zset, lock]), st.integers(0, 1))

# one write, as (name, key maker, index, arguments), for transactions
TX_OPS = st.one_of(
    st.tuples(st.just("hset"), HASHLIKE, st.dictionaries(FIELDS, VALUES, min_size=1,
                                                         max_size=3)),
    st.tuples(st.just("hsetnx"), HASHLIKE, st.tuples(FIELDS, VALUES)),
    st.tuples(st.just("hdel"), HASHLIKE, st.lists(FIELDS, max_size=2)),
    st.tuples(st.just("hincrby"), HASHLIKE, st.tuples(FIELDS, INTS)),
    st.tuples(st.just("hincrbyfloat"), HASHLIKE, st.tuples(FIELDS, FLOATS)),
    st.tuples(st.just("rpush"), st.tuples(st.just(lst), st.integers(0, 1)),
              st.lists(VALUES, min_size=1, max_size=2)),
    st.tuples(st.just("zadd"), st.tuples(st.just(zset), st.integers(0, 1)),
              st.tuples(st.dictionaries(MEMBERS, SCORES, min_size=1, max_size=2),
                        st.booleans())),
    st.tuples(st.just("zrem"), st.tuples(st.just(zset), st.integers(0, 1)),
              st.lists(MEMBERS, max_size=2)),
    st.tuples(st.just("delete"), ANY_KEY, st.none()),
    st.tuples(st.just("expire"), ANY_KEY, st.sampled_from([0, DAY_S])),
    st.tuples(st.just("xadd"), st.just((None, 0)), st.integers(0, 99)),
    st.tuples(st.just("xlen"), st.just((None, 0)), st.none()),
)


class StoreAgrees(BothProviders):
    # -- hashes -----------------------------------------------------------------------
    @rule(where=HASHLIKE, mapping=st.dictionaries(FIELDS, VALUES, max_size=3))
    def hset(self, where: tuple[Any, int], mapping: dict[str, str]) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hset(key, mapping))

    @rule(where=HASHLIKE, field=FIELDS, value=VALUES)
    def hsetnx(self, where: tuple[Any, int], field: str, value: str) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hsetnx(key, field, value))

    @rule(where=HASHLIKE, fields=st.lists(FIELDS, max_size=3))
    def read_hash(self, where: tuple[Any, int], fields: list[str]) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hgetall(key))
        self.same(lambda p: p.store.hmget(key, fields))
        for field in fields[:1]:
            self.same(lambda p, f=field: p.store.hget(key, f))

    @rule(where=HASHLIKE, fields=st.lists(FIELDS, max_size=3))
    def hdel(self, where: tuple[Any, int], fields: list[str]) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hdel(key, fields))

    @rule(where=HASHLIKE, field=FIELDS, amount=INTS)
    def hincrby(self, where: tuple[Any, int], field: str, amount: int) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hincrby(key, field, amount))

    @rule(where=HASHLIKE, field=FIELDS, amount=FLOATS)
    def hincrbyfloat(self, where: tuple[Any, int], field: str, amount: float) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hincrbyfloat(key, field, amount))

    @rule(where=HASHLIKE, match=st.sampled_from(["*", "a*", "[ab]??", "?", "_*", "aaa,*"]))
    def hscan(self, where: tuple[Any, int], match: str) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.hscan(key, match))

    # -- keys -------------------------------------------------------------------------
    @rule(where=ANY_KEY)
    def exists(self, where: tuple[Any, int]) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.exists(key))

    @rule(places=st.lists(ANY_KEY, min_size=1, max_size=3))
    def delete(self, places: list[tuple[Any, int]]) -> None:
        keys = [maker(self.ns, i) for maker, i in places]
        self.same(lambda p: p.store.delete(*keys))

    @rule(where=ANY_KEY, seconds=st.sampled_from([0, -1, DAY_S]))
    def expire(self, where: tuple[Any, int], seconds: int) -> None:
        key = where[0](self.ns, where[1])
        self.same(lambda p: p.store.expire(key, seconds))

    @rule(match=st.sampled_from(["*", "j?", "j1", "[j]*", "x*"]))
    def scan_jobs(self, match: str) -> None:
        self.same(lambda p: p.store.scan_jobs(self.ns, APP, match),
                  lambda _p, ids: sorted(ids))

    # -- strings ----------------------------------------------------------------------
    @rule(i=st.integers(0, 1), value=VALUES, ttl=st.sampled_from([None, DAY_S]))
    def set_nx(self, i: int, value: str, ttl: int | None) -> None:
        key = lock(self.ns, i)
        self.same(lambda p: p.store.set_nx(key, value, ttl))
        self.same(lambda p: p.store.get(key))

    # -- lists ------------------------------------------------------------------------
    @rule(i=st.integers(0, 1), values=st.lists(VALUES, min_size=1, max_size=3))
    def rpush(self, i: int, values: list[str]) -> None:
        self.same(lambda p: p.store.rpush(lst(self.ns, i), values))

    @rule(i=st.integers(0, 1))
    def lpop(self, i: int) -> None:
        self.same(lambda p: p.store.lpop(lst(self.ns, i)))

    @rule(i=st.integers(0, 1), start=INDEXES, stop=INDEXES)
    def lrange(self, i: int, start: int, stop: int) -> None:
        self.same(lambda p: p.store.lrange(lst(self.ns, i), start, stop))

    @rule(src=st.integers(0, 1), dst=st.integers(0, 1))
    def lmove(self, src: int, dst: int) -> None:
        self.same(lambda p: p.store.lmove(lst(self.ns, src), lst(self.ns, dst)))

    @rule(src=st.integers(0, 1), dst=st.integers(0, 1))
    def rename(self, src: int, dst: int) -> None:
        self.same(lambda p: p.store.rename(lst(self.ns, src), lst(self.ns, dst)))
        self.same(lambda p: p.store.lrange(lst(self.ns, dst), 0, -1))

    # -- sorted sets ------------------------------------------------------------------
    @rule(i=st.integers(0, 1), members=st.dictionaries(MEMBERS, SCORES, max_size=3),
          nx=st.booleans())
    def zadd(self, i: int, members: dict[str, float], nx: bool) -> None:
        self.same(lambda p: p.store.zadd(zset(self.ns, i), members, nx))

    @rule(i=st.integers(0, 1), start=INDEXES, stop=INDEXES)
    def zrange(self, i: int, start: int, stop: int) -> None:
        self.same(lambda p: p.store.zrange(zset(self.ns, i), start, stop))

    @rule(i=st.integers(0, 1), low=st.sampled_from([float("-inf"), -2.0, 0.0, 1.5]),
          high=st.sampled_from([float("inf"), 1.0, 1.5, 10.0]))
    def zrangebyscore(self, i: int, low: float, high: float) -> None:
        self.same(lambda p: p.store.zrangebyscore(zset(self.ns, i), low, high))

    @rule(i=st.integers(0, 1), members=st.lists(MEMBERS, max_size=3))
    def zrem(self, i: int, members: list[str]) -> None:
        self.same(lambda p: p.store.zrem(zset(self.ns, i), members))

    # -- transactions -----------------------------------------------------------------
    @rule(ops=st.lists(TX_OPS, min_size=1, max_size=4))
    def transaction(self, ops: list[tuple[str, tuple[Any, int], Any]]) -> None:
        stream = Key.stream(self.ns, APP)

        async def run(p: Providers) -> list[Any]:
            tx = p.store.transaction()
            for name, (maker, i), arg in ops:
                key = stream if maker is None else maker(self.ns, i)
                if name in ("hset", "hdel", "rpush", "zrem"):
                    getattr(tx, name)(key, arg)
                elif name in ("hsetnx", "hincrby", "hincrbyfloat"):
                    getattr(tx, name)(key, *arg)
                elif name == "zadd":
                    tx.zadd(key, arg[0], nx=arg[1])
                elif name == "delete":
                    tx.delete(key)
                elif name == "expire":
                    tx.expire(key, arg)
                elif name == "xadd":
                    tx.xadd(key, {"n": arg})
                else:
                    tx.xlen(key)
            return await tx.exec()

        def ids_blind(_p: Providers, results: list[Any]) -> list[Any]:
            return ["<id>" if op[0] == "xadd" else r for op, r in zip(ops, results, strict=True)]

        self.same(run, ids_blind)
        self.same(lambda p: p.stream.length(stream))


def test_store_and_transactions_agree(pair: Pair) -> None:
    StoreAgrees.pair = pair
    run_state_machine_as_test(StoreAgrees, settings=budget(examples=12, steps=30))
