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

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.viz import budget, dot_runner, style
from gradlab.viz.bundles import constant_bundles, draw_constant_bundle, draw_input_bundle, joined_positions
from gradlab.viz.clusters import draw_composite, link_loop_body, scan_body_job
from gradlab.viz.fitting import fitted
from gradlab.viz.folding import is_scan, program_of, wrapped_expression
from gradlab.viz.origin_view import origin_groups, place_in_groups
from gradlab.viz.layout import MAX_NODES, Layout, Target, plan, resolve_target  # noqa: F401  (re-exported)
from gradlab.viz.values import forward_and_backward, format_value, resolve_values

#: the note under a picture that shows adjoints
ADJOINT_NOTE = "grad = d cost / d node (cost: the output)"


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


class Canvas:
    """Where :func:`draw` puts a picture: the graph (or a cluster of it) plus
    the clusters that open folded things, and what was drawn — the styles used
    (for the legend) and every node's predicted size and every edge (for the
    size budget, :mod:`gradlab.viz.budget`)."""

    def __init__(self) -> None:
        self.used: dict = {"roles": set(), "kinds": set(), "highlights": set(), "extras": set()}
        self.boxes: dict = {}
        self.edges: list = []
        self.labelled = False
        self._clusters: list = []
        self._labelled_edges: dict = {}     # (container, tail, head, other attrs) -> _JoinedEdge

    def cluster(self, parent: Any, name: str, kind: str, label: list) -> Any:
        """A new cluster of ``kind`` (``style.CLUSTER_STYLES``) inside ``parent``."""
        import graphviz
        child = graphviz.Digraph(name=name)
        child.attr(label=style.text_label(label), labeljust="l", fontsize=style.NODE_ATTRS["fontsize"],
                   **style.CLUSTER_STYLES[kind][1])
        self._clusters.append((parent, child))
        self.used["extras"].add(kind)
        self.boxes[name] = budget.text_box(label)
        return child

    def node(self, container: Any, nid: str, lines: list, attrs: dict) -> None:
        container.node(nid, label=style.text_label(lines), **attrs)
        self.boxes[nid] = budget.text_box(lines, shape=attrs.get("shape", "box"))

    def edge(self, container: Any, tail: str, head: str, **attrs: Any) -> None:
        """An edge; a labelled edge parallel to one drawn before (an op reading
        the same thing at several argument positions) joins it, labels
        joined (``7, 10, 12``) when the canvas is attached (so an op reading one
        variable at n positions costs n, not n squared)."""
        if "label" in attrs:
            key = (id(container), tail, head, tuple(sorted((k, v) for k, v in attrs.items() if k != "label")))
            drawn = self._labelled_edges.get(key)
            if drawn is not None:
                drawn.labels.append(attrs["label"])
                drawn.joined = False
                return
            self._labelled_edges[key] = _JoinedEdge(container, len(container.body), tail, head, attrs,
                                                    [attrs["label"]])
        container.edge(tail, head, **attrs)
        if attrs.get("constraint") != "false":
            self.edges.append((tail, head))
        if "label" in attrs:
            self.labelled = True

    def attach(self) -> None:
        """Write the joined labels of parallel edges, then put the clusters made
        so far into their parents (innermost first)."""
        for drawn in self._labelled_edges.values():
            if not drawn.joined:
                drawn.write()
        for parent, child in reversed(self._clusters):
            parent.subgraph(child)
        self._clusters.clear()


@dataclass
class _JoinedEdge:
    """A labelled edge and the labels of the parallel edges joined into it."""

    container: Any
    line: int            #: its line in ``container.body``
    tail: str
    head: str
    attrs: dict
    labels: list
    joined: bool = True  #: is the line up to date with ``labels``?

    def write(self) -> None:
        self.container.edge(self.tail, self.head,
                            **dict(self.attrs, label=style.text_label(joined_positions(self.labels))))
        self.container.body[self.line] = self.container.body.pop()
        self.joined = True


@dataclass
class _Job:
    """One graph to draw into ``container`` (the picture, or a loop-body cluster)."""

    container: Any
    target: Target
    layout: Layout
    prefix: str
    values: Optional[dict]
    adjoints: Optional[dict]
    marks: dict
    roles: dict = field(default_factory=dict)       #: variable -> (role, label) for a loop body's placeholders
    carried: list = field(default_factory=list)     #: (new state, its placeholder) pairs of a loop body
    groups: Optional[dict] = None                   #: node -> its origin group (graph(origin=True))


def draw(target_graph: Any, target: Target, layout: Layout, *, prefix: str = "", values: Optional[dict] = None,
         adjoints: Optional[dict] = None, show_types: bool = False, highlight: Any = (),
         canvas: Optional[Canvas] = None, groups: Optional[dict] = None) -> dict:
    """Add the nodes and edges of ``layout`` to ``target_graph`` (a Digraph or a
    cluster), with the clusters that open composites, loop bodies and
    repeats.  Returns what was used: ``{"roles", "kinds", "highlights",
    "extras", "canvas"}``.  Loop bodies are drawn from a work list, so nested
    loops need no recursion."""
    canvas = canvas or Canvas()
    jobs = deque([_Job(target_graph, target, layout, prefix, values, adjoints, _highlight_kinds(highlight),
                       groups=groups)])
    while jobs:
        _draw_job(canvas, jobs.popleft(), jobs, show_types)
    canvas.attach()
    return dict(canvas.used, canvas=canvas)


def _draw_job(canvas: Canvas, job: _Job, jobs: deque, show_types: bool) -> None:
    layout, prefix, marks, used = job.layout, job.prefix, job.marks, canvas.used
    has_adjoints = job.adjoints is not None
    pending: dict = {}            # repeated leaves: attributes, drawn at each use
    copies: dict = {}
    home: dict = {}               # Apply -> the repeat cluster holding it
    for k, rep in enumerate(layout.repeats):
        cluster = canvas.cluster(job.container, f"cluster_{prefix}rep{k}", "repeat",
                                 [f"× {rep.count:,}: the same step {rep.count:,} times in a row (drawn once)"])
        for node in rep.nodes:
            home[node] = cluster
    if job.groups:
        place_in_groups(canvas, job.container, job.groups, layout.nodes, prefix, home)

    def source(var: Variable) -> Optional[str]:
        found = _source_of(var, layout)
        if found is None or var not in pending:
            return None if found is None else prefix + found
        copies[var] = copies.get(var, 0) + 1
        copy = f"{prefix}{found}_{copies[var]}"
        canvas.node(job.container, copy, pending[var][0], pending[var][1])
        return copy

    bundles, bundled = constant_bundles(job.target, layout) if layout.bundle else ({}, set())
    for var in layout.variables:
        if var in bundled:
            continue
        role = variable_role(var, job.target)
        given = job.roles.get(var)
        value = None if job.values is None else job.values.get(var)
        adj = None if job.adjoints is None else job.adjoints.get(var)
        lines = _variable_lines(var, role, job.target, show_types, value, adj, has_adjoints)
        if given is not None:
            role = given[0] if given[0] in style.VARIABLE_STYLES else role
            lines = [var.name or given[1]] + ([given[1]] if var.name and var.name != given[1] else []) + lines[1:]
        if lines:
            attrs = style.variable_attrs(role)
            used["roles"].add(role)
        else:
            attrs = dict(style.POINT_STYLE)
            used["extras"].add("points")
        kind = marks.get(var)
        if kind is not None:
            attrs = style.apply_highlight(attrs, kind)
            used["highlights"].add(kind)
        attrs["tooltip"] = f"{var.name or role}: {var.type}"
        if var in layout.repeated:
            attrs["tooltip"] += " (drawn once per use)"
            pending[var] = (lines, attrs)
            continue
        canvas.node(home.get(var.owner, job.container), prefix + layout.var_ids[var], lines, attrs)
    producer: dict = {}
    for node in layout.nodes:
        nid = prefix + layout.node_ids[node]
        container = home.get(node, job.container)
        if layout.open_composites and program_of(node.op) is not None:
            producer[node] = draw_composite(canvas, container, node, nid, source, marks.get(node))
        else:
            producer[node] = nid
            note = job.groups.get(node) if job.groups else None
            _draw_op(canvas, container, node, nid, marks.get(node), note[1] if note and note[0] is None else None)
            numbered = len(node.inputs) > 1 and not style.is_commutative(node)
            together = dict(bundles.get(node, ()))
            for i, var in enumerate(node.inputs):
                tail = None if i in together else source(var)
                if tail is not None:
                    canvas.edge(job.container, tail, nid, **({"label": str(i)} if numbered else {}))
                    used["extras"].update(("numbered",) if numbered else ())
            if together:
                draw_constant_bundle(canvas, container, job.container, nid, together, numbered)
            if layout.open_scans and is_scan(node.op):
                jobs.append(scan_body_job(canvas, container, node, nid, layout, _Job))
        for j, out in enumerate(node.outputs):
            if out in layout.var_ids:
                extra = {"label": str(j)} if len(node.outputs) > 1 else {}
                canvas.edge(job.container, producer[node], prefix + layout.var_ids[out], **extra)
    _draw_repeat_edges(canvas, job, producer, source)
    if job.carried:
        link_loop_body(canvas, job)
    _draw_groups(canvas, job.container, job.target, layout, prefix, used, source)


def _draw_op(canvas: Canvas, container: Any, node: Apply, nid: str, mark: Optional[str],
             note: Optional[str] = None) -> None:
    """An op as an ellipse (a folded composite: its infix expression, wrapped)."""
    kind_name = style.op_kind(node.op)
    canvas.used["kinds"].add(kind_name)
    attrs = style.op_attrs(kind_name)
    if mark is not None:
        attrs = style.apply_highlight(attrs, mark)
        canvas.used["highlights"].add(mark)
    attrs["tooltip"] = dot_runner.op_tooltip(node.op)
    lines = [style.op_label(node)]
    if program_of(node.op) is not None:
        names = [v.name or f"i{k}" for k, v in enumerate(node.inputs)]
        wrapped = wrapped_expression(node.op, names)
        lines = ["composite"] + (wrapped if wrapped else [f"of {style.plural(len(program_of(node.op)), 'op')}"])
    canvas.node(container, nid, lines + ([note] if note else []), attrs)


def _draw_repeat_edges(canvas: Canvas, job: _Job, producer: dict, source: Any) -> None:
    """A folded run: the last step's results leave from the drawn step (dashed,
    ``after × N``); what the next step reads loops back (dashed, ``next step``)."""
    layout, prefix = job.layout, job.prefix
    for rep in layout.repeats:
        for last, first in rep.exits:
            if last in layout.var_ids and first.owner in producer:
                canvas.edge(job.container, producer[first.owner], prefix + layout.var_ids[last], style="dashed",
                            label=f"after × {rep.count:,}")
                canvas.used["extras"].add("next")
        for var, node in rep.loops:
            tail = source(var)
            if tail is not None and node in producer:
                canvas.edge(job.container, tail, producer[node], style="dashed", constraint="false",
                            label="next step", color=style.OKABE_ITO["reddish_purple"])
                canvas.used["extras"].add("next")


def _source_of(var: Variable, layout: Layout) -> Optional[str]:
    if var in layout.var_ids:
        return layout.var_ids[var]
    if var.owner is not None and var.owner in layout.group_of:
        return layout.group_of[var.owner]
    return None


def _draw_groups(canvas: Canvas, target_graph: Any, target: Target, layout: Layout, prefix: str, used: dict,
                 source: Any) -> None:
    if not layout.groups:
        return
    used["kinds"].add("summary")
    for gid, nodes in layout.groups:
        counts = Counter(style.op_label(n) for n in nodes)
        top = ", ".join(f"{name} ×{k:,}" for name, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3])
        not_drawn = list(dict.fromkeys(v for n in nodes for v in n.inputs
                                       if v.owner is None and v not in layout.var_ids))
        constants = sum(isinstance(v, Constant) for v in not_drawn)
        free = [v for v in not_drawn if not isinstance(v, Constant)]
        lines = [f"⋯ {style.plural(len(nodes), 'op')} collapsed", top]
        if free and not layout.bundle:
            lines.append(f"+ {style.plural(len(free), 'input')} not drawn")
        if constants:
            lines.append(f"+ {style.plural(constants, 'constant')}")
        canvas.node(target_graph, prefix + gid, lines,
                    dict(style.SUMMARY_STYLE[1], tooltip=style.plural(len(nodes), "op")))
        if free and layout.bundle:
            draw_input_bundle(canvas, target_graph, prefix + gid, free)
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
            canvas.edge(target_graph, source(v), prefix + gid, style="dashed")
        for item in feeds:
            if isinstance(item, str):
                canvas.edge(target_graph, prefix + item, prefix + gid, style="dashed")
            else:
                canvas.edge(target_graph, prefix + gid, prefix + layout.var_ids[item], style="dashed")


def new_digraph(rankdir: str = "LR") -> Any:
    """An empty Digraph with gradlab's look (graphviz is imported here, lazily)."""
    try:
        import graphviz
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("gradlab.viz needs the graphviz Python package: pip install graphviz "
                          "(and the dot program: apt-get install graphviz)") from exc
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    dot = dot_runner.BoundedDigraph(name="gradlab", graph_attr=dict(style.GRAPH_ATTRS, rankdir=rankdir, compound="true"),
                           node_attr=dict(style.NODE_ATTRS), edge_attr=dict(style.EDGE_ATTRS))
    return dot


def summary_note(layout: Layout) -> Optional[str]:
    """The note under a collapsed picture (None when everything is drawn)."""
    if not layout.hidden:
        return None
    return (f"showing the {style.plural(len(layout.nodes), 'op')} nearest the outputs of {layout.total:,}; "
            f"{len(layout.hidden):,} {'is' if len(layout.hidden) == 1 else 'are'} collapsed "
            "(raise max_nodes to see more)")


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


def finish(dot: Any, used: dict, *, title: Optional[str], notes: list, legend: bool,
           rankdir: Optional[str]) -> budget.Size:
    """Caption, legend, direction and display width of a drawn picture.

    ``rankdir=None`` chooses the direction from the drawing: left to right
    when that fits the budget, else top to bottom when that fits (a long
    chain), else whichever needs less shrinking.  Returns the predicted size.
    """
    canvas = used["canvas"]
    lines = style.caption_lines(title, notes)
    caption = budget.text_box(lines, shape="plaintext") if lines else (0.0, 0.0)
    extra = style.legend_size(used) if legend else (0.0, 0.0)

    def size(direction: str) -> budget.Size:
        return budget.estimate(canvas.boxes, canvas.edges, direction, labelled_edges=canvas.labelled,
                               extra=extra if extra[0] else None, caption=caption)

    if rankdir is None:
        across, down = size("LR"), size("TB")
        rankdir = "LR" if across.fits or across.score >= down.score else "TB"
    predicted = size(rankdir)
    dot.graph_attr["rankdir"] = rankdir
    style.set_caption(dot, title, notes)
    if legend:
        tails = {a for a, _ in canvas.edges}
        sinks = [n for n in canvas.boxes if n not in tails and not n.startswith("cluster_")]
        style.add_legend(dot, used, sinks=tuple(sinks[-3:]))
    budget.fit_width(dot)
    return predicted


def compose(target: Target, layout: Layout, *, values: Optional[dict] = None, adjoints: Optional[dict] = None,
            highlight: Any = (), title: Optional[str] = None, notes: Iterable[str] = (),
            rankdir: Optional[str] = None, show_types: bool = False) -> Any:
    """A ``graphviz.Digraph`` of an already planned ``layout`` with the given
    numbers (``{variable: array}``; a variable missing from ``values`` shows
    none, one missing from ``adjoints`` shows ``grad —``), drawn as
    :func:`graph` draws.  Planning once and composing many times is what a
    sequence of pictures of one graph (steps, a slider) does."""
    dot = new_digraph(rankdir or "LR")
    used = draw(dot, target, layout, values=values, adjoints=adjoints, show_types=show_types, highlight=highlight)
    finish(dot, used, title=title, notes=[n for n in (*notes, summary_note(layout)) if n], legend=True,
           rankdir=rankdir)
    return dot


def graph(outputs: Any, *, inputs: Optional[Sequence[Variable]] = None, values: Optional[Mapping] = None,
          adjoints: bool = False, show_types: bool = False, rankdir: Optional[str] = None,
          highlight: Union[Iterable, Mapping] = (), max_nodes: Optional[int] = MAX_NODES,
          legend: bool = True, title: Optional[str] = None, fold: Union[bool, str] = "auto",
          fit: bool = True, origin: bool = False) -> Any:
    """A ``graphviz.Digraph`` of the graph computing ``outputs``.

    ``outputs``: a variable, a list of them, a FunctionGraph or a compiled
    function.  ``inputs`` cut the graph (drawn as inputs).  ``values``
    (``{input or name: value}``) writes every variable's value on it;
    ``adjoints=True`` also writes ``grad`` = d cost / d v, the adjoint of the
    single scalar output ``cost`` (from ``gradlab.gradient.grad``).
    ``highlight``: variables / Apply nodes to outline, or a dict of them to
    ``"highlight" | "matched" | "new" | "removed"``.  At most ``max_nodes``
    ops are drawn (None: all); the rest is collapsed, with a note.

    The picture keeps to the size budget (:mod:`gradlab.viz.budget`: shown at
    most 900 px wide with text of at least 11 px).  ``rankdir`` (``"LR"``,
    ``"TB"`` …) fixes the direction; None picks it from the graph.  ``fold``:
    ``"auto"`` opens fused composites and Scan loop bodies as clusters and
    folds a block repeated in a row into one instance ``× N`` only when the
    picture would not fit; ``False`` never folds; ``True`` folds everything.
    ``fit=False`` (pictures that pan and zoom) skips collapsing to fit.
    ``origin=True`` groups a derivative graph by origin: one labelled cluster
    per forward op whose rule built the nodes (``∂ of exp, node 3``), the sums
    for values read more than once marked (:mod:`gradlab.viz.origin_view`).
    """
    target = resolve_target(outputs, inputs)
    marks = aliased_marks(highlight, target)
    computed: list = []

    def build(options: dict, direction: Optional[str]) -> tuple:
        layout = plan(target, **options)
        if not computed:
            computed.append(numbers(target, layout, values, adjoints))
        forward, backward = computed[0]
        dot = new_digraph(direction or "LR")
        dot.text_form = dot_runner.text_form_of(target.outputs)
        groups = origin_groups(outputs, layout.nodes) if origin else None
        used = draw(dot, target, layout, values=forward, adjoints=backward, show_types=show_types, highlight=marks,
                    groups=groups)
        notes = [n for n in (summary_note(layout), repeat_note(layout)) if n]
        if adjoints:
            notes.insert(0, ADJOINT_NOTE)
        return dot, finish(dot, used, title=title, notes=notes, legend=legend, rankdir=direction), [layout]

    return fitted(build, fold, max_nodes, fit, rankdir)


def repeat_note(layout: Layout) -> Optional[str]:
    """The note under a picture with folded repeats (None when there is none)."""
    if not layout.repeats:
        return None
    return (f"{style.plural(len(layout.folded), 'op')} of repeated steps are folded into "
            f"{style.plural(len(layout.repeats), 'drawn step')} (fold=False draws them all)")


def aliased_marks(highlight: Any, target: Target) -> Any:
    if not target.aliases:
        return highlight
    if isinstance(highlight, Mapping):
        return {target.aliases.get(k, k): v for k, v in highlight.items()}
    if isinstance(highlight, (Variable, Apply)):
        highlight = [highlight]
    return [target.aliases.get(k, k) for k in highlight]
