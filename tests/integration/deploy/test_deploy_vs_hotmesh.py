"""Our deploy against HotMesh 0.0.55's own, on Redis: every hash must match byte for byte.

Each case deploys a reference app's versions in order, so redeploys and symbol-range reuse
are compared too.

HotMesh is run from a HotMesh 0.0.55 package directory at ``bench/peers/build/hotmesh-0.0.55``
(not shipped or built by this repository, see bench/README.md); without
node or that build the comparison cannot run and is skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from reference_apps import REFERENCE

from hotmesh_pg.engine.compiler import deploy, load_app

ROOT = Path(__file__).resolve().parents[3]
PEER = ROOT / "bench" / "peers" / "build" / "hotmesh-0.0.55"
SCRIPT = Path(__file__).with_name("hotmesh_deploy.js")
APPS = REFERENCE

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (PEER / "build" / "index.js").is_file(),
    reason="needs node and a HotMesh 0.0.55 package at bench/peers/build/hotmesh-0.0.55",
)

SEQUENCES = {
    "abc": [f"apps/abc/v{i}" for i in range(1, 10)],
    "tree": [f"apps/tree/v{i}" for i in range(1, 11)],
    "def": ["apps/def/v1", "apps/def/v2", "apps/def/v3"],
    "cycle": ["apps/cycle/v1", "apps/cycle/v2"],
    "calc": ["apps/calc/v1"],
    "durable": ["apps/durable/v1"],
    "signal": ["apps/signal/v1"],
    "hook": ["apps/hook/v1"],
    "emit": ["apps/emit/v1"],
    "awaiter": ["apps/awaiter"],
    "test-app": ["seeds"],
}


def _normalise(dump: dict[str, dict[str, str]], ns: str) -> dict[str, dict[str, str]]:
    out = {}
    for key, fields in dump.items():
        if key == ns:  # the namespace heartbeat is written by init, not deploy
            continue
        out[key.replace(f"{ns}:", "NS:", 1)] = {
            f: ("deployed:<ts>" if f.startswith("versions/") else v) for f, v in fields.items()
        }
    return out


async def _dump(redis_url: str, ns: str) -> dict[str, Any]:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        out = {}
        keys = [k async for k in client.scan_iter(match=f"{ns}:*", count=1000)]
        for key in keys:
            if await client.type(key) == "hash":
                out[key] = await client.hgetall(key)
        all_keys = [k async for k in client.scan_iter(match=f"{ns}*", count=1000)]
        if all_keys:
            await client.delete(*all_keys)
        return out
    finally:
        await client.aclose()


@pytest.mark.parametrize("app", list(SEQUENCES))
async def test_deploy_matches_hotmesh(app: str, tmp_path: Path, redis_url: str) -> None:
    from hotmesh_pg.providers.redis import open_providers

    yamls = []
    for i, folder in enumerate(SEQUENCES[app]):
        # HotMesh writes .hotmesh.<id>.<v>.json beside the YAML, so it needs a writable copy
        target = tmp_path / str(i)
        shutil.copytree(APPS / folder, target)
        for path in [target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        yamls.append(target / "hotmesh.yaml")

    theirs_ns, ours_ns = f"r{uuid.uuid4().hex[:10]}", f"o{uuid.uuid4().hex[:10]}"
    run = subprocess.run(
        ["node", str(SCRIPT), str(PEER), redis_url, theirs_ns, app, *map(str, yamls)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    await _dump(redis_url, theirs_ns)
    theirs = _normalise(json.loads(run.stdout), theirs_ns)

    providers = await open_providers(redis_url)
    try:
        for yaml in yamls:
            await deploy(providers.store, ours_ns, app, load_app(yaml))
    finally:
        await providers.close()
    ours = _normalise(await _dump(redis_url, ours_ns), ours_ns)

    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        assert ours[key] == theirs[key], key
