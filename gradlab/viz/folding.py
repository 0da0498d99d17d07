"""What a picture folds, and how a fold is opened.

Three kinds of folded things:

- a fused ``Composite`` (one node when run): opened, it is a cluster holding
  its inner expression graph — one node per instruction of its program, so a
  piece shared inside the fused expression is drawn once; folded, one node
  whose label is the infix expression, wrapped (only when that text is short:
  its length is computed first, linearly, from the program);
- a ``Scan``: opened, its step function (the inner graph) is a cluster beside
  the loop node, with the sequence entries, the carried state and the
  non-sequences marked;
- repeated structure: the same block of ops ``N`` times in a row (an unrolled
  loop), found in the topological order by :func:`find_repeats` and drawn as
  one instance labelled ``× N``.

Every search here is linear in the nodes times a small constant (the longest
block tried).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

#: the most ops in a repeated block that :func:`find_repeats` tries
MAX_PERIOD = 12
#: the fewest repeats folded
MIN_REPEATS = 3
#: the longest infix text put on a folded composite's node
MAX_EXPRESSION_CHARS = 160
#: characters per line of a wrapped expression
WRAP_AT = 28


@dataclass
class Repeat:
    """A block of ops repeated ``count`` times in a row; ``nodes`` is the first
    instance (drawn), ``hidden`` the other instances.

    ``exits``: variables of the last instance read after the run, each with
    its counterpart in the first instance; ``loops``: ``(variable, node)``
    pairs of the first instance where the next instance reads ``variable`` at
    the place ``node`` reads its input (drawn as a "next step" edge).
    """

    nodes: list
    hidden: list
    count: int
    exits: list = field(default_factory=list)
    loops: list = field(default_factory=list)


def _signature(node: Any) -> tuple:
    """What makes two ops the same step: the op and which inputs are constants (by value)."""
    from gradlab.graph.basic import Constant
    parts = []
    for var in node.inputs:
        if isinstance(var, Constant):
            data = np.asarray(var.data)    # by value, without formatting it (repr is slow)
            parts.append(("c", data.dtype.str, data.shape, data.tobytes()))
        else:
            parts.append(("v",))
    try:
        key = hash(node.op)
    except TypeError:
        key = id(node.op)
    return (type(node.op).__name__, key, str(node.op), tuple(parts))


def find_repeats(order: Sequence[Any], protected: Sequence[Any] = (), *, min_count: int = MIN_REPEATS,
                 max_period: int = MAX_PERIOD) -> list:
    """Runs of a block of ``p`` ops repeated at least ``min_count`` times in a
    row in ``order`` (a topological order), left to right, not overlapping.

    Instance ``b`` matches instance ``b - 1`` when each op has the same op and
    constants, and each input is either the very same variable (a weight read
    by every step), or the corresponding variable one instance back, or — for
    instance 1 — a variable of instance 0 where instance 0 reads from before
    the run.  Only the last instance may be read after the run, and no
    variable in ``protected`` (the outputs) may be hidden.
    """
    n = len(order)
    pos = {node: k for k, node in enumerate(order)}
    sigs: list = []
    ids: dict = {}
    for node in order:
        sigs.append(ids.setdefault(_signature(node), len(ids)))
    readers: dict = {}
    for node in order:
        for var in node.inputs:
            if var.owner is not None and var.owner in pos:
                readers.setdefault(var.owner, []).append(node)
    protected_nodes = {v.owner for v in protected if v.owner is not None}
    found: list = []
    s = 0
    while s < n:
        best = None
        for p in range(1, max_period + 1):
            if s + p * min_count > n:
                break
            if best is not None and p % best[1] == 0:
                continue                # a multiple of a period found covers the same run
            count = _run_length(order, sigs, pos, s, p)
            if count >= min_count and (best is None or count * p > best[0] * best[1]):
                best = (count, p)
        if best is None:
            s += 1
            continue
        whole, p = best
        count = _trim(order, pos, readers, protected_nodes, s, p, whole)
        if count < min_count:
            s += whole * p          # a run read from outside: left drawn, and not searched again (linear)
            continue
        found.append(_describe(order, pos, readers, s, p, count))
        s += count * p
    return found


def _run_length(order: Sequence[Any], sigs: list, pos: dict, s: int, p: int) -> int:
    """How many instances of the block ``order[s:s+p]`` follow one another from ``s``."""
    count = 1
    while s + (count + 1) * p <= len(order):
        base = s + (count - 1) * p
        for j in range(p):
            a, b = order[base + j], order[base + p + j]
            if sigs[base + j] != sigs[base + p + j] or not _inputs_match(a, b, pos, s, base, p, count == 1):
                return count
        count += 1
    return count


def _inputs_match(a: Any, b: Any, pos: dict, s: int, base: int, p: int, second: bool) -> bool:
    for va, vb in zip(a.inputs, b.inputs):
        if va is vb or (va.owner is None and vb.owner is None and hasattr(va, "data") and hasattr(vb, "data")):
            continue                           # the same variable, or equal constants (the signatures compared them)
        pa = pos.get(va.owner) if va.owner is not None else None
        pb = pos.get(vb.owner) if vb.owner is not None else None
        if pb is None or not base <= pb < base + p + p:
            return False                       # reads something new from outside the run
        if pa is not None and pa == pb - p and va.index == vb.index:
            continue                           # the same wire, one instance back
        if second and (pa is None or pa < s) and pb < base + p:
            continue                           # instance 1 reads instance 0 where 0 reads the run's entry
        return False
    return True


def _trim(order: Sequence[Any], pos: dict, readers: dict, protected: set, s: int, p: int, count: int) -> int:
    """Shorten the run so that only its last instance is read after it or is an output."""
    for b in range(count - 1):
        end = s + (b + 2) * p                  # readers of instance b must lie in the run, before instance b+2 ends
        for node in order[s + b * p:s + (b + 1) * p]:
            if node in protected or any(pos[r] >= s + count * p or pos[r] >= end for r in readers.get(node, ())):
                return b + 1
    return count


def _describe(order: Sequence[Any], pos: dict, readers: dict, s: int, p: int, count: int) -> Repeat:
    first = list(order[s:s + p])
    last_start = s + (count - 1) * p
    end = s + count * p
    exits = []
    for j in range(p):
        node = order[last_start + j]
        if any(pos[r] >= end for r in readers.get(node, ())) or not readers.get(node):
            for k, out in enumerate(node.outputs):
                exits.append((out, first[j].outputs[k]))
    loops = []
    for j in range(p):
        reader, model = order[s + p + j], first[j]
        for va, vb in zip(model.inputs, reader.inputs):
            if va is not vb and vb.owner is not None and s <= pos[vb.owner] < s + p:
                loops.append((vb, model))
    hidden = list(order[s + p:end])
    return Repeat(first, hidden, count, exits, loops)


# ---------------------------------------------------------------------------
# composites
def program_of(op: Any) -> Optional[tuple]:
    """The program of a fused op (an ``Elemwise`` of a ``Composite``), else None."""
    scalar = getattr(op, "scalar_op", None)
    program = getattr(scalar, "program", None)
    return program if isinstance(program, tuple) and program else None


def scalar_label(scalar: Any) -> str:
    """How one scalar op of a fused program is shown: its symbol, or its name."""
    from gradlab.viz.style import SCALAR_NAMES
    if getattr(scalar, "kind", "") == "cast":
        return f"cast {getattr(scalar, 'dtype', '')}".strip()
    name = SCALAR_NAMES.get(scalar.name, scalar.name)
    if getattr(scalar, "symbol", None) is not None and scalar.nin == 2:
        return scalar.symbol
    if getattr(scalar, "symbol", None) is not None and scalar.nin == 1 and name == "neg":
        return "neg"
    return name


def expression_length(op: Any) -> int:
    """The length of the fused expression's infix text, counted without
    building it (a piece used twice counts twice, as the text repeats it)."""
    program = program_of(op)
    sizes: list = []
    for scalar, args, _, _ in program:
        size = len(scalar_label(scalar)) + 4
        for kind, k in args:
            size += sizes[k] if kind == "t" else 3
        sizes.append(size)
    return sizes[-1]


def wrapped_expression(op: Any, input_names: Sequence[str], width: int = WRAP_AT) -> Optional[list]:
    """The fused expression as lines of at most about ``width`` characters
    (None when the text would be longer than ``MAX_EXPRESSION_CHARS``)."""
    if expression_length(op) > MAX_EXPRESSION_CHARS:
        return None
    text = op.scalar_op.inner_expression(list(input_names))
    if len(text) > MAX_EXPRESSION_CHARS:
        return None
    lines, line = [], ""
    for token in _tokens(text):
        if line and len(line) + len(token) > width:
            lines.append(line)
            line = ""
        line += token
    return lines + [line] if line else lines


def _tokens(text: str) -> list:
    """``text`` split after spaces and commas (where a line may break)."""
    out, start = [], 0
    for k, ch in enumerate(text):
        if ch in " ,":
            out.append(text[start:k + 1])
            start = k + 1
    out.append(text[start:])
    return [t for t in out if t]


# ---------------------------------------------------------------------------
# scans
def is_scan(op: Any) -> bool:
    return hasattr(op, "inner_inputs") and hasattr(op, "inner_outputs") and hasattr(op, "spec")


def scan_roles(op: Any) -> tuple:
    """``(input roles, output roles)`` of a Scan's inner graph: for each inner
    input ``(role, label)`` with role ``sequence`` / ``state`` / ``nonsequence``,
    for each inner output ``(role, label)`` with role ``state`` / ``mapped``."""
    spec = op.spec
    ins: list = []
    for k, group in enumerate(op.seq_inner_groups()):
        for tap in spec.seq_taps[k]:
            ins.append(("sequence", f"{spec.seq_label(k)}[t{'+' + str(tap) if tap else ''}]"))
    for k in range(spec.n_states):
        ins.append(("state", f"{spec.state_label(k)}[t-1]"))
    for k in range(spec.n_nonseqs):
        ins.append(("nonsequence", f"non-sequence {k}"))
    outs = [("state", f"{spec.state_label(k)}[t]") for k in range(spec.n_states)]
    outs += [("mapped", f"{spec.map_label(j)}[t]") for j in range(spec.n_maps)]
    return ins, outs
