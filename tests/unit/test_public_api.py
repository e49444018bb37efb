"""The public surface is what api.md names; internals may move, these may not."""

import inspect

import hotmesh_pg
from hotmesh_pg import Durable, HotMesh, errors


def test_all_is_exactly_the_public_names() -> None:
    assert hotmesh_pg.__all__ == sorted(hotmesh_pg.__all__)
    assert set(hotmesh_pg.__all__) == {"Durable", "HotMesh", "errors"}


def test_hotmesh_methods_named_by_api_md() -> None:
    for name in [
        "init", "deploy", "activate", "pub", "pubsub", "sub", "unsub", "psub", "punsub",
        "get_status", "get_state", "get_query_state", "hook", "hook_all", "interrupt",
        "scrub", "export", "get_stats", "get_ids", "resolve_query", "roll_call", "throttle",
        "stop", "stop_all", "guid",
    ]:
        assert callable(getattr(HotMesh, name)), name
    params = inspect.signature(HotMesh.init).parameters
    for name in ["app_id", "connection", "namespace", "engine", "workers", "log_level"]:
        assert name in params, name
    assert "timeout" in inspect.signature(HotMesh.pubsub).parameters
    assert isinstance(HotMesh.guid(), str) and HotMesh.guid() != HotMesh.guid()


def test_durable_namespace_named_by_api_md() -> None:
    assert callable(Durable.Client)
    assert callable(Durable.Worker.create)
    assert callable(Durable.shutdown)
    for name in [
        "proxy_activities", "sleep_for", "wait_for", "signal", "exec_child", "start_child",
        "hook", "random", "search", "get_context", "interrupt",
    ]:
        assert callable(getattr(Durable.workflow, name)), name


def test_errors_named_by_api_md() -> None:
    for name in [
        "HotMeshError", "ValidationError", "MapDataError", "DuplicateJobError",
        "GetStateError", "InactiveJobError", "SchemaNotReadyError", "WorkflowFailedError",
        "ActivityFailedError",
    ]:
        assert issubclass(getattr(errors, name), errors.HotMeshError), name
