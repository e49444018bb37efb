"""The README's Python examples run as written (only the connection is redirected)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
EXPECTED = ["{'y': 42}", "Hello, HotMesh!"]


def test_readme_has_the_examples_this_test_runs() -> None:
    assert len(BLOCKS) == len(EXPECTED)


@pytest.mark.parametrize(("index", "expected"), list(enumerate(EXPECTED)))
def test_readme_example_runs(
    index: int, expected: str, postgres_dsn: str, pg_schema: str, tmp_path: Path
) -> None:
    target = f'connection={postgres_dsn!r}, schema={pg_schema!r}'
    code = BLOCKS[index]
    code = code.replace('connection="postgresql://postgres@127.0.0.1/test"', target)
    code = code.replace("connection=None", target)
    assert target in code, "the example no longer names a connection this test can redirect"
    script = tmp_path / f"example_{index}.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=240,
        cwd=README.parent,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert expected in done.stdout
