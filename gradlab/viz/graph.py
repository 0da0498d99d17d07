"""``graph(outputs, ...)``: a graphviz picture of a symbolic graph.

Variables are boxes coloured by role (input, constant, shared, output), ops
are ellipses coloured by kind, and the picture only reads the graph.  Node
ids follow topological order (``n0, n1, …`` for ops, ``v0, v1, …`` for
variables), so the DOT source — and the SVG ``dot`` makes of it — is the same
on every run.  Graphs with more than ``max_nodes`` ops keep the ops nearest
the outputs and collapse the rest into one summary box per connected piece
(see :mod:`gradlab.viz.layout`).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.viz import dot_runner, style
from gradlab.viz.layout import MAX_NODES, Layout, Target, plan, resolve_target  # noqa: F401  (re-exported)
from gradlab.viz.values import forward_and_backward, format_value, resolve_values


def variable_role(var: Variable, target: Target) -> str:
    """``output``, ``input``, ``shared``, ``constant`` or ``intermediate``."""
    if var in target.outputs:
        return "output"
    if isinstance(var, Constant):
        return "constant"
    if var.owner is None and hasattr(var, "storage"):
        return "shared"
    if var.owner is None or var in target.inputs:
        return "input"
    return "intermediate"


def _variable_lines(var: Variable, role: str, target: Target, show_types: bool, value: Any,
                    adjoint: Any, has_adjoints: bool) -> list:
    lines: list = []
    if isinstance(var, Constant) and var.name is None:
        # scalars as pp prints them (2.0 for a float, 2 for an int); arrays by format_value
        lines += [repr(var)] if np.ndim(var.data) == 0 else format_value(var.data)
    elif var.name is not None:
        lines.append(var.name)
    elif role == "output":
        lines.append("output" if len(target.outputs) == 1 else f"output {target.outputs.index(var)}")
    if show_types:
        lines.append(str(var.type))
    if value is not None and not isinstance(var, Constant):
        lines += _titled("value", format_value(value))
    if has_adjoints:
        lines += ["grad —"] if adjoint is None else _titled("grad", format_value(adjoint))
    return lines


def _titled(title: str, shown: list) -> list:
    """``["value 2.5"]`` for one line, ``["value", line, line, …]`` for several."""
    return [f"{title} {shown[0]}"] if len(shown) == 1 else [title] + shown


def _highlight_kinds(highlight: Any) -> dict:
    """``highlight`` (nodes/variables, or a dict of them to a kind) as ``{item: kind}``."""
    if isinstance(highlight, Mapping):
        result = {}
        for item, kind in highlight.items():
            if kind not in style.HIGHLIGHT_STYLES:
                raise ValueError(f"highlight kind {kind!r} is unknown; use one of {list(style.HIGHLIGHT_STYLES)}")
            result[item] = kind
        return result
    if isinstance(highlight, (Variable, Apply)):
        highlight = [highlight]
    return {item: "highlight" for item in highlight}


def draw(target_graph: Any, target: Target, layout: Layout, *, prefix: str = "", values: Optional[dict] = None,
         adjoints: Optional[dict] = None, show_types: bool = False, highlight: Any = (),
         ) -> dict:
    """Add the nodes and edges of ``layout`` to ``target_graph`` (a Digraph or a
    cluster).  Returns what was used: ``{"roles", "kinds", "highlights"}``."""
    marks = _highlight_kinds(highlight)
    used = {"roles": set(), "kinds": set(), "highlights": set()}
    has_adjoints = adjoints is not None
    pending: dict = {}            # repeated leaves: attributes, drawn at each use

    def source(var: Variable) -> Optional[str]:
        found = _source_of(var, layout)
        if found is None or var not in pending:
            return None if found is None else prefix + found
        copies[var] = copies.get(var, 0) + 1
        copy = f"{prefix}{found}_{copies[var]}"
        target_graph.node(copy, **pending[var])
        return copy

    copies: dict = {}
    for var in layout.variables:
        role = variable_role(var, target)
        value = None if values is None else values.get(var)
        adj = None if adjoints is None else adjoints.get(var)
        lines = _variable_lines(var, role, target, show_types, value, adj, has_adjoints)
        if lines:
            attrs = style.variable_attrs(role)
            used["roles"].add(role)
        else:
            attrs = dict(style.POINT_STYLE)
        kind = marks.get(var)
        if kind is not None:
            attrs = style.apply_highlight(attrs, kind)
            used["highlights"].add(kind)
        attrs["tooltip"] = f"{var.name or role}: {var.type}"
        if var in layout.repeated:
            attrs["tooltip"] += " (drawn once per use)"
            pending[var] = dict(attrs, label=style.text_label(lines))
            continue
        target_graph.node(prefix + layout.var_ids[var], label=style.text_label(lines), **attrs)
    for node in layout.nodes:
        kind_name = style.op_kind(node.op)
        used["kinds"].add(kind_name)
        attrs = style.op_attrs(kind_name)
        mark = marks.get(node)
        if mark is not None:
            attrs = style.apply_highlight(attrs, mark)
            used["highlights"].add(mark)
        attrs["tooltip"] = dot_runner.op_tooltip(node.op)
        nid = prefix + layout.node_ids[node]
        target_graph.node(nid, label=style.text_label([style.op_label(node)]), **attrs)
        numbered = len(node.inputs) > 1 and not style.is_commutative(node)
        for i, var in enumerate(node.inputs):
            tail = source(var)
            if tail is not None:
                target_graph.edge(tail, nid, **({"label": str(i)} if numbered else {}))
        for j, out in enumerate(node.outputs):
            extra = {"label": str(j)} if len(node.outputs) > 1 else {}
            target_graph.edge(nid, prefix + layout.var_ids[out], **extra)
    _draw_groups(target_graph, target, layout, prefix, used, source)
    return used


def _source_of(var: Variable, layout: Layout) -> Optional[str]:
    if var in layout.var_ids:
        return layout.var_ids[var]
    if var.owner is not None and var.owner in layout.group_of:
        return layout.group_of[var.owner]
    return None


def _draw_groups(target_graph: Any, target: Target, layout: Layout, prefix: str, used: dict, source: Any) -> None:
    if not layout.groups:
        return
    used["kinds"].add("summary")
    for gid, nodes in layout.groups:
        counts = Counter(style.op_label(n) for n in nodes)
        top = ", ".join(f"{name} ×{k:,}" for name, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        not_drawn = {v for n in nodes for v in n.inputs if v.owner is None and v not in layout.var_ids}
        constants = sum(isinstance(v, Constant) for v in not_drawn)
        lines = [f"⋯ {len(nodes):,} ops collapsed", top]
        if len(not_drawn) > constants:
            lines.append(f"+ {len(not_drawn) - constants:,} inputs not drawn")
        if constants:
            lines.append(f"+ {constants:,} constants")
        target_graph.node(prefix + gid, label=style.text_label(lines), tooltip=f"{len(nodes)} ops",
                          **style.SUMMARY_STYLE[1])
        members = set(nodes)
        fed_by: list = []
        feeds: list = []
        for n in nodes:
            for v in n.inputs:
                if v in layout.var_ids and v not in fed_by:
                    fed_by.append(v)
                elif v.owner is not None and v.owner in layout.group_of and v.owner not in members:
                    other = layout.group_of[v.owner]
                    if other not in feeds:
                        feeds.append(other)
            for out in n.outputs:
                if out in layout.var_ids and out not in feeds:
                    feeds.append(out)
        for v in fed_by:
            target_graph.edge(source(v), prefix + gid, style="dashed")
        for item in feeds:
            if isinstance(item, str):
                target_graph.edge(prefix + item, prefix + gid, style="dashed")
            else:
                target_graph.edge(prefix + gid, prefix + layout.var_ids[item], style="dashed")


def new_digraph(rankdir: str = "LR") -> Any:
    """An empty Digraph with gradlab's look (graphviz is imported here, lazily)."""
    try:
        import graphviz
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("gradlab.viz needs the graphviz Python package: pip install graphviz "
                          "(and the dot program: apt-get install graphviz)") from exc
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    dot = dot_runner.BoundedDigraph(name="gradlab", graph_attr=dict(style.GRAPH_ATTRS, rankdir=rankdir),
                           node_attr=dict(style.NODE_ATTRS), edge_attr=dict(style.EDGE_ATTRS))
    return dot


def summary_note(layout: Layout) -> Optional[str]:
    """The note under a collapsed picture (None when everything is drawn)."""
    if not layout.hidden:
        return None
    return (f"showing the {len(layout.nodes):,} ops nearest the outputs of {layout.total:,}; "
            f"{len(layout.hidden):,} are collapsed (raise max_nodes to see more)")


def numbers(target: Target, layout: Layout, values: Optional[Mapping], adjoints: bool) -> tuple:
    """``(values, adjoints)`` for the drawn variables (None when not asked for)."""
    if values is None and not adjoints:
        return None, None
    if values is None:
        values = {}
    resolved = resolve_values(_value_inputs(target), values, target.aliases)
    cost = None
    if adjoints:
        if len(target.outputs) != 1:
            raise ValueError(f"adjoints=True needs one scalar output (the cost), got {len(target.outputs)} "
                             "outputs; draw one of them, or their sum")
        cost = target.outputs[0]
    forward, backward = forward_and_backward(layout.variables, target.inputs, resolved, cost)
    return forward, (backward if adjoints else None)


def _value_inputs(target: Target) -> list:
    from gradlab.graph.traversal import graph_inputs
    found = list(target.inputs)
    for v in graph_inputs(target.outputs, blockers=target.inputs):
        if v not in found and not isinstance(v, Constant):
            found.append(v)
    return found


def graph(outputs: Any, *, inputs: Optional[Sequence[Variable]] = None, values: Optional[Mapping] = None,
          adjoints: bool = False, show_types: bool = False, rankdir: str = "LR",
          highlight: Union[Iterable, Mapping] = (), max_nodes: Optional[int] = MAX_NODES,
          legend: bool = True, title: Optional[str] = None) -> Any:
    """A ``graphviz.Digraph`` of the graph computing ``outputs``.

    ``outputs``: a variable, a list of them, a FunctionGraph or a compiled
    function.  ``inputs`` cut the graph (drawn as inputs).  ``values``
    (``{input or name: value}``) writes every variable's value on it;
    ``adjoints=True`` also writes ``grad`` = d cost / d v, the adjoint of the
    single scalar output ``cost`` (from ``gradlab.gradient.grad``).
    ``highlight``: variables / Apply nodes to outline, or a dict of them to
    ``"highlight" | "matched" | "new" | "removed"``.  At most ``max_nodes``
    ops are drawn (None: all); the rest is collapsed, with a note.
    """
    target = resolve_target(outputs, inputs)
    layout = plan(target, max_nodes)
    forward, backward = numbers(target, layout, values, adjoints)
    dot = new_digraph(rankdir)
    dot.text_form = dot_runner.text_form_of(target.outputs)
    used = draw(dot, target, layout, values=forward, adjoints=backward, show_types=show_types,
                highlight=aliased_marks(highlight, target))
    notes = [n for n in (summary_note(layout),) if n]
    if adjoints:
        notes.insert(0, "grad = d cost / d node (cost: the output)")
    style.set_caption(dot, title, notes)
    if legend:
        style.add_legend(dot, sorted(used["roles"]), sorted(used["kinds"]), sorted(used["highlights"]))
    return dot


def aliased_marks(highlight: Any, target: Target) -> Any:
    if not target.aliases:
        return highlight
    if isinstance(highlight, Mapping):
        return {target.aliases.get(k, k): v for k, v in highlight.items()}
    if isinstance(highlight, (Variable, Apply)):
        highlight = [highlight]
    return [target.aliases.get(k, k) for k in highlight]
