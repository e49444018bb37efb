"""App sources -> one dereferenced manifest, with the file and line of every node.

HotMesh treats input whose trimmed text starts with ``app:`` as YAML; anything else is a
path, loaded with every ``$ref`` dereferenced (json-schema-ref-parser semantics: ``./x.yaml``
is a whole file, ``../s.yaml#/a2/input`` a JSON pointer into one, ``#/...`` a pointer into
the same file, paths relative to the file holding the ``$ref``). Unlike the reference, a
``$ref`` may not leave the folder of the app's root file (no ``..`` escapes, no symlinks out,
no URLs), refs may not loop, and every file read is size-capped before it is read.
Referenced content is copied, never shared, so later compile steps cannot alter two places
through one object.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Final
from urllib.parse import unquote

from ...errors import ValidationError
from .reader import MAX_DEPTH, MAX_DOCUMENT_BYTES, MAX_NODES, Path, YamlDocument, read_yaml

__all__ = [
    "MAX_REF_FILES",
    "LoadedApp",
    "Locations",
    "is_yaml_text",
    "load_source",
    "manifest_json_path",
    "write_manifest_json",
]

MAX_REF_FILES: Final = 200
"""Most distinct files one app may pull in through ``$ref``."""
MAX_TOTAL_BYTES: Final = 4_000_000
"""Most YAML bytes one app may read across all its files."""
MAX_REF_DEPTH: Final = 32
"""Longest chain of ``$ref``s resolved inside one another."""


@dataclass
class Locations:
    """Where each node of a dereferenced manifest came from: path -> (file, line)."""

    entries: dict[Path, tuple[str, int | None]] = field(default_factory=dict)
    default_file: str | None = None

    def find(self, path: Path) -> tuple[str | None, int | None]:
        """File and line of ``path``, or of the closest enclosing node that has them."""
        probe = path
        while True:
            found = self.entries.get(probe)
            if found is not None:
                return found
            if not probe:
                return self.default_file, None
            probe = probe[:-1]


@dataclass
class LoadedApp:
    """A dereferenced manifest plus where its parts came from."""

    manifest: Any
    locations: Locations
    source_file: str | None


def is_yaml_text(source: str | os.PathLike[str]) -> bool:
    """HotMesh's rule: YAML text starts with ``app:`` once leading whitespace is dropped."""
    return isinstance(source, str) and source.lstrip().startswith("app:")


def load_source(source: str | os.PathLike[str]) -> LoadedApp:
    """Read YAML text or a file (with ``$ref`` resolution) into a :class:`LoadedApp`.

    Raises :class:`ValidationError` for a missing file, unparsable YAML, an exceeded cap, or a
    ``$ref`` that is missing, loops, or points outside the app's folder.
    """
    if is_yaml_text(source):
        assert isinstance(source, str)
        doc = read_yaml(source, "<string>")
        resolver = _Resolver(root_dir=None)
        resolver.documents["<string>"] = doc
        manifest = resolver.resolve_document(doc)
        return LoadedApp(manifest, resolver.locations, None)
    if isinstance(source, str) and "\n" in source:
        raise ValidationError(
            "YAML text must start with 'app:' (HotMesh reads anything else as a file path)",
            file="<string>", line=1,
        )
    path = FsPath(os.fspath(source))
    if not path.is_file():
        raise ValidationError(f"app file not found: {path}", file=str(path))
    root = path.resolve()
    resolver = _Resolver(root_dir=root.parent)
    doc = resolver.load_file(root, str(path))
    manifest = resolver.resolve_document(doc)
    return LoadedApp(manifest, resolver.locations, str(path))


def manifest_json_path(source_file: str | os.PathLike[str], manifest: dict[str, Any]) -> FsPath:
    """HotMesh's sibling file for a deployed app: ``.hotmesh.<id>.<version>.json``."""
    app = manifest.get("app", {})
    return FsPath(source_file).parent / f".hotmesh.{app.get('id')}.{app.get('version')}.json"


def write_manifest_json(source_file: str | os.PathLike[str], manifest: dict[str, Any]) -> FsPath:
    """Write the dereferenced manifest next to its YAML, 2-space indented, as HotMesh does."""
    target = manifest_json_path(source_file, manifest)
    target.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


class _Resolver:
    def __init__(self, root_dir: FsPath | None) -> None:
        self.root_dir = root_dir
        self.documents: dict[str, YamlDocument] = {}
        self.locations = Locations()
        self.total_bytes = 0
        self.nodes = 0
        self._sizes: dict[tuple[str, str], tuple[int, int]] = {}

    # -- files ------------------------------------------------------------------------------
    def load_file(self, resolved: FsPath, label: str) -> YamlDocument:
        key = str(resolved)
        cached = self.documents.get(key)
        if cached is not None:
            return cached
        if len(self.documents) >= MAX_REF_FILES:
            raise ValidationError(f"app pulls in more than {MAX_REF_FILES} files", file=label)
        try:
            size = resolved.stat().st_size
        except OSError as err:
            raise ValidationError(f"cannot read file: {err.strerror}", file=label) from None
        if size > MAX_DOCUMENT_BYTES:
            raise ValidationError(
                f"document is {size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes", file=label
            )
        self.total_bytes += size
        if self.total_bytes > MAX_TOTAL_BYTES:
            raise ValidationError(
                f"app files total more than {MAX_TOTAL_BYTES} bytes", file=label
            )
        try:
            data = resolved.read_bytes()
        except OSError as err:
            raise ValidationError(f"cannot read file: {err.strerror}", file=label) from None
        doc = read_yaml(data, label)
        self.documents[key] = doc
        return doc

    def _target_file(self, ref: str, doc: YamlDocument, where: Path) -> YamlDocument:
        file_part = ref.split("#", 1)[0]
        if not file_part:
            return doc
        file, line = doc.file, doc.line(where)
        if "://" in file_part or file_part.startswith(("http:", "https:", "file:")):
            raise ValidationError(f"$ref {ref!r} is a URL; only files inside the app folder "
                                  "may be referenced", file=file, line=line)
        if self.root_dir is None:
            raise ValidationError(f"$ref {ref!r} needs a file: deploy the app from its path, "
                                  "not from YAML text", file=file, line=line)
        base = FsPath(self._path_of(doc)).parent
        candidate = (base / unquote(file_part)).resolve()
        if not candidate.is_relative_to(self.root_dir):
            raise ValidationError(f"$ref {ref!r} escapes the app folder {self.root_dir}",
                                  file=file, line=line)
        if not candidate.is_file():
            raise ValidationError(f"$ref {ref!r} names a missing file", file=file, line=line)
        return self.load_file(candidate, str(candidate))

    def _path_of(self, doc: YamlDocument) -> str:
        for key, known in self.documents.items():
            if known is doc:
                return key
        return doc.file  # pragma: no cover - every doc is registered before use

    # -- resolution -------------------------------------------------------------------------
    def resolve_document(self, doc: YamlDocument) -> Any:
        self.locations.default_file = doc.file
        # size the expansion first (memoised per ref target, so a $ref bomb costs only its
        # distinct nodes), then build it
        self._measure(doc.value, doc, (), [], 0)
        return self._resolve(doc.value, doc, (), (), [])

    def _link(
        self, ref: str, doc: YamlDocument, where: Path, chain: list[tuple[str, str]],
    ) -> tuple[YamlDocument, str, tuple[str, str]]:
        target_doc = self._target_file(ref, doc, where)
        pointer = ref.split("#", 1)[1] if "#" in ref else ""
        link = (self._path_of(target_doc), pointer)
        if link in chain:
            raise ValidationError(f"$ref {ref!r} is circular", file=doc.file,
                                  line=doc.line(where))
        if len(chain) >= MAX_REF_DEPTH:
            raise ValidationError(f"$ref chain deeper than {MAX_REF_DEPTH}", file=doc.file,
                                  line=doc.line(where))
        return target_doc, pointer, link

    def _measure(
        self, value: Any, doc: YamlDocument, src: Path, chain: list[tuple[str, str]],
        depth: int,
    ) -> tuple[int, int]:
        """(nodes, height) of ``value`` once dereferenced at ``depth``; raises past the caps."""
        if depth > MAX_DEPTH:
            raise ValidationError(
                f"app nests deeper than {MAX_DEPTH} levels once $refs are resolved",
                file=doc.file, line=doc.line(src),
            )
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                where = (*src, "$ref")
                target_doc, pointer, link = self._link(ref, doc, where, chain)
                known = self._sizes.get(link)
                if known is None:
                    target, target_path = self._follow(pointer, target_doc, ref, doc, where)
                    known = self._measure(target, target_doc, target_path, [*chain, link],
                                          depth)
                    self._sizes[link] = known
                nodes, height = known
                for k, v in value.items():
                    if k != "$ref":
                        n, h = self._measure(v, doc, (*src, k), chain, depth + 1)
                        nodes, height = nodes + n, max(height, h + 1)
            else:
                nodes, height = 1, 0
                for k, v in value.items():
                    n, h = self._measure(v, doc, (*src, k), chain, depth + 1)
                    nodes, height = nodes + n, max(height, h + 1)
        elif isinstance(value, list):
            nodes, height = 1, 0
            for i, v in enumerate(value):
                n, h = self._measure(v, doc, (*src, i), chain, depth + 1)
                nodes, height = nodes + n, max(height, h + 1)
        else:
            return 1, 0
        if nodes > MAX_NODES:
            raise ValidationError(
                f"app expands to more than {MAX_NODES} nodes once $refs are resolved",
                file=doc.file, line=doc.line(src),
            )
        if depth + height > MAX_DEPTH:
            raise ValidationError(
                f"app nests deeper than {MAX_DEPTH} levels once $refs are resolved",
                file=doc.file, line=doc.line(src),
            )
        return nodes, height

    def _resolve(
        self, value: Any, doc: YamlDocument, src: Path, out: Path,
        chain: list[tuple[str, str]],
    ) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ValidationError(
                f"app expands to more than {MAX_NODES} nodes once $refs are resolved",
                file=doc.file, line=doc.line(src),
            )
        if len(out) > MAX_DEPTH:
            raise ValidationError(
                f"app nests deeper than {MAX_DEPTH} levels once $refs are resolved",
                file=doc.file, line=doc.line(src),
            )
        line = doc.lines.get(src)
        if line is not None or out not in self.locations.entries:
            self.locations.entries[out] = (doc.file, line if line is not None else doc.line(src))
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                return self._dereference(value, ref, doc, src, out, chain)
            return {k: self._resolve(v, doc, (*src, k), (*out, k), chain)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, doc, (*src, i), (*out, i), chain)
                    for i, v in enumerate(value)]
        return value

    def _dereference(
        self, holder: dict[str, Any], ref: str, doc: YamlDocument, src: Path, out: Path,
        chain: list[tuple[str, str]],
    ) -> Any:
        where = (*src, "$ref")
        target_doc, pointer, link = self._link(ref, doc, where, chain)
        target, target_path = self._follow(pointer, target_doc, ref, doc, where)
        resolved = self._resolve(target, target_doc, target_path, out, [*chain, link])
        # _resolve builds fresh containers on every call, so each use of a target is
        # already a private copy
        siblings = {k: v for k, v in holder.items() if k != "$ref"}
        if siblings and isinstance(resolved, dict):
            for k, v in siblings.items():
                resolved[k] = self._resolve(v, doc, (*src, k), (*out, k), chain)
        return resolved

    @staticmethod
    def _follow(
        pointer: str, target_doc: YamlDocument, ref: str, doc: YamlDocument, where: Path,
    ) -> tuple[Any, Path]:
        node = target_doc.value
        path: Path = ()
        if pointer in ("", "/"):
            return node, path
        if not pointer.startswith("/"):
            raise ValidationError(f"$ref {ref!r} has a malformed JSON pointer", file=doc.file,
                                  line=doc.line(where))
        for raw in pointer[1:].split("/"):
            token = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
                path = (*path, token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
                path = (*path, int(token))
            else:
                raise ValidationError(
                    f"$ref {ref!r} points at nothing: {token!r} not found in {target_doc.file}",
                    file=doc.file, line=doc.line(where),
                )
        return node, path
