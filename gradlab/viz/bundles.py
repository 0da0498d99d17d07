"""Bundles: how a folded picture keeps an op with a wide fan-in narrow.

A row of boxes feeding one op is what makes a wide picture wide, and
collapsing more ops does not shorten it.  In a bundled layout
(``layout.plan(..., bundle=True)``, the folded plans of
:mod:`gradlab.viz.fitting`):

- :func:`constant_bundles` / :func:`draw_constant_bundle`: the unnamed
  constants an op reads are one box, a line per constant (``arg 5: 1.0``);
- :func:`draw_input_bundle`: the inputs only a collapsed piece reads are
  named in one box feeding its summary box;
- :func:`joined_positions`: an op reading the same thing at several argument
  positions has one edge labelled with them, runs written as ranges.

Everything here is linear in the drawn nodes and their inputs.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np

from gradlab.graph.basic import Constant
from gradlab.viz import style
from gradlab.viz.folding import program_of
from gradlab.viz.values import format_value

#: the most input names a bundle of a collapsed piece's inputs lists
MAX_BUNDLED_NAMES = 12
#: characters per line in a bundle box
BUNDLE_WRAP = 24


def joined_positions(labels: Sequence[str], width: int = 16) -> list:
    """Edge labels joined, runs of argument positions written as ranges
    (``0, 1, 2, 3, 7`` -> ``0–3, 7``), as lines of about ``width`` characters."""
    numbers = [int(t) for t in labels if t.isdigit()]
    if len(numbers) != len(labels):
        return style.wrap_line(", ".join(labels), width)
    parts: list = []
    for k in sorted(set(numbers)):
        if parts and parts[-1][1] == k - 1:
            parts[-1][1] = k
        else:
            parts.append([k, k])
    text = ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}" for a, b in parts)
    return style.wrap_line(text, width)


def constant_bundles(target: Any, layout: Any) -> tuple:
    """``({op: [(argument position, constant)]}, constants drawn only in bundles)``:
    an op drawn as an ellipse that reads two or more unnamed constants reads
    them from one box (a row of constant boxes is what makes a wide fan-in
    wide); a constant read elsewhere too keeps its own box there."""
    bundles: dict = {}
    reads: Counter = Counter()
    for node in layout.nodes + layout.hidden:
        for var in node.inputs:
            if var in layout.var_ids:
                reads[var] += 1
    for node in layout.nodes:
        if layout.open_composites and program_of(node.op) is not None:
            continue
        found = [(i, v) for i, v in enumerate(node.inputs)
                 if isinstance(v, Constant) and v.name is None and v not in target.outputs
                 and v not in target.inputs and v in layout.var_ids]
        if len(found) >= 2:
            bundles[node] = found
    inside: Counter = Counter(v for found in bundles.values() for _, v in found)
    return bundles, {v for v, k in inside.items() if k == reads[v]}


def draw_constant_bundle(canvas: Any, container: Any, edges: Any, nid: str, together: dict,
                         numbered: bool) -> None:
    """The constants an op reads, one line each (``arg 5: 1.0`` when the
    argument order matters), in one box with one edge to the op."""
    lines = []
    for i, var in sorted(together.items()):
        text = repr(var) if np.ndim(var.data) == 0 else " ".join(format_value(var.data))
        lines.append(f"arg {i}: {text}" if numbered else text)
    attrs = dict(style.variable_attrs("constant"), tooltip=style.plural(len(lines), "constant") + " read by this op")
    canvas.node(container, f"{nid}_constants", lines, attrs)
    canvas.used["roles"].add("constant")
    canvas.edge(edges, f"{nid}_constants", nid)


def draw_input_bundle(canvas: Any, target_graph: Any, group: str, free: list) -> None:
    """The inputs only a collapsed piece reads, named in one box (the first
    ``MAX_BUNDLED_NAMES``, then how many in all) with one edge to the piece."""
    names = [v.name or "unnamed" for v in free[:MAX_BUNDLED_NAMES]]
    lines = [line.strip() for line in style.wrap_line(", ".join(names), BUNDLE_WRAP)]
    if len(free) > len(names):
        lines[-1] += ", …"
        lines.append(f"({style.plural(len(free), 'input')} in all)")
    canvas.node(target_graph, f"{group}_inputs", lines,
                dict(style.variable_attrs("input"), tooltip=style.plural(len(free), "input") + " of the collapsed ops"))
    canvas.used["roles"].add("input")
    canvas.edge(target_graph, f"{group}_inputs", group, style="dashed")
