"""``RewriteStepper``: a slider (and a play button) through a rewrite trace."""
from __future__ import annotations

import html
from typing import Any, Optional, Sequence

import ipywidgets as widgets

from gradlab.graph.basic import Variable
from gradlab.viz.graph_picture import MAX_NODES
from gradlab.viz.inputs import as_outputs, compile_function, free_inputs
from gradlab.widgets.base import Stepper
from gradlab.widgets.render import guarded, pre, svg_future

#: the longest pp text shown before and after a step (pp stops building there)
PP_CHARS = 2000


def resolve_trace(obj: Any, inputs: Optional[Sequence[Variable]] = None, mode: Any = "FAST_RUN") -> tuple:
    """``(trace, function or None)`` for a compiled function, a ``Rewritten``, or
    outputs (compiled here in ``mode``: the trace is ``f.maker.trace``)."""
    from gradlab.viz.steps import as_trace
    if hasattr(obj, "maker"):
        return as_trace(obj), obj
    if hasattr(obj, "steps") and hasattr(obj, "graph_at"):
        return obj, None
    outputs = as_outputs(obj)
    ins = list(inputs) if inputs is not None else free_inputs(outputs)
    f = compile_function(ins, outputs if len(outputs) > 1 else outputs[0], mode)
    return as_trace(f), f


class RewriteStepper(Stepper):
    """Step through the rewrites that compiling ``function_or_outputs`` applied.

    ``function_or_outputs``: a compiled function (its ``f.maker.trace``), a
    ``Rewritten`` trace, or variables (compiled here in ``mode``).  For step k
    it shows the graph before and after the step (matched and removed nodes
    outlined on the left, new ones on the right), the rule (name, rule set,
    ``lhs -> rhs``, the node it matched) and ``pp`` of the outputs before
    and after.  ``play`` advances the slider every ``interval`` ms.

    State: ``step`` (settable; also ``slider.value``), ``n_steps``,
    ``rule_name``, ``rule_set``, ``pattern_text``, ``node_text``,
    ``pp_before``, ``pp_after``, ``svg``, ``trace``, ``error_message``.
    """

    def __init__(self, function_or_outputs: Any, *, inputs: Optional[Sequence[Variable]] = None,
                 mode: Any = "FAST_RUN", max_nodes: Optional[int] = MAX_NODES, rankdir: Optional[str] = None,
                 interval: int = 1500):
        self.trace, self.function = resolve_trace(function_or_outputs, inputs, mode)
        self.max_nodes = max_nodes
        self.rankdir = rankdir
        self._pp_before = self._pp_after = ""
        play, slider = self.step_controls(interval, disabled=self.n_steps == 0)
        self.count = widgets.HTML(value=f"of {self.n_steps} step{'s' if self.n_steps != 1 else ''}")
        self.rule = widgets.HTML(value="")
        self.rule.add_class("gradlab-rule")
        self.pp_before_box = widgets.HTML(value="")
        self.pp_before_box.add_class("gradlab-pp-before")
        self.pp_after_box = widgets.HTML(value="")
        self.pp_after_box.add_class("gradlab-pp-after")
        message, picture = self.error_line(), self.picture_area("gradlab-rewrite-step")
        texts = widgets.HBox([self.pp_before_box, self.pp_after_box],
                             layout=widgets.Layout(justify_content="space-between"))
        self.assemble([widgets.HBox([play, slider, self.count]), self.rule, texts, message, picture],
                      "gradlab-rewrite-stepper", watch=[slider])

    # -- state -----------------------------------------------------------
    @property
    def n_steps(self) -> int:
        """How many rewrites the trace holds."""
        return len(self.trace.steps)

    def _range_error(self, k: int) -> str:
        if self.n_steps == 0:
            return "the trace has no steps: nothing was rewritten"
        return f"step {k} is out of range: the trace has {self.n_steps} steps (0 to {self.n_steps - 1})"

    @property
    def current(self) -> Any:
        """The ``Step`` shown (None when the trace is empty)."""
        return self.trace.steps[self.step] if self.n_steps else None

    @property
    def rule_name(self) -> str:
        """The rule of the step shown, e.g. ``"mul_by_one"`` ('' when nothing was rewritten)."""
        return self.current.rule if self.n_steps else ""

    @property
    def rule_set(self) -> str:
        return self.current.rule_set if self.n_steps else ""

    @property
    def pattern_text(self) -> str:
        """The rule's ``lhs -> rhs``."""
        return self.current.pattern_text if self.n_steps else ""

    @property
    def node_text(self) -> str:
        """The node the rule matched, as it read then."""
        return self.current.node_text if self.n_steps else ""

    @property
    def pp_before(self) -> str:
        """``pp`` of the outputs just before the step."""
        return self._pp_before

    @property
    def pp_after(self) -> str:
        """``pp`` of the outputs just after the step."""
        return self._pp_after

    # -- drawing ---------------------------------------------------------
    def render_step(self, k: int) -> tuple:
        """``(svg, pp before, pp after)`` of step ``k``."""
        from gradlab.printing import pp
        from gradlab import viz
        if self.n_steps == 0:
            graph = self.trace.graph
            dot = viz.graph(graph, rankdir=self.rankdir, max_nodes=self.max_nodes, fit=False,
                            title="no rewrite applied: the graph is already as simple as the rules make it")
            text = pp(list(graph.outputs), max_chars=PP_CHARS)
            return svg_future(dot).result(), text, text
        dot = viz.step_picture(self.trace, k, rankdir=self.rankdir, max_nodes=self.max_nodes, fit=False)
        pending = svg_future(dot)                      # dot lays out while pp runs
        before = pp(list(self.trace.graph_at(k - 1).outputs), max_chars=PP_CHARS)
        after = pp(list(self.trace.graph_at(k).outputs), max_chars=PP_CHARS)
        return pending.result(), before, after

    @guarded
    def refresh(self) -> None:
        """Show the step ``slider.value``."""
        svg, self._pp_before, self._pp_after = self.rendered(self.step)
        step = self.current
        if step is None:
            self.rule.value = "<b>no rewrite applied</b>"
        else:
            self.rule.value = (f"<b>{html.escape(step.rule)}</b> <small>[{html.escape(step.rule_set)}]</small> "
                               f"<code>{html.escape(step.pattern_text)}</code><br>"
                               f"<small>at <code>{html.escape(step.node_text)}</code></small>")
        self.pp_before_box.value = "<small>before</small>" + pre(self._pp_before)
        self.pp_after_box.value = "<small>after</small>" + pre(self._pp_after)
        self.show_picture(svg)
