"""``BackpropStepper``: the forward pass node by node, then the backward pass,
with the current node highlighted and each adjoint accumulating term by term."""
from __future__ import annotations

import html
from typing import Any, Mapping, Optional, Sequence, Union

import ipywidgets as widgets

from gradlab.graph.basic import Variable
from gradlab.viz.graph_picture import MAX_NODES
from gradlab.viz.backprop_trace import BackpropTrace
from gradlab.viz.values import one_line
from gradlab.widgets.base import Stepper
from gradlab.widgets.render import guarded, svg_future, variable_text

#: at most this many adjoints are listed in the table (the current node's and the inputs' always are)
MAX_ROWS = 40


class BackpropStepper(Stepper):
    """Watch reverse-mode differentiation of ``cost`` one node at a time.

    Steps ``0 … n_forward-1`` compute the nodes in topological order (values
    appear on the picture as they are computed); the remaining steps visit the
    nodes consumers first, each adding ``(d cost / d output) · ∂output/∂input``
    to the adjoint of every real input (``grad`` on the picture; the table
    lists each adjoint's terms).  The final adjoints equal
    ``gradlab.gradient.grad(cost, v)``.  ``values``: a list matching
    ``inputs`` or a dict by variable or name.

    State: ``step`` (settable; also ``slider.value``), ``n_steps``,
    ``n_forward``, ``phase``, ``current_node``, ``current_node_id`` (its id in
    the picture, ``"n3"``), ``values`` and ``adjoints`` known at this step
    (``{variable: array}``), ``contributions`` (the terms added at this step),
    ``gradient`` (the final d cost / d input), ``svg``, ``digraph``,
    ``trace`` (the numbers, a ``BackpropTrace``).
    """

    def __init__(self, cost: Variable, inputs: Sequence[Variable], values: Union[Mapping, Sequence], *,
                 max_nodes: Optional[int] = MAX_NODES, rankdir: Optional[str] = None, show_types: bool = False,
                 interval: int = 1200):
        from gradlab.viz.graph_picture import Target, plan
        self.trace = BackpropTrace(cost, inputs, values)
        self.target = Target([cost], list(self.trace.inputs))
        self.picture_layout = plan(self.target, max_nodes)
        self.rankdir = rankdir
        self.show_types = show_types
        self.digraph: Any = None
        self.n_forward = len(self.trace.forward_steps)
        play, slider = self.step_controls(interval)       # n_steps runs the backward pass
        self.status = widgets.HTML(value="")
        self.status.add_class("gradlab-backprop-status")
        self.table = widgets.HTML(value="")
        self.table.add_class("gradlab-adjoints")
        message, picture = self.error_line(), self.picture_area("gradlab-backprop")
        self.assemble([widgets.HBox([play, slider]), self.status, message, picture, self.table],
                      "gradlab-backprop-stepper", watch=[slider])

    # -- state -----------------------------------------------------------
    @property
    def n_backward(self) -> int:
        return len(self.trace.backward_steps)

    @property
    def n_steps(self) -> int:
        return self.n_forward + self.n_backward

    def _range_error(self, k: int) -> str:
        return f"{super()._range_error(k)}: {self.n_forward} forward, {self.n_backward} backward"

    @property
    def phase(self) -> str:
        """``"forward"`` or ``"backward"``."""
        return "forward" if self.step < self.n_forward else "backward"

    @property
    def current(self) -> Any:
        """The ``PassStep`` shown."""
        k = self.step
        if k < self.n_forward:
            return self.trace.forward_steps[k]
        return self.trace.backward_steps[k - self.n_forward]

    @property
    def current_node(self) -> Any:
        """The Apply node computed (forward) or back-propagated (backward) at this step."""
        return self.current.node

    @property
    def current_node_id(self) -> Optional[str]:
        """The current node's id in the picture (``"n3"``; None when it is collapsed)."""
        return self.picture_layout.node_ids.get(self.current_node)

    @property
    def values(self) -> dict:
        """The values known at this step."""
        if self.phase == "forward":
            return self.trace.known_at(self.step)
        return dict(self.trace.values)

    @property
    def adjoints(self) -> dict:
        """The adjoints accumulated so far (empty during the forward pass)."""
        if self.phase == "forward":
            return {}
        return self.trace.adjoints_at(self.step - self.n_forward)

    @property
    def contributions(self) -> list:
        """The terms added at this step (``Contribution(variable, position, term, total)``)."""
        return list(self.current.contributions)

    @property
    def gradient(self) -> list:
        """d cost / d input for each input: the adjoints at the end of the backward pass."""
        return self.trace.gradient

    # -- drawing ---------------------------------------------------------
    def _name(self, var: Variable, limit: int = 30) -> str:
        """How the text names a variable: its name, ``cost`` for the cost, else its pp text."""
        if var is self.trace.cost and var.name is None:
            return "cost"
        return variable_text(var, limit)

    def _title(self) -> str:
        from gradlab.viz.style import op_label
        step = self.current
        label = op_label(step.node)
        if step.phase == "forward":
            outs = ", ".join(self._name(o, 30) for o in step.node.outputs)
            return f"forward {step.index + 1}/{self.n_forward}: compute {label} -> {outs}"
        targets = ", ".join(dict.fromkeys(self._name(c.variable, 30) for c in step.contributions)) or "nothing"
        return f"backward {step.index + 1}/{self.n_backward}: {label} passes d cost/d output back to {targets}"

    def make_digraph(self) -> Any:
        """The picture of the current step."""
        from gradlab.viz.graph_picture import compose
        step = self.current
        marks = {step.node: "highlight"}
        if step.phase == "forward":
            for out in step.node.outputs:
                marks[out] = "highlight"
            shown_adjoints = None
            note = "values appear as each node is computed"
        else:
            for c in step.contributions:
                marks[c.variable] = "highlight"
            shown_adjoints = self.adjoints
            note = "grad = d cost / d node so far (— : nothing has reached it yet)"
        shown_values = {v: x for v, x in self.values.items() if v in self.picture_layout.var_ids}
        return compose(self.target, self.picture_layout, values=shown_values, adjoints=shown_adjoints,
                       highlight=marks, title=self._title(), notes=[note], rankdir=self.rankdir,
                       show_types=self.show_types)

    def _status_html(self) -> str:
        step = self.current
        title = html.escape(self._title())
        if step.phase == "forward":
            node = step.node
            args = ", ".join(f"{html.escape(self._name(v, 24))} = {html.escape(one_line(self.trace.values[v]))}"
                             for v in node.inputs)
            outs = "; ".join(f"{html.escape(self._name(o, 30))} = {html.escape(one_line(self.trace.values[o]))}"
                             for o in node.outputs)
            return f"<b>{title}</b><br><small>from {args}</small><br>{outs}"
        lines = []
        for out, g in zip(step.node.outputs, step.output_adjoints):
            if g is not None:
                lines.append(f"d cost / d {html.escape(self._name(out, 30))} = {html.escape(one_line(g))}")
        for c in step.contributions:
            lines.append(f"d cost / d {html.escape(self._name(c.variable, 30))} += "
                         f"{html.escape(one_line(c.term))} (input {c.position}) → {html.escape(one_line(c.total))}")
        for v in step.undefined:
            lines.append(f"d cost / d {html.escape(self._name(v, 30))}: undefined through this op")
        return f"<b>{title}</b><br>" + "<br>".join(lines)

    def _table_html(self) -> str:
        if self.phase == "forward":
            return "<small>the backward pass starts after the last forward step</small>"
        j = self.step - self.n_forward
        terms = self.trace.terms_at(j)
        totals = self.trace.adjoints_at(j)
        current = {c.variable for c in self.current.contributions}
        rows = [(self.trace.cost, None)] + [(v, t) for v, t in terms.items()]
        important = set(self.trace.inputs) | current | {self.trace.cost}
        if len(rows) > MAX_ROWS:
            rows = [r for r in rows if r[0] in important][:MAX_ROWS]
        body = []
        for var, var_terms in rows:
            text = "seed 1" if var_terms is None else " + ".join(one_line(t) for t in var_terms)
            weight = "font-weight:bold;" if var in current else ""
            body.append(f'<tr style="{weight}"><td>d cost / d {html.escape(self._name(var, 30))}</td>'
                        f"<td>{html.escape(text)}</td><td>= {html.escape(one_line(totals[var]))}</td></tr>")
        return ('<table class="gradlab-adjoint-table" style="font-family:monospace; font-size:12px">'
                "<tr><th align='left'>adjoint</th><th align='left'>terms so far</th><th align='left'>total</th></tr>"
                + "".join(body) + "</table>")

    def render_step(self, k: int) -> tuple:
        """``(digraph, svg, status html, table html)`` of step ``k``, the step shown."""
        dot = self.make_digraph()
        pending = svg_future(dot)                      # dot lays out while the texts are written
        return (dot, pending.result(), self._status_html(), self._table_html())

    @guarded
    def refresh(self) -> None:
        """Show the step ``slider.value``."""
        self.digraph, svg, self.status.value, self.table.value = self.rendered(self.step)
        self.show_picture(svg)
