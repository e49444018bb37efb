"""``@pipe`` / ``@reduce`` evaluation over a job context (engine-model §2.1-2.6).

The row algorithm reproduces HotMesh's ``services/pipe`` exactly, odd corners included:
row 0 is data, each later row starts with a function that receives *all* cells of the row
before, nested pipes fan out and their results become the next function's arguments, and
the result is the first cell of the last row. Functions receive live context objects, so
mutating functions change the in-memory job data (as in HotMesh).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from hotmesh_pg.pipe.errors import PipeError, PipeTypeError
from hotmesh_pg.pipe.functions import FUNCTIONS
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    JSDate,
    from_utf16_units,
    is_array_index,
    own_keys,
    utf16_units,
)

__all__ = [
    "Pipe",
    "PipeError",
    "get_path",
    "is_context_variable",
    "is_function_cell",
    "is_pipe_object",
    "is_reduce_object",
    "is_reference",
    "parse_function_cell",
    "resolve",
    "resolve_function",
]

CONTEXT_PREFIXES: Final = ("{$item", "{$key", "{$index", "{$input", "{$output")

# ``prior`` is None when no row has been resolved yet (HotMesh's ``null``); an empty list
# is a resolved row and counts as present, so never test it for truthiness.
Row = list[Any]


# -- cell classification (shared with the compiler's validator) ------------------------------

def is_function_cell(cell: object) -> bool:
    """``{@domain.name}``: a call (with no arguments when it is a data cell)."""
    return isinstance(cell, str) and cell.startswith("{@") and cell.endswith("}")


def is_context_variable(cell: object) -> bool:
    """A ``@reduce`` variable; a prefix test, so ``{$items}`` counts too (as in HotMesh)."""
    return isinstance(cell, str) and cell.endswith("}") and cell.startswith(CONTEXT_PREFIXES)


def is_reference(cell: object) -> bool:
    """``{a.output.data.x}`` / ``{$job.metadata.jid}``: a path into the job context."""
    return isinstance(cell, str) and cell.startswith("{") and cell.endswith("}")


def is_pipe_object(value: object) -> bool:
    return isinstance(value, dict) and "@pipe" in value


def is_reduce_object(value: object) -> bool:
    return isinstance(value, dict) and "@reduce" in value


def parse_function_cell(cell: object) -> tuple[str, str]:
    """Split ``{@domain.name}`` the way HotMesh does; raises ``PipeError`` if malformed.

    The domain is the text between the first two characters and the first ``.``; the name
    is the next ``.``-separated segment minus its last character (the closing brace).
    """
    parts = cell.split(".") if isinstance(cell, str) else []
    if len(parts) < 2:
        raise PipeTypeError(
            f"a row after the first must start with a function such as '{{@string.concat}}',"
            f" got {cell!r}"
        )
    return parts[0][2:], parts[1][:-1]


def resolve_function(cell: object) -> Callable[..., Any]:
    """The pipe function a ``{@domain.name}`` cell names.

    Only the catalog resolves; HotMesh also resolved inherited ``Object.prototype``
    members (``{@number.toString}``), which the port rejects (engine-model §9 #4, Fix).
    """
    domain_name, name = parse_function_cell(cell)
    domain = FUNCTIONS.get(domain_name)
    if domain is None:
        raise PipeError(f"Unknown domain name [{cell}]: {domain_name}")
    function = domain.get(name)
    if function is None:
        raise PipeError(f"Unknown domain function [{cell}]: {domain_name}.{name}")
    return function


_resolved: dict[str, tuple[Callable[..., Any], str]] = {}  # cell -> (function, 'domain.name')


def _lookup(cell: object) -> tuple[Callable[..., Any], str]:
    """:func:`resolve_function` with a cache: apps repeat the same few cells endlessly."""
    if isinstance(cell, str):
        found = _resolved.get(cell)
        if found is not None:
            return found
    function = resolve_function(cell)
    domain, name = parse_function_cell(cell)
    found = (function, f"{domain}.{name}")
    if isinstance(cell, str) and len(_resolved) < 4096:
        _resolved[cell] = found
    return found


def _own(container: object, part: str) -> tuple[bool, Any]:
    """``container.hasOwnProperty(part)`` and the value, for JSON-shaped containers."""
    if isinstance(container, dict | Mapping):
        if part in container:
            return True, container[part]
        if is_array_index(part) and int(part) in container:
            return True, container[int(part)]
        return False, UNDEFINED
    if isinstance(container, list | tuple):
        if part == "length":
            return True, len(container)
        if is_array_index(part) and int(part) < len(container):
            return True, container[int(part)]
        return False, UNDEFINED
    return False, UNDEFINED  # JSDate and other objects own nothing JSON can name


def get_path(root: object, path: str) -> Any:
    """Walk a ``.``-separated path; ``UNDEFINED`` as soon as a segment is not owned.

    Strings and numbers stop the walk (they are not JS objects), lists own their indices
    and ``length``. Any ``Mapping`` (a ``ChainMap`` of job layers, say) walks like a dict.
    """
    current = root
    for part in path.split("."):
        if current is None or not isinstance(current, dict | list | tuple | JSDate | Mapping):
            return UNDEFINED
        found, current = _own(current, part)
        if not found:
            return UNDEFINED
    return current


def _copy_rules(value: Any) -> Any:
    """A copy of YAML-shaped rules (dicts, lists, scalars); far cheaper than deepcopy."""
    kind = type(value)
    if kind is list:
        return [_copy_rules(item) for item in value]
    if kind is dict:
        return {key: _copy_rules(item) for key, item in value.items()}
    return value


def _show(rules: object, limit: int = 160) -> str:
    """A pipe's rows for an error message, cut to ``limit`` characters."""
    try:
        text = repr(rules)
    except RecursionError:
        return "<rules nested too deeply to print>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _reduce_items(source: object) -> list[tuple[str, int, Any]]:
    """``(key, index, item)`` in the order a JS ``for … in`` (or array loop) visits them."""
    if isinstance(source, list | tuple):
        return [(str(i), i, item) for i, item in enumerate(source)]
    if isinstance(source, dict):
        return [(key, i, _own(source, key)[1]) for i, key in enumerate(own_keys(source))]
    if isinstance(source, str):
        units = utf16_units(source)  # for-in visits UTF-16 indices
        return [(str(i), i, from_utf16_units(unit)) for i, unit in enumerate(units)]
    return []  # numbers, booleans, null, undefined and dates have no enumerable keys


class Pipe:
    """One pipe (a list of rows) bound to the job data it reads and a ``@reduce`` context."""

    def __init__(self, rules: object, job_data: object,
                 context: Mapping[str, Any] | None = None) -> None:
        if not isinstance(rules, list):
            raise PipeTypeError(f"'@pipe' must be a list of rows, got {rules!r}")
        self.rules: list[Any] = rules
        self.job_data = job_data
        self.context = context

    @staticmethod
    def resolve(unresolved: object, context: object) -> Any:
        """Resolve one config value (engine-model §2.6).

        A dict holding ``@pipe`` runs that pipe; anything else runs as the one-row pipe
        ``[[value]]``: function cells are called with no arguments, references are looked
        up in ``context``, literals (dicts and lists included) come back unchanged.

        The rules are copied first. HotMesh evaluates the app's cached rules in place, so
        a mutating function applied to a literal cell (``[[[], 1], ['{@array.push}']]``)
        changed that literal for every later job; within one evaluation a literal is still
        one shared object, as in JS (Fix, noted for engine-model §2.3 "Mutation").
        """
        try:
            rules = _copy_rules(unresolved)
            if is_pipe_object(rules):
                assert isinstance(rules, dict)
                return Pipe(rules["@pipe"], context).process()
            return Pipe([[rules]], context).process()
        except RecursionError:
            raise PipeError(f"the pipe is nested too deeply to evaluate: {_show(unresolved)}"
                            ) from None

    is_pipe_object = staticmethod(is_pipe_object)

    def process(self, resolved: Row | None = None) -> Any:
        """Run every row; the result is the first cell of the final row."""
        if not self.rules:
            raise PipeTypeError("'@pipe' has no rows")  # an empty list names itself
        index = 0
        first = self.rules[0]
        if resolved is None and not is_pipe_object(first) and not is_reduce_object(first):
            if not isinstance(first, list | dict):
                raise PipeTypeError(
                    f"a pipe row must be a list or an '@pipe' / '@reduce' object, got {first!r}"
                )
            # HotMesh reads a first row that is some other object as an empty row
            resolved = self.process_cells(first) if isinstance(first, list) else []
            index = 1
        queue: list[Any] = []
        for row in self.rules[index:]:
            resolved = self._process_row(row, resolved, queue)
        if resolved is None:
            raise PipeTypeError(
                "the pipe resolved no plain row (nested '@pipe' rows need a function row after"
                f" them): {_show(self.rules)}"
            )
        return resolved[0] if resolved else UNDEFINED

    def reduce(self, prior: Row) -> Row:
        """``@reduce``: fold ``prior[0]`` with the body rules, starting from ``prior[1]``."""
        acc = prior[1] if len(prior) > 1 else None
        if acc is UNDEFINED:
            acc = None
        source = prior[0] if prior else UNDEFINED
        for key, index, item in _reduce_items(source):
            self.context = {"$input": source, "$output": acc, "$item": item,
                            "$key": key, "$index": index}
            acc = self.process([acc])
        return [acc]

    def _process_row(self, row: object, prior: Row | None, queue: list[Any]) -> Row | None:
        if prior is not None and is_reduce_object(row):
            assert isinstance(row, dict)
            # a reducer never sees the outer reduce variables: fresh context
            return Pipe(row["@reduce"], self.job_data).reduce(prior)
        if is_pipe_object(row):
            assert isinstance(row, dict)
            # Replicate (§9 #17): a nested pipe starts from its own first row; it never
            # receives the row before it (HotMesh's "initials" doc example fails too)
            queue.append(Pipe(row["@pipe"], self.job_data, self.context).process())
            return prior
        if queue:
            # fan-in: the nested pipes' results replace the row before them
            prior = list(queue)
            queue.clear()
        if prior is None:
            return self.process_cells(row if isinstance(row, list) else [])
        if not isinstance(row, list):
            raise PipeTypeError(
                f"a pipe row must be a list or an '@pipe' / '@reduce' object, got {row!r}"
            )
        if not row:
            raise PipeTypeError("a pipe row after the first is empty; it must start with a"
                                f" function such as '{{@array.get}}': {_show(self.rules)}")
        head, *params = row
        if is_context_variable(head):
            value = self.resolve_context_value(head)
        else:
            value = self._call(head, prior)
        return [value, *self.process_cells(params)]

    @staticmethod
    def _call(cell: object, args: Row) -> Any:
        function, qualified = _lookup(cell)
        try:
            return function(*args)
        except PipeError as exc:
            raise exc.at(cell, qualified) from exc
        except Exception as exc:  # a Python-level failure is still the user's bad input
            raise PipeTypeError(f"{type(exc).__name__}: {exc}", cell=cell,
                                function=qualified) from exc

    resolve_function = staticmethod(resolve_function)

    def process_cells(self, cells: list[Any]) -> Row:
        return [self.resolve_cell_value(cell) for cell in cells]

    def resolve_cell_value(self, cell: object) -> Any:
        if is_function_cell(cell):
            return self._call(cell, [])
        if is_context_variable(cell):
            assert isinstance(cell, str)
            return self.resolve_context_value(cell)
        if is_reference(cell):
            assert isinstance(cell, str)
            return get_path(self.job_data, cell[1:-1])
        return cell

    def resolve_context_value(self, cell: str) -> Any:
        if self.context is None:
            return UNDEFINED
        return get_path(self.context, cell[1:-1])


def resolve(value: object, context: object) -> Any:
    """Module-level alias of :meth:`Pipe.resolve`."""
    return Pipe.resolve(value, context)
