"""Reverse-mode differentiation as a sequence of stored pictures.

``backprop_steps(cost, inputs, values)`` returns one :class:`BackpropStep`
per step of the two passes, each holding a ``graphviz.Digraph`` that shows
the value (and, in the backward pass, the adjoint ``d cost / d v``) on every
variable known so far, with the node being worked on and the edge being used
outlined.  Because each step is a separate picture (not a widget), a notebook
stores them as SVG and a notebook viewer shows them without a kernel.

- forward step *k*: node *k* (topological order) computes its output from
  its inputs; the input edges are outlined;
- the seed: ``d cost / d cost = 1``;
- backward steps: nodes consumers first, one step per edge ``x -> node``:
  ``adjoint[x] += adjoint[y] · ∂y/∂x`` (``y`` the node's output).  A variable
  read by several nodes receives one term per edge, and its adjoint is their
  sum — the multivariate chain rule.

The numbers come from :class:`gradlab.viz.backprop_trace.BackpropTrace` (each
term is ``gradlab.gradient.Lop`` of one node at the forward values), so the
final adjoints equal ``gradlab.gradient.grad(cost, v)``.

``stored_for_backward(cost, wrt)`` lists the forward values the gradient
graph reads — what reverse mode must keep in memory between the passes — and
``stored_values_picture`` outlines them on the graph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.viz.values import one_line

#: how the edge being used is drawn (Okabe–Ito vermillion, thick)
EDGE_HIGHLIGHT = {"color": "#D55E00", "penwidth": "3", "fontcolor": "#D55E00"}


@dataclass(repr=False)
class BackpropStep:
    """One picture of the two passes.

    ``phase``: ``"forward"``, ``"seed"`` or ``"backward"``; ``node``: the
    Apply node worked on (None for the seed); ``variable``: the variable
    computed (forward) or receiving a term (backward); ``term``: the term
    added to its adjoint (backward); ``values`` and ``adjoints``: what is
    known after this step (``{variable: array}``); ``caption``: the step in
    words and numbers; ``digraph``: the picture.
    """

    phase: str
    index: int
    node: Optional[Apply]
    variable: Optional[Variable]
    caption: str
    values: dict
    adjoints: dict
    term: Optional[np.ndarray] = None
    digraph: Any = field(default=None, repr=False)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        return self.digraph._repr_mimebundle_(include, exclude)

    def __repr__(self) -> str:
        return f"<{self.caption}>"


def _name(var: Variable, cost: Variable) -> str:
    if var.name is not None:
        return var.name
    if var is cost:
        return "cost"
    from gradlab.printing import pp
    text = pp(var)
    return text if len(text) <= 24 else text[:23] + "…"


def highlight_edge(dot: Any, tail: str, head: str) -> bool:
    """Outline the edge ``tail -> head`` of ``dot`` in place (keeping its
    position in the DOT source, so the layout does not move).  Returns
    whether the edge was found."""
    pattern = re.compile(rf"^\t{re.escape(tail)} -> {re.escape(head)}(?: \[(.*)\])?$")
    extra = " ".join(f'{k}="{v}"' for k, v in EDGE_HIGHLIGHT.items())
    for i, line in enumerate(dot.body):
        found = pattern.match(line.rstrip("\n"))
        if found:
            attrs = (found.group(1) + " " if found.group(1) else "") + extra
            dot.body[i] = f"\t{tail} -> {head} [{attrs}]\n"
            return True
    return False


class _Pictures:
    """Draws the steps of one trace on one planned layout."""

    def __init__(self, trace: Any, rankdir: str, cost_name: str):
        from gradlab.viz.graph_picture import Target, plan
        self.trace = trace
        self.target = Target([trace.cost], list(trace.inputs))
        self.layout = plan(self.target, None)
        self.rankdir = rankdir
        self.cost_name = cost_name

    def draw(self, values: dict, adjoints: Optional[dict], marks: dict, edges: Sequence[tuple],
             title: str, note: str) -> Any:
        from gradlab.viz.graph_picture import compose
        shown = {v: x for v, x in values.items() if v in self.layout.var_ids}
        dot = compose(self.target, self.layout, values=shown, adjoints=adjoints, highlight=marks, title=title,
                      notes=[note], rankdir=self.rankdir)
        for var, node in edges:
            if var in self.layout.var_ids and node in self.layout.node_ids:
                highlight_edge(dot, self.layout.var_ids[var], self.layout.node_ids[node])
        return dot


def backprop_steps(cost: Variable, inputs: Sequence[Variable], values: Union[Mapping, Sequence], *,
                   rankdir: str = "LR", forward: bool = True) -> list:
    """The forward pass node by node, the seed, then the backward pass edge by edge.

    ``cost``: a real scalar; ``inputs``: the variables to differentiate with
    respect to; ``values``: their values (a list in the order of ``inputs`` or
    a dict by variable or name).  Returns a list of :class:`BackpropStep`
    (``forward=False`` leaves out the forward steps).  The adjoint shown on a
    variable after the last step is ``grad(cost, variable)``.
    """
    from gradlab.viz.backprop_trace import BackpropTrace
    trace = BackpropTrace(cost, inputs, values)
    cost_name = _name(cost, cost)
    pictures = _Pictures(trace, rankdir, cost_name)
    d = f"d{cost_name}"
    steps: list = []
    n_forward = len(trace.forward_steps)
    if forward:
        for k, node in enumerate(trace.order):
            known = trace.known_at(k)
            out = node.outputs[0]
            caption = (f"forward {k + 1}/{n_forward}: {_name(out, cost)} = {_apply_text(node, cost, trace.values)} "
                       f"= {one_line(trace.values[out])}")
            marks = {node: "highlight", out: "highlight"}
            dot = pictures.draw(known, None, marks, [(v, node) for v in node.inputs], caption,
                                "values appear as each node is computed")
            steps.append(BackpropStep("forward", k, node, out, caption, known, {}, digraph=dot))
    adjoints = {cost: trace.seed}
    caption = f"seed: {d}/{d} = 1 (the cost's adjoint: a change in {cost_name} changes {cost_name} one for one)"
    note = f"grad = adjoint = {d} / d node (— : nothing has reached it yet)"
    dot = pictures.draw(dict(trace.values), dict(adjoints), {cost: "highlight"}, [], caption, note)
    steps.append(BackpropStep("seed", 0, None, cost, caption, dict(trace.values), dict(adjoints), digraph=dot))
    edges = [(step, c) for step in trace.backward_steps for c in step.contributions]
    for j, (step, c) in enumerate(edges):
        adjoints[c.variable] = c.total
        out = step.node.outputs[0]
        upstream = step.output_adjoints[0]
        caption = (f"backward {j + 1}/{len(edges)}: {d}/d{_name(c.variable, cost)} += "
                   f"{_edge_text(d, out, c.variable, cost, upstream, c.term)}")
        if not np.array_equal(c.total, c.term):
            caption += f"  (now {one_line(c.total)})"
        marks = {step.node: "highlight", c.variable: "highlight"}
        dot = pictures.draw(dict(trace.values), dict(adjoints), marks, [(c.variable, step.node)], caption, note)
        steps.append(BackpropStep("backward", j, step.node, c.variable, caption, dict(trace.values),
                                  dict(adjoints), term=np.asarray(c.term), digraph=dot))
    return steps


def _apply_text(node: Apply, cost: Variable, values: Mapping) -> str:
    """``a * b = 2 * -3`` for a binary operator, ``exp(u) = exp(-1)`` otherwise."""
    from gradlab.viz.style import op_label
    label = op_label(node)
    names = [_name(v, cost) for v in node.inputs]
    numbers = [one_line(values[v]) for v in node.inputs]
    if len(node.inputs) == 2 and len(label) <= 2:
        return f"{names[0]} {label} {names[1]} = {numbers[0]} {label} {numbers[1]}"
    if label == "neg":
        return f"-{names[0]} = -({numbers[0]})"
    return f"{label}({', '.join(names)}) = {label}({', '.join(numbers)})"


def _edge_text(d: str, out: Variable, var: Variable, cost: Variable, upstream: Any, term: Any) -> str:
    """``dL/dd · ∂d/de = -2 · 1 = -2`` (the local factor shown for scalars with a nonzero upstream adjoint)."""
    y, x = _name(out, cost), _name(var, cost)
    formula = f"{d}/d{y} · ∂{y}/∂{x}"
    upstream = None if upstream is None else np.asarray(upstream)
    term = np.asarray(term)
    if upstream is not None and upstream.ndim == 0 and term.ndim == 0 and upstream != 0:
        local = term / upstream
        return f"{formula} = {one_line(upstream)} · {one_line(local)} = {one_line(term)}"
    return f"{formula} = {one_line(term)}"


# ---------------------------------------------------------------------------
def stored_for_backward(cost: Variable, wrt: Sequence[Variable]) -> list:
    """The forward variables that the gradient graph of ``cost`` reads.

    Reverse mode runs the forward pass first and the backward pass after it;
    every variable listed here must be kept in memory between the two
    (constants are not listed).  Found from the graph ``gradlab.gradient.grad``
    builds: the non-constant inputs of its nodes that belong to the forward
    graph.  In topological order of the forward graph.
    """
    from gradlab.gradient import grad
    from gradlab.graph.traversal import toposort
    wrt = list(wrt)
    grads = grad(cost, wrt, disconnected_inputs="ignore")
    forward_nodes = toposort([cost])
    in_forward = set(forward_nodes)
    order: dict = {}
    for v in wrt:
        order.setdefault(v, len(order))
    for node in forward_nodes:
        for v in list(node.inputs) + list(node.outputs):
            order.setdefault(v, len(order))
    kept = {v for node in toposort(list(grads)) if node not in in_forward
            for i, v in enumerate(node.inputs)
            if v in order and not isinstance(v, Constant) and not _shape_only(node, i)}
    kept |= {g for g in grads if g in order}
    return sorted(kept, key=order.__getitem__)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _shape_only(node: Apply, position: int) -> bool:
    """Does ``node`` read its input ``position`` only for its shape (``fill(x, 1.0)``'s ``x``)?"""
    scalar = getattr(node.op, "scalar_op", None)
    return position == 0 and getattr(scalar, "name", None) == "second"


def stored_values_picture(cost: Variable, wrt: Sequence[Variable], values: Mapping, *,
                          rankdir: str = "LR") -> Any:
    """The graph of ``cost`` with every value, the ones reverse mode keeps for
    the backward pass (:func:`stored_for_backward`) outlined."""
    from gradlab.viz.graph_picture import graph
    kept = stored_for_backward(cost, wrt)
    computed = [v for v in kept if v.owner is not None]
    n_inputs = len(kept) - len(computed)
    title = (f"outlined: the {_count(len(kept), 'value')} the backward pass reads "
             f"({len(computed)} computed by the forward pass, {_count(n_inputs, 'input')})")
    return graph(cost, values=values, highlight={v: "highlight" for v in kept}, rankdir=rankdir, title=title)
