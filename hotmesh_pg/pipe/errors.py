"""Errors raised while evaluating ``@pipe`` rows and pipe functions.

HotMesh's functions throw plain JavaScript errors (``TypeError``, ``RangeError``,
``SyntaxError``, ``Error``). The port raises one ``PipeError`` subclass per JS error kind so
callers can catch every mapping failure as ``MapDataError`` while tests can still tell a
``RangeError`` from a ``TypeError``. ``reason`` keeps the JS-style message alone; ``str()``
adds the cell that failed so a person can find it in the YAML.
"""

from __future__ import annotations

from hotmesh_pg.errors import MapDataError

__all__ = ["PipeError", "PipeRangeError", "PipeSyntaxError", "PipeTypeError"]


class PipeError(MapDataError):
    """A ``@pipe`` / ``@reduce`` could not be resolved, or a pipe function threw."""

    js_name = "Error"

    def __init__(self, message: str, *, cell: object = None, function: str | None = None) -> None:
        self.reason = message
        self.cell = cell
        self.function = function
        if cell is not None:
            message = f"@pipe cell {cell!r}: {self.js_name}: {message}"
        super().__init__(message)

    def at(self, cell: object, function: str | None) -> PipeError:
        """The same error, now naming the cell (and function) it came from."""
        located = type(self)(self.reason, cell=cell, function=function)
        located.__cause__ = self
        return located


class PipeTypeError(PipeError, TypeError):
    """JS ``TypeError``: a value of the wrong kind (``null.concat``, ``'x'.toFixed``)."""

    js_name = "TypeError"


class PipeRangeError(PipeError, ValueError):
    """JS ``RangeError``: a number outside what the function accepts."""

    js_name = "RangeError"


class PipeSyntaxError(PipeError, ValueError):
    """JS ``SyntaxError``: unparsable JSON or regular expression text."""

    js_name = "SyntaxError"
