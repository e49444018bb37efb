"""hotmesh_pg: HotMesh's durable workflow engine in Python, on PostgreSQL (and Redis).

Two ways to run work, both on the Postgres you already have:

* :class:`HotMesh` runs YAML graphs of activities (trigger, worker, await, hook, signal,
  cycle, interrupt, emit) mapped with ``@pipe`` expressions;
* :class:`Durable` is the Temporal-like API (proxied activities, durable sleep, signals,
  child workflows, search) built on those graphs.

Errors live in :mod:`hotmesh_pg.errors`. The public surface is exactly ``__all__``.
"""

from . import errors
from .durable import Durable
from .hotmesh import HotMesh

__all__ = ["Durable", "HotMesh", "errors"]
__version__ = "0.1.0"
