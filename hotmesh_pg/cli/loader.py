"""Turns command-line text into things: JSON payloads, YAML app files, worker callbacks."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .exits import UsageError

APPS_DIR_ENV = "HOTMESH_APPS_DIR"


def parse_json_arg(text: str, what: str) -> Any:
    """Parse a JSON argument; ``-`` reads stdin and ``@path`` reads a file.

    Raises ``UsageError`` naming the argument and the position of the fault.
    """
    source = what
    if text == "-":
        text, source = sys.stdin.read(), f"{what} (stdin)"
    elif text.startswith("@"):
        path = Path(text[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from exc
        source = f"{what} ({path})"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """Like ``parse_json_arg`` but the value must be an object (job data always is)."""
    value = parse_json_arg(text, what)
    if not isinstance(value, dict):
        raise UsageError(f"{what} must be a JSON object, got {type(value).__name__}: {text[:80]}")
    return value


def read_app_header(path: Path) -> tuple[str, str]:
    """``(app id, version)`` from the top of a YAML app file, without compiling it.

    The CLI needs the id to connect before it can deploy; everything else is the compiler's
    job (it reports its own errors with file and line).
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read app file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"{path} is not valid YAML: {exc}") from exc
    app = doc.get("app") if isinstance(doc, dict) else None
    if not isinstance(app, dict) or not app.get("id"):
        raise UsageError(f"{path}: expected a top-level 'app:' with an 'id' (a HotMesh app file)")
    return str(app["id"]), str(app.get("version", ""))


def apps_dir() -> Path:
    """The folder holding the sample apps: ``$HOTMESH_APPS_DIR``, else ``apps/`` of the source
    tree this package was installed from (an editable install or a checkout), else the copy
    a wheel ships as ``hotmesh_pg/_apps``."""
    override = os.environ.get(APPS_DIR_ENV)
    if override:
        return Path(override)
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "apps"
        if (candidate / "orders" / "hotmesh.yaml").is_file():
            return candidate
    shipped = here.parents[1] / "_apps"
    if (shipped / "orders" / "hotmesh.yaml").is_file():
        return shipped
    raise UsageError(
        f"cannot find the sample apps folder (apps/orders/hotmesh.yaml) above {here.parent}; "
        f"set {APPS_DIR_ENV} to the apps/ folder of a hotmesh_pg checkout"
    )


def load_object(spec: str) -> Any:
    """Import ``MODULE:ATTR``; MODULE is a dotted module name or a path to a ``.py`` file.

    ATTR may be dotted (``module:Class.attr``). Import errors are reported as usage errors
    with the spec, because the usual cause is a typo or a missing ``PYTHONPATH`` entry.
    """
    module_part, sep, attr_part = spec.rpartition(":")
    if not sep or not module_part or not attr_part:
        raise UsageError(f"expected MODULE:ATTR (e.g. myapp.workers:WORKERS), got {spec!r}")
    if module_part.endswith(".py") or os.sep in module_part:
        path = Path(module_part)
        if not path.is_file():
            raise UsageError(f"{spec}: no such file {path}")
        name = f"hotmesh_pg_cli_user_{path.stem}"
        loaded = sys.modules.get(name)
        if loaded is not None and Path(getattr(loaded, "__file__", "")) == path.resolve():
            return _attribute(loaded, module_part, attr_part)
        module_spec = importlib.util.spec_from_file_location(name, path.resolve())
        if module_spec is None or module_spec.loader is None:
            raise UsageError(f"{spec}: cannot load {path} as a Python module")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise UsageError(
                f"{spec}: importing {path} failed: {type(exc).__name__}: {exc}"
            ) from exc
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # like `python -m`, find modules in the cwd
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise UsageError(f"{spec}: cannot import module {module_part!r}: {exc}") from exc
        except Exception as exc:
            raise UsageError(
                f"{spec}: importing {module_part} failed: {type(exc).__name__}: {exc}"
            ) from exc
    return _attribute(module, module_part, attr_part)


def _attribute(module: Any, module_part: str, attr_part: str) -> Any:
    target: Any = module
    for name in attr_part.split("."):
        try:
            target = getattr(target, name)
        except AttributeError as exc:
            raise UsageError(
                f"{module_part}:{attr_part}: {module_part} has no attribute {attr_part!r}"
            ) from exc
    return target


def worker_entries(target: Any, topic: str | None, spec: str) -> list[dict[str, Any]]:
    """Normalise what ``worker MODULE:ATTR`` named into HotMesh ``workers=`` entries.

    Accepted: a callable (needs ``--topic``), a ``{topic: callback}`` mapping, or a list of
    ``{"topic", "callback", ...}`` dicts as ``HotMesh.init`` takes them.
    """
    if callable(target) and not isinstance(target, Mapping):
        if not topic:
            raise UsageError(f"{spec} is a single callback: pass --topic TOPIC to name its topic")
        return [{"topic": topic, "callback": target}]
    entries: list[dict[str, Any]]
    if isinstance(target, Mapping):
        entries = [{"topic": str(t), "callback": cb} for t, cb in target.items()]
    elif isinstance(target, list | tuple):
        entries = [dict(e) if isinstance(e, Mapping) else {"bad": e} for e in target]
    else:
        raise UsageError(
            f"{spec} is a {type(target).__name__}; expected a callback, a {{topic: callback}} "
            "dict or a list of {'topic', 'callback'} dicts"
        )
    for index, entry in enumerate(entries):
        callback: Callable[..., Any] | None = entry.get("callback")
        if not isinstance(entry.get("topic"), str) or not callable(callback):
            raise UsageError(f"{spec}[{index}] needs a string 'topic' and a callable 'callback'")
        if inspect.isclass(callback):
            raise UsageError(f"{spec}[{index}]: callback is a class, expected a function")
    if topic:
        entries = [entry for entry in entries if entry["topic"] == topic]
        if not entries:
            raise UsageError(f"{spec} has no worker for topic {topic!r}")
    if not entries:
        raise UsageError(f"{spec} names no workers")
    return entries
