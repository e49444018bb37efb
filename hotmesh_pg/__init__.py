"""hotmesh_pg: HotMesh's durable workflow engine in Python, on PostgreSQL (and Redis)."""

from . import errors

__all__ = ["errors"]
