"""YAML apps in, HotMesh's deploy artifacts out: load, validate, compile, deploy.

``load_app(path_or_yaml)`` reads an app (YAML text starting with ``app:``, or a file whose
``$ref`` includes are resolved inside its folder), validates it and returns the plain
dereferenced manifest; ``deploy(store, ns, app_id, manifest)`` compiles a manifest and
writes every artifact HotMesh's deployer writes (see README.md in this package), raising
:class:`~hotmesh_pg.errors.ValidationError` before writing anything if the app is broken.
"""

from __future__ import annotations

import os
from typing import Any

from ...clock import Clock
from ...errors import ValidationError
from ...providers.protocols import Store, Stream
from . import deployer
from .builder import CompiledApp, build
from .loader import LoadedApp, load_source, write_manifest_json
from .validator import validate

__all__ = [
    "CompiledApp",
    "LoadedApp",
    "compile_app",
    "deploy",
    "load",
    "load_app",
    "plan",
    "validate",
    "write_manifest_json",
]


def load(path_or_yaml: str | os.PathLike[str]) -> LoadedApp:
    """Read and validate an app; the result keeps the file/line of every node."""
    loaded = load_source(path_or_yaml)
    validate(loaded.manifest, loaded.locations)
    return loaded


def load_app(path_or_yaml: str | os.PathLike[str]) -> dict[str, Any]:
    """The validated, dereferenced manifest of an app (HotMesh's ``plan``).

    ``path_or_yaml`` is YAML text when, stripped, it starts with ``app:``; otherwise a file
    path. Raises :class:`ValidationError` naming file, line, activity and field.
    """
    manifest: dict[str, Any] = load(path_or_yaml).manifest
    return manifest


def plan(path_or_yaml: str | os.PathLike[str]) -> dict[str, Any]:
    """Alias of :func:`load_app` under HotMesh's name: validates, stores nothing."""
    return load_app(path_or_yaml)


def compile_app(manifest: dict[str, Any]) -> CompiledApp:
    """Validate ``manifest`` and compute every artifact, without touching storage."""
    validate(manifest)
    return build(manifest)


async def deploy(
    store: Store,
    ns: str,
    app_id: str,
    manifest: dict[str, Any],
    *,
    stream: Stream | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Compile ``manifest`` and write HotMesh's deploy artifacts under namespace ``ns``.

    Everything is validated and planned first; a broken app raises
    :class:`ValidationError` and writes nothing. ``app_id`` must equal ``app.id`` in the
    manifest. With ``stream``, the ENGINE and literal WORKER consumer groups are created.
    Returns the compiled manifest (activities carry ``ancestors``, ``consumes``, ...).
    """
    compiled = compile_app(manifest)
    if compiled.app_id != app_id:
        raise ValidationError(
            f"app.id {compiled.app_id!r} does not match the engine's app id {app_id!r}",
            field="app.id",
        )
    await deployer.write(store, ns, compiled, stream=stream, clock=clock)
    return compiled.manifest
