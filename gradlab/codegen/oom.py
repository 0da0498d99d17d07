"""Explaining a failure inside a compiled function, without re-running it.

The traceback says where the generated function stopped
(:func:`where_it_stopped`): the line maps to the node (the ``# k: op``
comment above it) and the frame's locals hold the node's input values.  The
linker names the failing node from that (a ``Print`` is not printed twice,
a failing call does not cost two calls).  For a ``MemoryError`` the op's
shape rule evaluated on those values gives the size the output would have
had (``prod(shape) * itemsize``).
"""
from __future__ import annotations

import math
import re
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.codegen.errors import NodeError
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import toposort

_NODE_COMMENT = re.compile(r"^\s*# (\d+): ")


class NodeMemoryError(NodeError, MemoryError):
    """A node of a compiled function ran out of memory (``.node`` says which)."""


def explain_memory_error(exc: MemoryError, source: str, fn_name: str, nodes: Sequence[tuple],
                         constants: dict) -> NodeError:
    """A :class:`NodeMemoryError` naming the node that failed and its output's size.

    ``nodes[k]`` is ``(apply_node, input_names)`` for the node commented
    ``# k:`` in ``source``; ``constants`` maps names of the generated module
    to the objects bound to them.
    """
    stopped = where_it_stopped(exc, source, fn_name, nodes, constants)
    if stopped is None:
        return NodeMemoryError(f"out of memory while computing the outputs ({_reason(exc)}); "
                               "use smaller inputs or shape arguments", original=exc)
    pos, node, values = stopped
    out = node.outputs[0]
    shape = output_shape(node, values)
    if shape is not None:
        size = math.prod(shape) * np.dtype(out.dtype).itemsize
        what = f"its output would be {out.dtype} of shape {shape}: {human_bytes(size)}"
    else:
        what = f"its output is {out.dtype}, of a size its shape rule cannot tell"
    inputs = "; ".join(_describe(var, val) for var, val in zip(node.inputs, values))
    return NodeMemoryError(f"out of memory computing node {pos} ({str(node.op)[:80]}): {what}.\n"
                           f"  inputs: {inputs}\n"
                           "  use smaller sizes: check the values that set this node's shape", node=node, original=exc)


def where_it_stopped(exc: BaseException, source: str, fn_name: str, nodes: Sequence[tuple],
                     constants: dict) -> Optional[tuple]:
    """``(k, node, input values)`` of the node the generated function ``fn_name``
    was computing when ``exc`` was raised, read from the traceback (None when
    it stopped outside any node).  ``nodes[k]`` is ``(apply_node, input_names)``
    for the node commented ``# k:`` in ``source``; ``constants`` maps names of
    the generated module to the objects bound to them."""
    frame, lineno = _generated_frame(exc, fn_name)
    pos = _node_at(source, lineno) if frame is not None else None
    if pos is None or pos >= len(nodes):
        return None
    node, in_names = nodes[pos]
    local = frame.f_locals
    return pos, node, [local[n] if n in local else constants.get(n) for n in in_names]


def output_shape(node: Any, values: Sequence[Any]) -> Optional[tuple]:
    """The shape of ``node``'s first output for these input values, or None if unknown."""
    try:
        dims = node.op.infer_shape(None, node, [tuple(np.shape(v)) for v in values])[0]
        env = dict(zip(node.inputs, values))
        return tuple(int(_value(d, env)) for d in dims)
    except Exception:  # noqa: BLE001 - a shape we cannot tell is reported as such
        return None


def _value(dim: Any, env: dict) -> Any:
    """The value of a shape entry: an int, or a small graph over the node's inputs."""
    if not isinstance(dim, Variable):
        return dim
    if dim in env:
        return env[dim]
    if isinstance(dim, Constant):
        return dim.data
    values = dict(env)
    for node in toposort([dim], inputs=list(env)):
        args = [values[v] if v in values else v.data for v in node.inputs]
        storage = [[None] for _ in node.outputs]
        node.op.perform(node, args, storage)
        values.update((o, cell[0]) for o, cell in zip(node.outputs, storage))
    return values[dim]


def human_bytes(n: int) -> str:
    """``n`` bytes as ``7.3 TiB``."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} PiB"


def _generated_frame(exc: BaseException, fn_name: str) -> tuple:
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename == "<gradlab-generated>" and code.co_name == fn_name:
            return tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next
    return None, None


def _node_at(source: str, lineno: int) -> Optional[int]:
    lines = source.splitlines()
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        found = _NODE_COMMENT.match(lines[k])
        if found:
            return int(found.group(1))
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or "numpy could not allocate an array"


def _describe(var: Any, value: Any) -> str:
    label = var.name or ("constant" if isinstance(var, Constant) else f"output of {var.owner.op}"
                         if var.owner is not None else "input")
    if np.ndim(value) == 0 and value is not None:
        return f"{label} = {np.asarray(value).item()!r}"
    return f"{label}: shape {tuple(np.shape(value))}"
