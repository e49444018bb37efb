"""The protocol every activity follows (services/activities/activity.ts).

Leg 1 enters an activity (a ``transition`` message), leg 2 re-enters it (a worker response,
child result, signal or timer). Both legs load the state they consume, check the job and
activity semaphores, write their state and semaphore changes and the messages for the
children they launch in ONE store transaction, then run the transition step.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ...errors import CollationError, GenerationalError, GetStateError, InactiveJobError
from .. import collator
from ..serializer import get_by_path, restore_hierarchy
from ..store import (
    ACTIVITY_KEYS,
    ACTIVITY_UPDATE_KEYS,
    JOB_KEYS,
    JOB_UPDATE_KEYS,
    MISSING,
    format_iso_date,
    js_stringify,
)

if TYPE_CHECKING:
    from ...providers.protocols import Transaction
    from ..engine import Engine

__all__ = ["DROPPED_ERRORS", "Activity", "new_guid"]

log = logging.getLogger("hotmesh_pg.engine.activity")

DROPPED_ERRORS = (CollationError, InactiveJobError, GenerationalError, GetStateError)
"""Faults that mean "this message is stale or duplicated": logged and acknowledged."""

EXPIRE_DURATION = 1


def new_guid() -> str:
    from ..engine import guid

    return guid()


def resolve(value: Any, context: dict[str, Any]) -> Any:
    from ...pipe import Pipe

    return Pipe.resolve(value, context)


def is_undefined(value: Any) -> bool:
    if value is MISSING:
        return True
    try:
        from ...pipe.js import UNDEFINED
    except ImportError:  # pragma: no cover - pipe always present in the product
        return False
    return value is UNDEFINED


class Activity:
    """Shared state handling, semaphore and transition logic of all activity types."""

    def __init__(
        self,
        engine: Engine,
        config: dict[str, Any],
        data: dict[str, Any] | None,
        metadata: dict[str, Any],
        hook: dict[str, Any] | None,
        context: dict[str, Any] | None,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.config = config
        self.data: Any = data if data is not None else {}
        self.metadata = metadata
        self.hook = hook
        self.context: dict[str, Any] = context or {"data": {}, "metadata": {}}
        self.status = "success"
        self.code = 200
        self.leg = 1
        self.adjacency_list: list[dict[str, Any]] = []
        self.adjacent_index = 0
        self.telemetry: Any = None

    # -- telemetry (no-ops unless OpenTelemetry is installed) --------------------------
    def start_span(self) -> None:
        from ...telemetry import TelemetryService

        self.telemetry = TelemetryService(self.engine.app_id, self.config, self.metadata,
                                          self.context)
        self.telemetry.start_activity_span(self.leg)

    def span_error(self, err: BaseException) -> None:
        if self.telemetry is not None:
            self.telemetry.set_activity_error(str(err))

    def end_span(self) -> None:
        if self.telemetry is not None:
            self.telemetry.end_activity_span()
            self.telemetry = None

    # -- helpers ------------------------------------------------------------------------
    @property
    def aid(self) -> str:
        return str(self.metadata["aid"])

    @property
    def jid(self) -> str:
        return str(self.context["metadata"]["jid"])

    def ancestors(self) -> list[str]:
        return list(self.config.get("ancestors") or [])

    def dims(self, entry: bool = False) -> dict[str, str]:
        dad = self.context.get("metadata", {}).get("dad") or self.metadata.get("dad") or ""
        if entry and dad and self.leg == 2:
            dad = collator.leg2_entry_dad(dad)
        return collator.dimensions_by_id([*self.ancestors(), self.aid], dad)

    def resolve(self, value: Any) -> Any:
        return resolve(value, self.context)

    def map_rules(self, rules: Any) -> Any:
        from ..mapper import map_rules

        return map_rules(rules, self.context)

    # -- leg 1 --------------------------------------------------------------------------
    log_name = "activity"
    """Prefix of the ``<name>-process-dropped`` log line of :meth:`process`."""

    async def process(self) -> str | None:
        """Leg 1: verify the entry, then run :meth:`enter` inside the activity span.

        Stale or duplicated messages (:data:`DROPPED_ERRORS`) are logged and give ``None``;
        any other fault is recorded on the span and re-raised.
        """
        try:
            await self.verify_entry()
            self.start_span()
            await self.enter()
            return self.aid
        except DROPPED_ERRORS as err:
            log.info("%s-process-dropped %s: %s", self.log_name, type(err).__name__, err)
            return None
        except Exception as err:
            self.span_error(err)
            raise
        finally:
            self.end_span()

    async def enter(self) -> None:
        """The type-specific part of leg 1 (state, semaphores, messages, one commit)."""
        raise NotImplementedError(f"activity type {self.config.get('type')!r} has no leg 1")

    async def commit_leg1(self, tx: Transaction) -> None:
        """Fold the engine-stream ack into ``tx`` and commit it (leg 1 without children).

        HotMesh also added 0 to the job status here only to read it back; nothing reads it.
        """
        self.engine.fold_ack(tx)
        await tx.submit()

    # -- semaphores ---------------------------------------------------------------------
    async def collate(self, amount: int, tx: Transaction) -> None:
        """Add ``amount`` to this activity instance's semaphore inside ``tx``."""
        await self.store.collate(self.jid, self.aid, amount, self.dims(), tx)

    async def collate_early_completion(self, tx: Transaction) -> None:
        """Close this instance at leg 1 (no leg 2 will come)."""
        await self.collate(collator.early_completion_amount(bool(self.config.get("cycle"))), tx)

    async def guarded_collate(
        self, collations: list[tuple[str, int]], dims: dict[str, str],
    ) -> list[int] | None:
        """Collate and read the state in one round trip, where the store can undo.

        Inside a Postgres unit of work the increments go first and the state read sees
        them; if the state shows a stale message (another generation, a finished or
        missing job) they are taken back, so the semaphores stay as the old order (read,
        check, increment) left them. ``None`` elsewhere: the caller uses that order. The
        semaphore address ``dims`` was taken before the state was read; should the state
        move it, the increments are taken back and ``None`` sends the caller the old way.
        """
        consumes, dids, dad, jid, gid = self.state_query()
        out = await self.store.guarded_collate_state(jid, collations, consumes, dids)
        if out is None:
            return None
        values, state, undo = out
        try:
            self.apply_state(state, dad, jid, gid)
            collator.assert_job_active(self.context["metadata"].get("js", 0), self.jid,
                                       self.aid)
        except DROPPED_ERRORS:
            await undo()
            raise
        if self.dims(self.leg == 2) != dims:
            await undo()
            return None
        return values

    async def verify_entry(self) -> None:
        self.leg = 1
        dims = self.dims()
        field = await self.store.collation_field(self.aid, dims)
        guarded = await self.guarded_collate([(field, collator.ENTRY)], dims)
        if guarded is not None:
            # one transaction with the step: no earlier delivery can have left a trace
            collator.verify_entry(guarded[0])
            return
        await self.get_state()
        collator.assert_job_active(self.context["metadata"].get("js", 0), self.jid, self.aid)
        dims = self.dims()
        if self.engine.redelivered():
            # The guard below commits on its own, before the step. A delivery that passed
            # it and died before the step committed leaves the semaphore reading exactly
            # "entered" (every leg-1 commit moves it further) and the entry unacked: that
            # is this message's own half-done attempt, not a duplicate, so carry on.
            current = await self.store.collate(self.jid, self.aid, 0, dims)
            if current == collator.SEED + collator.ENTRY:
                return
        value = await self.store.collate(self.jid, self.aid, collator.ENTRY, dims)
        assert value is not None
        collator.verify_entry(value)

    async def verify_reentry(self) -> int:
        guid = self.context["metadata"].get("guid")
        self.leg = 2
        dims = self.dims(True)
        field = await self.store.collation_field(self.aid, dims)
        guarded = await self.guarded_collate([(field, collator.REENTRY),
                                              (str(guid), collator.REENTRY)], dims)
        if guarded is not None:
            concrete, synthetic = guarded
            collator.verify_reentry(concrete)
            collator.verify_synthetic(synthetic)
            return concrete
        await self.get_state()
        collator.assert_job_active(self.context["metadata"].get("js", 0), self.jid, self.aid)
        if self.engine.redelivered():
            # As in verify_entry: the guards commit before the step. If this message's
            # guid counter shows exactly one pass, that pass was an earlier delivery of
            # this very entry that died before its step committed (the step's commit acks
            # the entry): re-run the step on the semaphore it saw, without counting again.
            tx = self.store.transaction()
            await self.store.collate(self.jid, self.aid, 0, self.dims(True), tx)
            self.store.collate_synthetic(tx, self.jid, str(guid), 0)
            seen, passes = await tx.exec()
            if int(float(passes)) == collator.REENTRY:
                collator.verify_reentry(seen)
                return int(seen)
        tx = self.store.transaction()
        await self.store.collate(self.jid, self.aid, collator.REENTRY, self.dims(True), tx)
        self.store.collate_synthetic(tx, self.jid, str(guid), collator.REENTRY)
        concrete, synthetic = await tx.exec()
        collator.verify_reentry(concrete)
        collator.verify_synthetic(synthetic)
        return int(concrete)

    # -- leg 2 --------------------------------------------------------------------------
    async def process_event(
        self, status: str = "success", code: int = 200, kind: str = "output",
    ) -> None:
        self.leg = 2
        if not self.context.get("metadata", {}).get("jid"):
            log.error("activity-process-event-error: job id is undefined")
            return
        self.status = status or "success"
        self.code = code if code is not None else 200
        try:
            value = await self.verify_reentry()
            self.adjacent_index = collator.dimensional_index(value)
            self.start_span()
            tx = self.store.transaction()
            if self.status == "pending":
                self.bind_activity_data(kind)
                self.adjacency_list = await self.filter_adjacent()
                self.map_job_data()
                await self.set_state(tx)
                await self.collate(collator.continuation_amount(), tx)
                delta = len(self.adjacency_list)
            else:
                if self.status == "success":
                    self.bind_activity_data(kind)
                    self.adjacency_list = await self.filter_adjacent()
                else:
                    self.bind_activity_error(self.data)
                    self.adjacency_list = await self.filter_adjacent()
                    if not self.adjacency_list:
                        self.bind_job_error(self.data)
                self.map_job_data()
                await self.set_state(tx)
                await self.collate(collator.completion_amount(bool(self.config.get("cycle"))), tx)
                delta = len(self.adjacency_list) - 1
            await self.finish(tx, delta)
        except DROPPED_ERRORS as err:
            log.info("process-event-dropped %s: %s", type(err).__name__, err)
        except Exception as err:
            self.span_error(err)
            raise
        finally:
            self.end_span()

    async def finish(self, tx: Transaction, delta: int) -> None:
        """Commit with the children (:meth:`commit_children`), then move on."""
        await self.transition(await self.commit_children(tx, delta))

    async def commit_children(self, tx: Transaction, delta: int) -> float:
        """Queue the status change and the children's messages, commit; the new job status.

        The stream entry's ack always rides in this commit: a redelivered entry then proves
        the step never committed, which ``verify_reentry`` relies on to re-run it safely.
        (So a crash between this commit and the completion tasks of :meth:`transition`
        still loses those; they would need to join this commit.)
        """
        self.engine.fold_ack(tx)
        self.store.set_status(tx, self.jid, delta)
        self.queue_children(tx)
        results = await tx.exec()
        return float(results[len(results) - 1 - len(self.adjacency_list)])

    def queue_children(self, tx: Transaction) -> None:
        # children are pre-authorised in this same transaction, so their transition
        # messages ride along (M7+M2 / M5+M2 as one commit); a child whose job turns out
        # to be finished or interrupted drops its message at leg 1 (InactiveJobError)
        for message in self.adjacency_list:
            tx.xadd(self.engine.stream_key, message)

    async def transition(self, job_status: float) -> None:
        if collator.job_was_interrupted(job_status):
            return
        from .emit import should_emit

        emit = should_emit(self.config, self.context)
        if job_status <= 0 or emit:
            await self.engine.run_job_completion_tasks(self.context, emit=job_status > 0)

    # -- bindings -----------------------------------------------------------------------
    def bind_activity_data(self, kind: str) -> None:
        self.context[self.aid][kind]["data"] = self.data

    def bind_activity_error(self, data: Any) -> None:
        md = self.context[self.aid]["output"]["metadata"]
        md["err"] = js_stringify(self.data)
        md["$error"] = {**(data if isinstance(data, dict) else {}), "is_stream_error": True}

    def bind_job_error(self, data: Any) -> None:
        payload = {**(data if isinstance(data, dict) else {}), "is_stream_error": True}
        self.context["metadata"]["err"] = js_stringify(payload)

    def map_job_data(self) -> None:
        maps = (self.config.get("job") or {}).get("maps")
        if not maps:
            return
        output = self.map_rules(maps)
        if isinstance(output, dict):
            for key in list(output):
                bracket = key.find("[")
                if bracket > -1:
                    amount = key[bracket + 1:].split("]")[0]
                    if amount.lstrip("-").isdigit():
                        output[key[:bracket]] = output.pop(key)
                    elif amount in ("-", "_"):
                        obj = output.pop(key)
                        if isinstance(obj, dict):
                            output.update(obj)
        self.context["data"] = output

    def map_input_data(self) -> None:
        maps = (self.config.get("input") or {}).get("maps")
        if maps:
            self.context["data"] = self.map_rules(maps)

    def map_output_data(self) -> None:
        maps = (self.config.get("output") or {}).get("maps")
        if maps:
            produced = self.map_rules(maps)
            out = self.context[self.aid]["output"]
            merged = {**out}
            if isinstance(produced, dict):
                merged.update(produced)
            out["data"] = merged

    # -- state --------------------------------------------------------------------------
    def job_metadata_paths(self) -> list[str]:
        return [f"metadata/{k}" for k in JOB_UPDATE_KEYS]

    def activity_metadata_paths(self) -> list[str]:
        keys = ACTIVITY_KEYS if self.leg == 1 else ACTIVITY_UPDATE_KEYS
        return [f"output/metadata/{k}" for k in keys]

    def get_job_status(self) -> int | None:
        return None

    async def trigger_config(self) -> dict[str, Any]:
        _, version = await self.engine.get_vid()
        schema = await self.store.get_schema(self.config["trigger"], version)
        return schema or {}

    async def set_state(self, tx: Transaction) -> None:
        self.context["metadata"]["ju"] = format_iso_date()
        self.bind_activity_metadata()
        state: dict[str, Any] = {}
        await self.bind_job_state(state)
        presets = self.authorize_entry(state)
        state[f"{self.aid}/output/metadata/dad"] = self.resolve_dad()
        self.bind_activity_state(state)
        names = [f"${self.config.get('subscribes')}", self.aid, *presets]
        dids = collator.dimensions_by_id([*self.ancestors(), self.aid], self.resolve_dad())
        await self.store.set_state(tx, state, self.get_job_status(), self.jid, names, dids)

    def bind_activity_metadata(self) -> None:
        md = self.context["$self"]["output"].setdefault("metadata", {})
        if self.status == "error":
            md["err"] = js_stringify(self.data)
        now = format_iso_date()
        md["ac"] = now
        md["au"] = now
        md["atp"] = self.config.get("type")
        if self.config.get("subtype"):
            md["stp"] = self.config["subtype"]
        md["aid"] = self.aid

    async def bind_job_state(self, state: dict[str, Any]) -> None:
        trigger = await self.trigger_config()
        for path in [*(trigger.get("PRODUCES") or []), *self.job_metadata_paths()]:
            value = get_by_path(self.context, path)
            if not is_undefined(value):
                state[path] = value
        for key, value in (self.context.get("data") or {}).items() \
                if isinstance(self.context.get("data"), dict) else []:
            if key.startswith("-") or key.startswith("_"):
                state[key] = value
        from ...telemetry import TelemetryService

        TelemetryService.bind_job_telemetry_to_state(state, self.config, self.context)

    def bind_activity_state(self, state: dict[str, Any]) -> None:
        for path in [*(self.config.get("produces") or []), *self.activity_metadata_paths()]:
            prefixed = f"{self.aid}/{path}"
            value = get_by_path(self.context, prefixed)
            if not is_undefined(value):
                state[prefixed] = value
        from ...telemetry import TelemetryService

        TelemetryService.bind_activity_telemetry_to_state(state, self.config, self.metadata,
                                                          self.context, self.leg)

    def authorize_entry(self, state: dict[str, Any]) -> list[str]:
        ids = []
        for message in self.adjacency_list:
            child = message["metadata"]["aid"]
            state[f"{child}/output/metadata/as"] = str(collator.SEED)
            ids.append(child)
        return ids

    def state_query(self) -> tuple[dict[str, list[str]], dict[str, str], str, str, Any]:
        """What :meth:`get_state` reads: ``(consumes, dids, dad, jid, gid)``."""
        md = self.context.get("metadata", {})
        gid = md.get("gid")
        job_set = f"${self.config.get('subscribes')}"
        consumes: dict[str, list[str]] = {job_set: [f"metadata/{k}" for k in JOB_KEYS]}
        for target, paths in (self.config.get("consumes") or {}).items():
            if target == "$job":
                consumes[job_set].extend(paths)
                continue
            if target == "$self":
                target = self.aid
            consumes.setdefault(target, []).extend(f"{target}/{p}" for p in paths)
        from ...telemetry import TelemetryService

        if self.config.get("parent") or self.leg == 2:
            TelemetryService.add_target_telemetry_paths(consumes, self.config, self.metadata,
                                                        self.leg)
        dad = md.get("dad") or ""
        jid = str(md.get("jid"))
        dids = collator.dimensions_by_id([*self.ancestors(), self.aid], dad)
        return consumes, dids, dad, jid, gid

    async def get_state(self) -> None:
        consumes, dids, dad, jid, gid = self.state_query()
        state, _ = await self.store.get_state(jid, consumes, dids)
        self.apply_state(state, dad, jid, gid)

    def apply_state(self, state: dict[str, Any], dad: str, jid: str, gid: Any) -> None:
        """Make the job state read the context; a job of another generation is stale."""
        self.context = restore_hierarchy(state)
        self.context.setdefault("metadata", {})
        self.context.setdefault("data", {})
        job_gid = self.context["metadata"].get("gid")
        if job_gid != gid:
            raise GenerationalError(str(job_gid), str(gid), str(jid), self.aid, dad)
        self.metadata["dad"] = dad
        self.init_self()
        self.init_policies()

    def init_self(self) -> None:
        me = self.context.setdefault(self.aid, {})
        if not isinstance(me, dict):
            me = {}
            self.context[self.aid] = me
        me.setdefault("output", {})
        me.setdefault("input", {})
        me.setdefault("hook", {})
        me["output"].setdefault("metadata", {})
        me["output"]["metadata"]["au"] = format_iso_date()
        self.context["$self"] = me
        self.context["$job"] = self.context

    def init_policies(self) -> None:
        expire = self.resolve(self.config.get("expire", EXPIRE_DURATION))
        self.context["metadata"]["expire"] = expire

    def resolve_dad(self) -> str:
        return collator.resolve_dad(str(self.metadata.get("dad") or ""), self.adjacent_index)

    def resolve_adjacent_dad(self) -> str:
        return f"{self.resolve_dad()},0"

    def child_metadata(self, dad: Any, aid: Any, span: str, **extra: Any) -> dict[str, Any]:
        """Metadata of a message this activity sends on (``span``: ``l1s`` or ``l2s``).

        ``extra`` fields go between ``aid`` and ``spn``, keeping HotMesh's field order.
        """
        return {
            "guid": new_guid(), "jid": self.jid, "gid": self.context["metadata"].get("gid"),
            "dad": dad, "aid": aid, **extra,
            "spn": self.context["$self"]["output"]["metadata"].get(span),
            "trc": self.context["metadata"].get("trc"),
        }

    async def filter_adjacent(self) -> list[dict[str, Any]]:
        from ..mapper import evaluate

        _, version = await self.engine.get_vid()
        transitions = await self.store.get_transitions(version)
        rules = transitions.get(f".{self.aid}")
        out: list[dict[str, Any]] = []
        if not rules:
            return out
        dad = self.resolve_adjacent_dad()
        for to_aid, rule in rules.items():
            if evaluate(rule, self.context, self.code):
                out.append({
                    "metadata": self.child_metadata(dad, to_aid, "l2s"),
                    "type": "transition",
                    "data": {},
                })
        return out
