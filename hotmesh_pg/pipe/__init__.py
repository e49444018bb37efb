"""The mapping language: ``@pipe`` / ``@reduce`` evaluation and the JS-exact function catalog.

Public names: :class:`Pipe` (``Pipe.resolve(value, context)``), :class:`PipeError`,
:data:`UNDEFINED`, :class:`JSDate`; the JS coercions live in :mod:`hotmesh_pg.pipe.js` and
the catalog in :data:`hotmesh_pg.pipe.functions.FUNCTIONS`.
"""

from hotmesh_pg.pipe.errors import PipeError, PipeRangeError, PipeSyntaxError, PipeTypeError
from hotmesh_pg.pipe.js import UNDEFINED, JSDate, Undefined
from hotmesh_pg.pipe.pipe import Pipe, resolve

__all__ = [
    "UNDEFINED",
    "JSDate",
    "Pipe",
    "PipeError",
    "PipeRangeError",
    "PipeSyntaxError",
    "PipeTypeError",
    "Undefined",
    "resolve",
]
