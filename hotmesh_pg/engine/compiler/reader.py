"""Bounded YAML reading: text -> plain JSON-like data plus the line of every node.

HotMesh parses apps with js-yaml (YAML 1.2 core schema, duplicate keys rejected). PyYAML's
own loaders differ (YAML 1.1 booleans such as ``yes``, sexagesimal ints, silently kept
duplicate keys) and its composer recurses once per nesting level and expands aliases
without limit. So the tree is built here straight from libyaml's event stream with an
explicit stack: nesting depth, node count (aliases count as the size of what they copy)
and document size are capped, and every failure is a :class:`ValidationError` that names
the file and line, raised before any of the work the caps exist to prevent.

Scalars resolve like js-yaml's core schema: ``null``/``~``/empty -> None,
``true``/``false`` (three spellings) -> bool, decimal/``0x``/``0o``/``0b`` -> int, floats
incl. ``.inf``/``.nan`` (integral floats become ints, as JS has one number type).
Timestamps stay strings (js-yaml would build a ``Date``; no HotMesh app relies on it).
Mapping keys become strings the way JS would print them, and each mapping's keys are put
in JS property order (integer-like keys first, ascending), so a loaded app iterates exactly
like HotMesh's in-memory manifest.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from ...errors import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_NODES",
    "Path",
    "YamlDocument",
    "js_key_order",
    "read_yaml",
]

MAX_DOCUMENT_BYTES: Final = 1_000_000
"""Largest YAML text accepted per file (bytes of UTF-8); HotMesh's biggest app is ~60 kB."""
MAX_DEPTH: Final = 64
"""Deepest nesting of mappings/sequences accepted."""
MAX_NODES: Final = 100_000
"""Most nodes a document may expand to, aliases counted at the size of what they copy."""

Path = tuple[str | int, ...]

_INT_DEC = re.compile(r"[-+]?[0-9][0-9_]*")
_INT_HEX = re.compile(r"[-+]?0x[0-9a-fA-F_]+")
_INT_OCT = re.compile(r"[-+]?0o[0-7_]+")
_INT_BIN = re.compile(r"[-+]?0b[01_]+")
_FLOAT = re.compile(  # js-yaml 4: a bare '.5' may not carry a sign
    r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
)
_INF = re.compile(r"[-+]?\.(?:inf|Inf|INF)")
_NAN = re.compile(r"\.(?:nan|NaN|NAN)")
_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]{0,9}")
_MAX_ARRAY_INDEX: Final = 2**32 - 2


@dataclass
class YamlDocument:
    """A parsed document: its data and the 1-based line of each node, keyed by path."""

    value: Any
    file: str
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int | None:
        """Line of the node at ``path`` or of its nearest ancestor that has one."""
        while True:
            found = self.lines.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]


def js_key_order(mapping: dict[str, Any]) -> dict[str, Any]:
    """The same mapping with keys in JS own-property order (array indexes first, ascending)."""
    indexes = [k for k in mapping if _ARRAY_INDEX.fullmatch(k) and int(k) <= _MAX_ARRAY_INDEX]
    if not indexes:
        return mapping
    indexes.sort(key=int)
    ordered = {k: mapping[k] for k in indexes}
    for k, v in mapping.items():
        if k not in ordered:
            ordered[k] = v
    return ordered


def _number(text: str) -> int | float:
    value = float(text.replace("_", ""))
    if value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value


def _plain_scalar(text: str) -> Any:
    """Resolve an untagged plain scalar with the YAML 1.2 core schema (js-yaml's default)."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text.endswith("_"):
        return text
    if _INT_DEC.fullmatch(text):
        return int(text.replace("_", ""))
    for pattern, base in ((_INT_HEX, 16), (_INT_OCT, 8), (_INT_BIN, 2)):
        if pattern.fullmatch(text):
            sign = -1 if text.startswith("-") else 1
            digits = text.lstrip("+-")[2:].replace("_", "")
            return sign * int(digits, base)
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return _number(text)
    if _INF.fullmatch(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.fullmatch(text):
        return math.nan
    return text


def _tagged_scalar(tag: str, text: str, where: str, mark: Any) -> Any:
    if tag in ("tag:yaml.org,2002:str", "!"):
        return text
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        value = _plain_scalar(text)
        if isinstance(value, bool):
            return value
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        value = _plain_scalar(text)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    raise _fail(f"unsupported YAML tag {tag!r} on value {text[:40]!r}", where, mark)


def _key_text(key: Any) -> str:
    """A scalar key as the JS property name it becomes."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        if math.isnan(key):
            return "NaN"
        if math.isinf(key):
            return "Infinity" if key > 0 else "-Infinity"
        return repr(key)
    return str(key)


@dataclass
class _Frame:
    container: dict[str, Any] | list[Any]
    path: Path
    anchor: str | None
    first_node: int
    key: str | None = None
    has_key: bool = False
    overridable: set[str] = field(default_factory=set)


def _line(mark: Any) -> int:
    return int(mark.line) + 1 if mark is not None else 0


def _fail(message: str, file: str, mark: Any) -> ValidationError:
    line = mark.line + 1 if mark is not None else None
    return ValidationError(message, file=file, line=line)


def read_yaml(text: str | bytes, file: str = "<string>") -> YamlDocument:
    """Parse one YAML document into JSON-like data, enforcing the size, depth and node caps.

    Raises :class:`ValidationError` (with file and line) for unparsable text, more than one
    document, duplicate keys, non-scalar keys, unknown tags or an exceeded cap.
    """
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            f"document is {size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes", file=file
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValidationError(f"document is not UTF-8 text: {err}", file=file) from None
    try:
        return _build(text, file)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise _fail(f"YAML does not parse: {problem}", file, mark) from None


def _build(text: str, file: str) -> YamlDocument:
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    doc = YamlDocument(value=None, file=file)
    stack: list[_Frame] = []
    anchors: dict[str, tuple[Any, int]] = {}
    nodes = 0
    documents = 0
    root_set = False
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.StreamStartEvent | yaml.DocumentEndEvent):
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _fail("expected a single YAML document, found several", file,
                                event.start_mark)
                continue
            mark = event.start_mark
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                value: Any = frame.container
                if isinstance(value, dict):
                    value = js_key_order(value)
                if frame.anchor is not None:
                    anchors[frame.anchor] = (value, nodes - frame.first_node)
                root_set = _attach(stack, doc, value, frame.path, mark, file, root_set)
                continue
            if isinstance(event, yaml.AliasEvent):
                found = anchors.get(event.anchor or "")
                if found is None:
                    raise _fail(f"unknown alias *{event.anchor}", file, mark)
                target, weight = found
                nodes += max(weight, 1)
                if nodes > MAX_NODES:
                    raise _fail(
                        f"document expands to more than {MAX_NODES} nodes (alias *{event.anchor})",
                        file, mark,
                    )
                value = target  # shared; the loader rebuilds every node into a fresh tree
                path = _child_path(stack)
                root_set = _attach(stack, doc, value, path, mark, file, root_set)
                continue
            nodes += 1
            if nodes > MAX_NODES:
                raise _fail(f"document has more than {MAX_NODES} nodes", file, mark)
            if isinstance(event, yaml.ScalarEvent):
                if event.tag is None:
                    value = _plain_scalar(event.value) if event.implicit[0] else event.value
                elif event.tag == "!":
                    value = event.value
                else:
                    value = _tagged_scalar(event.tag, event.value, file, mark)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, 1)
                path = _child_path(stack)
                root_set = _attach(stack, doc, value, path, mark, file, root_set)
                continue
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise _fail(f"nesting deeper than {MAX_DEPTH} levels", file, mark)
                if stack and isinstance(stack[-1].container, dict) and not stack[-1].has_key:
                    raise _fail("mapping keys must be scalars", file, mark)
                tag = event.tag
                is_map = isinstance(event, yaml.MappingStartEvent)
                allowed = ("tag:yaml.org,2002:map",) if is_map else ("tag:yaml.org,2002:seq",)
                if tag is not None and tag != "!" and tag not in allowed:
                    raise _fail(f"unsupported YAML tag {tag!r}", file, mark)
                path = _child_path(stack)
                doc.lines.setdefault(path, _line(mark))
                container: dict[str, Any] | list[Any] = {} if is_map else []
                stack.append(_Frame(container, path, event.anchor, nodes))
                continue
    finally:
        loader.dispose()
    return doc


def _child_path(stack: list[_Frame]) -> Path:
    if not stack:
        return ()
    top = stack[-1]
    if isinstance(top.container, list):
        return (*top.path, len(top.container))
    if top.has_key:
        assert top.key is not None
        return (*top.path, top.key)
    return top.path


def _attach(
    stack: list[_Frame], doc: YamlDocument, value: Any, path: Path, mark: Any, file: str,
    root_set: bool,
) -> bool:
    """Put a finished node into its parent (or make it the root); returns root_set."""
    if not stack:
        if root_set:
            raise _fail("expected a single YAML document, found several", file, mark)
        doc.value = value
        return True
    top = stack[-1]
    if isinstance(top.container, list):
        doc.lines.setdefault(path, mark.line + 1)
        top.container.append(value)
        return root_set
    if not top.has_key:
        if isinstance(value, dict | list):
            raise _fail("mapping keys must be scalars", file, mark)
        top.key = _key_text(value)
        top.has_key = True
        doc.lines[(*top.path, top.key)] = mark.line + 1
        return root_set
    key = top.key
    assert key is not None
    top.has_key = False
    top.key = None
    mapping = top.container
    if key == "<<":
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                raise _fail("merge key '<<' needs a mapping or a list of mappings", file, mark)
            for k, v in source.items():
                if k not in mapping:
                    mapping[k] = v
                    top.overridable.add(k)
        return root_set
    if key in mapping and key not in top.overridable:
        raise _fail(f"duplicated mapping key {key!r}", file, mark)
    top.overridable.discard(key)
    mapping[key] = value
    return root_set
