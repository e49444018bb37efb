"""The bad inputs the issue names, through the public entry point: each is a ValidationError
(never a hang, RecursionError or memory blow-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotmesh_pg.engine.compiler import load_app
from hotmesh_pg.errors import ValidationError

TEN_MB = 10 * 1024 * 1024


def laughs() -> str:
    lines = ["app:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 12):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app:\n  id: [unclosed\n", "YAML does not parse"),
        ("app:\n  id: x\n\tversion: '1'\n", "YAML does not parse"),
        ("app:\n  settings: '" + "x" * TEN_MB + "'\n", "limit is"),
        (laughs(), "nodes"),
        ("app: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest|YAML does not parse"),
        ("app:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 5000)), "deeper|limit"),
        ("app:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 400)), "deeper than"),
        ("app:\n  x: !!python/name:os.system\n", "unsupported YAML tag"),
    ],
    ids=["unparsable", "tab-indent", "10MB", "billion-laughs", "deep-flow", "deep-block-huge",
         "deep-block", "python-tag"],
)
def test_bad_yaml_text(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        load_app(text)


def test_ten_megabyte_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "hotmesh.yaml"
    with open(big, "wb") as handle:
        handle.write(b"app:\n  settings: '")
        handle.truncate(TEN_MB)
    with pytest.raises(ValidationError, match="limit is") as err:
        load_app(big)
    assert err.value.file == str(big)


@pytest.mark.parametrize(
    ("ref", "message"),
    [("../../etc/passwd", "escapes the app folder"), ("./nope.yaml", "missing file"),
     ("/etc/hostname", "escapes the app folder")],
)
def test_bad_refs(tmp_path: Path, ref: str, message: str) -> None:
    app = tmp_path / "hotmesh.yaml"
    app.write_text(f"app:\n  id: x1\n  version: '1'\n  graphs:\n    - $ref: '{ref}'\n")
    with pytest.raises(ValidationError, match=message) as err:
        load_app(app)
    assert err.value.line == 5
