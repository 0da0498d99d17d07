"""Pause Python's cyclic garbage collector while a graph is built or rewritten.

Building, rewriting and linking a graph allocate many small objects (Apply
nodes, variables, tuples) and free few.  The cyclic collector is triggered by
allocations, and each of its older-generation passes rescans every live
object: over a 100,000-node graph those passes make compiling grow faster
than the graph.  Graphs hold no reference cycles that need collecting while
they are being built, so the collector waits until the work is done (memory
is still freed by reference counting meanwhile).
"""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nested blocks are fine)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
