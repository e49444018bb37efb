"""Port of HotMesh's reentrant suite: the durable YAML app driven by a hand-written worker.

The workflow worker plays a durable function by hand: on a chosen call it "interrupts"
(sleep 588, wait-for-signal 595, proxy activity 591, child 590, or a collated group 589)
by answering with that code and a description of the interruption; the durable app's
graph then sleeps, waits, runs the activity or the child, and re-enters the worker, which
this time completes. Each test asserts the job finishes and the interruption was consumed.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from functional_support import Factory, app_path

WORKFLOW_TOPIC = "childWorld-childWorld"
ACTIVITY_TOPIC = f"{WORKFLOW_TOPIC}-activity"
ACTIVITY_NAME = "helloWorld"
WORKFLOW_NAME = "childWorld"
ENTITY_NAME = "childWorld"
COLLATOR_SIGNAL_TOPIC = "durable.wfs.signal"
SIGNAL_ID = "abcdefg"
SIGNAL_RESPONSE = {"response": "signal response", "id": ""}
PROXY_RESPONSE = {"response": "proxy response", "errorCount": 0}
CHILD_RESPONSE = {"response": "child response"}


class Interruption(Exception):
    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__(entry["code"])
        self.entry = entry


class Simulation:
    """The reference test's module state and its x* helpers."""

    def __init__(self) -> None:
        self.workflow_id = "durable"
        self.should_sleep = self.should_wait = self.should_proxy = False
        self.should_child = self.should_promise = False
        self.await_child = True
        self.activity_errors = 0
        self.counter = 0
        self.registry: list[dict[str, Any]] = []
        self.interruptions: list[dict[str, Any]] = []

    def _next(self) -> int:
        index = self.counter
        self.counter += 1
        return index

    async def sleep_for(self, millis: str) -> float:
        seconds = int(millis) / 1000
        if self.should_sleep:
            self.should_sleep = False
            index = self._next()
            self.registry.append({"code": 588, "duration": seconds, "index": index,
                                  "workflowDimension": ""})
            await asyncio.sleep(0)
            raise Interruption({
                "code": 588, "duration": seconds, "index": index, "workflowDimension": "",
                "message": json.dumps({"duration": seconds, "index": index,
                                       "workflowDimension": ""}, separators=(",", ":"))})
        return seconds

    async def wait_for(self, key: str) -> dict[str, Any]:
        if self.should_wait:
            self.should_wait = False
            index = self._next()
            self.registry.append({"code": 595, "signalId": key, "index": index,
                                  "workflowDimension": ""})
            await asyncio.sleep(0)
            raise Interruption({"code": 595, "message": json.dumps(key), "signalId": key})
        return {**SIGNAL_RESPONSE, "id": key}

    async def proxy(self, *args: Any) -> dict[str, Any]:
        if self.should_proxy:
            self.should_proxy = False
            index = self._next()
            entry = {
                "arguments": list(args), "code": 591, "workflowDimension": "", "index": index,
                "originJobId": self.workflow_id, "parentWorkflowId": self.workflow_id,
                "workflowId": f"-{self.workflow_id}-${ACTIVITY_NAME}-{index}",
                "workflowTopic": f"{WORKFLOW_NAME}-{WORKFLOW_NAME}-activity",
            }
            self.registry.append(entry)
            await asyncio.sleep(0)
            raise Interruption({**entry, "activityName": ACTIVITY_NAME})
        return {"response": {**PROXY_RESPONSE, "errorCount": self.activity_errors}}

    async def child(self, args: list[Any], *, await_: bool | None = None,
                    entity: str | None = None, task_queue: str | None = None) -> Any:
        if self.should_child:
            self.should_child = False
            index = self._next()
            queue = entity or task_queue
            name = entity or WORKFLOW_NAME
            entry: dict[str, Any] = {
                "code": 590, "arguments": args, "workflowDimension": "", "index": index,
                "originJobId": self.workflow_id, "parentWorkflowId": self.workflow_id,
                "workflowId": f"{entity or ''}-{self.workflow_id}-${name}-{index}",
                "workflowTopic": f"{queue}-{WORKFLOW_NAME}",
            }
            if await_ is not None:
                entry["await"] = await_
            self.registry.append(entry)
            await asyncio.sleep(0)
            raise Interruption(entry)
        return CHILD_RESPONSE

    async def workflow(self, data: dict[str, Any]) -> dict[str, Any]:
        arguments = data["data"].get("arguments") or []
        sleep_data = signal_data = proxy_data = child_data = None
        all_data: list[Any] = []
        try:
            sleep_data = await self.sleep_for("2000")
            signal_data = await self.wait_for(SIGNAL_ID)
            proxy_data = await self.proxy(*arguments)
            child_data = await self.child(["f", {"g": 7}], await_=self.await_child,
                                          entity=ENTITY_NAME)
            if self.should_promise:
                self.should_promise = False
                self.should_sleep = self.should_wait = True
                self.should_proxy = self.should_child = True
                results = await asyncio.gather(
                    self.sleep_for("3000"), self.wait_for(f"{SIGNAL_ID}hi"),
                    self.proxy(*arguments),
                    self.child(["f", {"g": 7}], task_queue=ENTITY_NAME),
                    return_exceptions=True)
                failures = [r for r in results if isinstance(r, BaseException)]
                if failures:
                    raise failures[0]
                all_data = list(results)
            else:
                self.should_sleep = self.should_wait = False
                self.should_proxy = self.should_child = False
                all_data = [await self.sleep_for("3000"),
                            await self.wait_for(f"{SIGNAL_ID}hi"),
                            await self.proxy(*arguments),
                            await self.child(["f", {"g": 7}], task_queue=ENTITY_NAME)]
        except Interruption as err:
            self.interruptions.append(err.entry)
        if self.registry:
            index = self._next()
            if len(self.registry) == 1 and self.registry[0]["code"] != 595:
                err_data = self.interruptions[0]
            else:  # signals are always bundled, like any group
                err_data = {
                    "code": 589, "items": list(self.registry), "size": len(self.registry),
                    "workflowDimension": "", "index": index, "originJobId": self.workflow_id,
                    "parentWorkflowId": self.workflow_id,
                    "workflowId": f"-{self.workflow_id}-$-${index}",
                    "workflowTopic": ACTIVITY_TOPIC,
                }
            self.registry.clear()
            self.interruptions.clear()
            return {"status": "success", "code": err_data["code"],
                    "metadata": {**data["metadata"]}, "data": {**err_data}}
        self.registry.clear()
        self.interruptions.clear()
        return {"status": "success", "metadata": {**data["metadata"]}, "data": {
            "response": {"sleepResponse": sleep_data, "signalResponse": signal_data,
                         "proxyResponse": proxy_data, "childResponse": child_data,
                         "allResponse": all_data},
            "done": True}}

    async def activity(self, data: dict[str, Any]) -> dict[str, Any]:
        self.activity_errors += 1
        if self.activity_errors <= 2:
            message = f"my test activity error message [{self.activity_errors}]"
            return {"status": "success", "code": 599, "metadata": {**data["metadata"]},
                    "data": {"status": "error", "code": 599, "message": message,
                             "name": "Error"}}
        return {"status": "success", "metadata": {**data["metadata"]},
                "data": {"response": {**PROXY_RESPONSE, "errorCount": self.activity_errors}}}


def _payload(sim: Simulation, workflow_id: str, arguments: list[Any]) -> dict[str, Any]:
    sim.workflow_id = workflow_id
    return {"workflowId": workflow_id, "workflowTopic": WORKFLOW_TOPIC, "arguments": arguments,
            "backoffCoefficient": 2, "maximumAttempts": 3, "expire": 120}


async def _durable(start_hotmesh: Factory) -> tuple[Any, Simulation]:
    sim = Simulation()
    hm = await start_hotmesh("durable", workers=[
        {"topic": WORKFLOW_TOPIC, "callback": sim.workflow},
        {"topic": ACTIVITY_TOPIC, "callback": sim.activity},
    ])
    await hm.deploy(app_path("durable", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    return hm, sim


async def _signal_until_done(hm: Any, jid: str, signal_id: str, timeout: float = 20) -> None:
    """Send the signal until the job is done (one sent before the wait registers is dropped)."""
    async with asyncio.timeout(timeout):
        while True:
            await hm.hook(COLLATOR_SIGNAL_TOPIC,
                          {"id": signal_id, "data": {**SIGNAL_RESPONSE, "id": signal_id}})
            for _ in range(10):
                await asyncio.sleep(0.1)
                state = await hm.get_state("durable.execute", jid)
                if (state.get("data") or {}).get("done"):
                    return


async def test_complete(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    response = await hm.pubsub("durable.execute", _payload(sim, "reentrant200", ["", {"b": 2}]))
    assert response["data"]["done"] is True


async def test_sleep_exit_reenter_complete(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    sim.should_sleep = True
    response = await hm.pubsub("durable.execute",
                               _payload(sim, "reentrant588", ["a", {"b": 2}]), None, 10)
    assert response["data"]["done"] is True
    assert sim.should_sleep is False


async def test_wait_exit_reenter_complete(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    sim.should_wait = True
    jid = await hm.pub("durable.execute", _payload(sim, "reentrant595", ["b", {"c": 3}]))
    await _signal_until_done(hm, jid, SIGNAL_ID)
    assert sim.should_wait is False


async def test_proxy_exit_reenter_complete(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    sim.should_proxy = True
    # the activity fails twice (599, retried by the graph) before it succeeds
    response = await hm.pubsub("durable.execute",
                               _payload(sim, "reentrant591", ["c", {"d": 4}]), None, 15)
    assert response["data"]["done"] is True
    assert sim.should_proxy is False


async def test_start_child_and_execute_child(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    sim.should_child = True
    sim.await_child = False
    response = await hm.pubsub("durable.execute",
                               _payload(sim, "reentrant590X", ["d", {"e": 5}]), None, 10)
    assert response["data"]["done"] is True
    assert sim.should_child is False
    sim.await_child = True
    sim.should_child = True
    response = await hm.pubsub("durable.execute",
                               _payload(sim, "reentrant590", ["d", {"e": 5}]), None, 10)
    assert response["data"]["done"] is True
    assert sim.should_child is False


async def test_wait_all_exit_reenter_complete(start_hotmesh: Factory) -> None:
    hm, sim = await _durable(start_hotmesh)
    sim.should_promise = True
    payload = _payload(sim, "reentrant589", ["e", {"f": 6}])
    payload["backoffCoefficient"] = 1
    jid = await hm.pub("durable.execute", payload)
    await _signal_until_done(hm, jid, f"{SIGNAL_ID}hi", timeout=30)
    assert sim.should_promise is False
