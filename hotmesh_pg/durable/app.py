"""The durable graph (``app.yaml``), rendered for one namespace."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["APP_VERSION", "app_manifest", "app_yaml"]

PLACEHOLDER = "durable"


@cache
def _template() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("app.yaml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


APP_VERSION: str = str(_template()["app"]["version"])


def _rename(value: Any, app_id: str) -> Any:
    if isinstance(value, dict):
        return {_rename(k, app_id): _rename(v, app_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, app_id) for v in value]
    if isinstance(value, str) and value.startswith(PLACEHOLDER + "."):
        return app_id + value[len(PLACEHOLDER):]
    return value


def app_manifest(app_id: str) -> dict[str, Any]:
    """The app as a dict with id and every ``durable.*`` topic renamed to ``app_id``."""
    manifest: dict[str, Any] = _rename(_template(), app_id)
    manifest["app"]["id"] = app_id
    return manifest


def app_yaml(app_id: str) -> str:
    """The YAML text to deploy for ``app_id``."""
    return yaml.safe_dump(app_manifest(app_id), sort_keys=False, allow_unicode=True)
