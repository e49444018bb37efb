"""$ref resolution: files, JSON pointers, same-file pointers, and what may not be referenced."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotmesh_pg.engine.compiler.loader import load_source, write_manifest_json
from hotmesh_pg.errors import ValidationError


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_whole_file_and_pointer_refs_relative_to_the_including_file(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml", "app:\n  graphs:\n    - $ref: ./graphs/g.yaml\n")
    write(tmp_path, "graphs/g.yaml",
          "subscribes: g\ninput:\n  schema:\n    $ref: '../schemas/s.yaml#/input'\n")
    write(tmp_path, "schemas/s.yaml", "input:\n  type: object\n  enum: [a~b, c/d]\n")
    loaded = load_source(main)
    assert loaded.manifest == {"app": {"graphs": [
        {"subscribes": "g", "input": {"schema": {"type": "object", "enum": ["a~b", "c/d"]}}}
    ]}}
    file, line = loaded.locations.find(("app", "graphs", 0, "input", "schema", "enum"))
    assert file is not None and file.endswith("schemas/s.yaml") and line == 3


def test_same_file_pointer_and_escaped_tokens(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml",
                 "defs:\n  a/b:\n    x: 1\n  t~n: 2\napp:\n  one: {$ref: '#/defs/a~1b'}\n"
                 "  two: {$ref: '#/defs/t~0n'}\n")
    manifest = load_source(main).manifest
    assert manifest["app"] == {"one": {"x": 1}, "two": 2}


def test_referenced_content_is_copied_not_shared(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml",
                 "d: {x: 1}\napp:\n  a: {$ref: '#/d'}\n  b: {$ref: '#/d'}\n")
    app = load_source(main).manifest["app"]
    assert app["a"] == app["b"] and app["a"] is not app["b"]


def test_sibling_keys_extend_a_referenced_mapping(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml", "d: {x: 1}\napp:\n  a: {$ref: '#/d', y: 2}\n")
    assert load_source(main).manifest["app"]["a"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("../outside.yaml", "escapes the app folder"),
        ("./missing.yaml", "missing file"),
        ("./g.yaml#/nope", "points at nothing"),
        ("./g.yaml#nope", "malformed JSON pointer"),
        ("https://example.com/x.yaml", "is a URL"),
        ("#/app", "circular"),
    ],
)
def test_bad_refs_name_the_ref_file_and_line(tmp_path: Path, ref: str, message: str) -> None:
    (tmp_path / "outside.yaml").write_text("x: 1\n")
    root = tmp_path / "app"
    main = write(root, "hotmesh.yaml", f"app:\n  graphs:\n    - $ref: '{ref}'\n")
    write(root, "g.yaml", "subscribes: g\n")
    with pytest.raises(ValidationError, match=message) as err:
        load_source(main)
    assert err.value.file is not None and err.value.file.endswith("hotmesh.yaml")
    assert err.value.line == 3


def test_symlink_out_of_the_folder_is_an_escape(tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("x: 1\n")
    root = tmp_path / "app"
    main = write(root, "hotmesh.yaml", "app:\n  x: {$ref: ./link.yaml}\n")
    os.symlink(tmp_path / "secret.yaml", root / "link.yaml")
    with pytest.raises(ValidationError, match="escapes the app folder"):
        load_source(main)


def test_mutual_refs_between_files_are_circular(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml", "app:\n  x: {$ref: './a.yaml#/a'}\n")
    write(tmp_path, "a.yaml", "a: {$ref: './b.yaml#/b'}\n")
    write(tmp_path, "b.yaml", "b: {$ref: './a.yaml#/a'}\n")
    with pytest.raises(ValidationError, match="circular"):
        load_source(main)


def test_file_refs_in_yaml_text_need_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="needs a file"):
        load_source("app:\n  graphs:\n    - $ref: ./g.yaml\n")
    assert load_source("app:\n  x: {$ref: '#/d'}\nd: 1\n").manifest == \
        {"app": {"x": 1}, "d": 1}


def test_missing_app_file() -> None:
    with pytest.raises(ValidationError, match="app file not found"):
        load_source("/nonexistent/hotmesh.yaml")


def test_oversized_referenced_file_is_refused_before_reading(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml", "app:\n  x: {$ref: ./big.yaml}\n")
    with open(tmp_path / "big.yaml", "wb") as big:
        big.truncate(10 * 1024 * 1024)
    with pytest.raises(ValidationError, match="limit is"):
        load_source(main)


def test_manifest_json_is_written_beside_the_yaml(tmp_path: Path) -> None:
    main = write(tmp_path, "hotmesh.yaml", "app:\n  id: calc\n  version: '2'\n")
    manifest = load_source(main).manifest
    target = write_manifest_json(main, manifest)
    assert target.name == ".hotmesh.calc.2.json"
    assert target.read_text().startswith('{\n  "app": {\n    "id": "calc"')


def test_yaml_text_must_start_with_app() -> None:
    with pytest.raises(ValidationError, match="must start with 'app:'"):
        load_source("# comment\napp:\n  id: x\n")


def test_nesting_through_refs_is_capped_without_recursion_errors(tmp_path: Path) -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "leaf: {$ref: '#/k0'}\n"
    main = write(tmp_path, "hotmesh.yaml", "app:\n  x: {$ref: './d.yaml#/k0'}\n")
    write(tmp_path, "d.yaml", deep)
    with pytest.raises(ValidationError, match=r"deeper than|circular"):
        load_source(main)
    chain = "".join(
        f"n{i}:\n" + "".join("  " * j + f"k{j}:\n" for j in range(1, 40))
        + "  " * 40 + f"leaf: {{$ref: '#/n{i + 1}'}}\n" for i in range(30)
    ) + "n30: end\n"
    main2 = write(tmp_path, "hotmesh2.yaml", "app:\n  x: {$ref: './c.yaml#/n0'}\n")
    write(tmp_path, "c.yaml", chain)
    with pytest.raises(ValidationError, match="deeper than"):
        load_source(main2)


def test_ref_expansion_bomb_is_stopped_by_the_node_cap(tmp_path: Path) -> None:
    lines = ["l0: [a, a, a, a, a, a, a, a, a, a]"]
    for i in range(1, 8):
        lines.append(f"l{i}: [" + ", ".join([f"{{$ref: '#/l{i - 1}'}}"] * 10) + "]")
    main = write(tmp_path, "hotmesh.yaml", "app:\n  x: {$ref: '#/l7'}\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValidationError, match=r"more than \d+ nodes"):
        load_source(main)
