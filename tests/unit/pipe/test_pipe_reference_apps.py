"""Every @pipe in HotMesh's reference apps names catalog functions and never crashes.

The apps' pipes run here against an empty job context, where every reference is
undefined: a JS error (``PipeError``) is an acceptable outcome, anything else (an unknown
function, a Python exception) is a bug in the port.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from reference_apps import MISSING, REASON, REFERENCE

from hotmesh_pg.pipe import Pipe, PipeError
from hotmesh_pg.pipe.functions import FUNCTIONS

ROOT = REFERENCE
pytestmark = pytest.mark.skipif(MISSING, reason=REASON)


def _pipes(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "@pipe" in node:
            yield node
        for value in node.values():
            yield from _pipes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _pipes(value)


def _documents() -> list[tuple[str, Any]]:
    if ROOT is None:
        return []
    found = []
    for path in sorted(ROOT.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found.append((str(path.relative_to(ROOT)), document))
    return found


DOCUMENTS = _documents()


def test_reference_apps_hold_pipes() -> None:
    assert sum(1 for _, doc in DOCUMENTS for _ in _pipes(doc)) > 10


@pytest.mark.parametrize(("path", "document"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_function_cells_are_in_the_catalog(path: str, document: Any) -> None:
    text = yaml.safe_dump(document)
    for domain, name in re.findall(r"\{@(\w+)\.(\w+)\}", text):
        assert name in FUNCTIONS.get(domain, {}), f"{path}: unknown {{@{domain}.{name}}}"


@pytest.mark.parametrize(("path", "document"), DOCUMENTS, ids=[p for p, _ in DOCUMENTS])
def test_pipes_evaluate_or_raise_a_pipe_error(path: str, document: Any) -> None:
    for pipe in _pipes(document):
        try:
            Pipe.resolve(pipe, {})
        except PipeError as exc:
            assert "Unknown domain" not in str(exc), f"{path}: {exc}"
