"""``GraphExplorer``: a graph before and after rewriting, with toggles for
types, values and adjoints."""
from __future__ import annotations

import html
from typing import Any, Mapping, Optional, Sequence

import ipywidgets as widgets

from gradlab.graph.basic import Variable
from gradlab.viz.graph_picture import MAX_NODES
from gradlab.viz.inputs import as_outputs, compile_function, free_inputs, is_real, missing_values, resolve
from gradlab.widgets.base import PictureWorkbench
from gradlab.widgets.render import LRUCache, guarded, svg_text
from gradlab.widgets.validate import checked_values

VIEWS = (("before rewriting", "before"), ("after rewriting", "after"), ("side by side", "both"))


class GraphExplorer(PictureWorkbench):
    """Explore the graph of ``outputs`` (variables, or a compiled function).

    Controls: ``view_buttons`` (``"before"`` the graph you built, ``"after"``
    the graph compiling in ``mode`` made, ``"both"`` side by side),
    ``types_toggle`` (dtype and shape on every variable), ``fold_toggle``
    (on: steps repeated in a row drawn once with their count; off: every op,
    see ``fold`` of :func:`gradlab.viz.graph`), ``values_toggle``
    (every variable's value, from ``values``) and ``adjoints_toggle`` (d cost /
    d v on every variable, from ``gradlab.gradient.grad``; needs one scalar
    output, and shows the values too) and ``origin_toggle`` (a derivative
    graph grouped by origin: ``origin`` of :func:`gradlab.viz.graph`).  Inputs without a value in ``values``
    get 1.5 (arrays of known shape 1.5, 1.75, …).  After rewriting, a fused
    elementwise op has no gradient of its own, so adjoints stop there
    (``grad —``); the graph before rewriting shows them all.

    State: ``view``, ``values`` (settable), ``svg`` (the SVG text shown),
    ``digraph`` (its ``graphviz.Digraph``), ``function`` (compiled on first use),
    ``error_message``.
    """

    def __init__(self, outputs: Any, values: Optional[Mapping] = None, *,
                 inputs: Optional[Sequence[Variable]] = None, mode: Any = "FAST_RUN",
                 max_nodes: Optional[int] = MAX_NODES, rankdir: Optional[str] = None, view: str = "before"):
        if hasattr(outputs, "maker"):                      # a compiled function
            self._function = outputs
            self.outputs = list(outputs.maker.user_outputs)
            self.inputs = [spec.variable for spec in outputs.maker.inputs]
            self.mode = outputs.maker.mode
        else:
            self._function = None
            self.outputs = as_outputs(outputs)
            self.inputs = list(inputs) if inputs is not None else free_inputs(self.outputs)
            self.mode = mode
        self.max_nodes = max_nodes
        self.rankdir = rankdir
        self._graph_inputs = free_inputs(self.outputs)
        #: everything that may need a value: the function's inputs (used or not) and the graph's
        self._value_inputs = list(dict.fromkeys(list(self.inputs) + self._graph_inputs))
        self._values: dict = {}
        self._values_version = 0
        self._pictures = LRUCache(16)          # (controls, values version) -> (digraph, svg)
        self.digraph: Any = None

        self.view_buttons = widgets.ToggleButtons(options=VIEWS, value=view, description="graph")
        self.types_toggle = widgets.ToggleButton(value=False, description="types", icon="font",
                                                 tooltip="show each variable's dtype and shape")
        self.values_toggle = widgets.ToggleButton(value=False, description="values", icon="hashtag",
                                                  tooltip="show each variable's value")
        self.adjoints_toggle = widgets.ToggleButton(value=False, description="adjoints", icon="arrow-left",
                                                    tooltip="show d cost / d v on each variable (with the values)")
        self.fold_toggle = widgets.ToggleButton(value=True, description="fold", icon="compress",
                                                tooltip="fold steps repeated many times in a row into one (× N); "
                                                        "off: draw every op, composites and loop bodies opened")
        self.origin_toggle = widgets.ToggleButton(value=False, description="origin", icon="sitemap",
                                                  tooltip="group a derivative graph by origin: one box per "
                                                          "forward op whose rule built the nodes")
        self.caption = widgets.HTML(value="")
        self.caption.add_class("gradlab-caption")
        message, picture = self.error_line(), self.picture_area("gradlab-graph-explorer")
        controls = [self.view_buttons, self.types_toggle, self.values_toggle, self.adjoints_toggle, self.fold_toggle,
                    self.origin_toggle]
        self._set_values(values)
        self.assemble([widgets.HBox(controls), self.caption, message, picture], "gradlab-graph-explorer",
                      watch=controls)

    # -- state -----------------------------------------------------------
    @property
    def view(self) -> str:
        """``"before"``, ``"after"`` or ``"both"``."""
        return self.view_buttons.value

    @view.setter
    def view(self, value: str) -> None:
        allowed = [v for _, v in VIEWS]
        if value not in allowed:
            raise ValueError(f"view must be one of {allowed}, got {value!r}")
        self.view_buttons.value = value

    @property
    def values(self) -> dict:
        """``{input variable: value}`` used for the values and adjoints."""
        return dict(self._values)

    @values.setter
    @guarded
    def values(self, values: Optional[Mapping]) -> None:
        self._set_values(values)     # checks every value first: a bad one changes nothing
        self.refresh()

    @property
    def adjoints_available(self) -> bool:
        """Adjoints need one real scalar output (the cost)."""
        return len(self.outputs) == 1 and getattr(self.outputs[0], "ndim", None) == 0 and is_real(self.outputs[0])

    @property
    def function(self) -> Any:
        """The compiled function (compiled in ``mode`` on first use)."""
        if self._function is None:
            self._function = compile_function(self.inputs, self.outputs if len(self.outputs) > 1 else self.outputs[0],
                                              self.mode)
        return self._function

    # -- drawing ---------------------------------------------------------
    def _set_values(self, values: Optional[Mapping]) -> None:
        self._values = checked_values(resolve(self._value_inputs, values))
        self._values_version += 1
        missing = missing_values(self._value_inputs, self._values)
        self.values_toggle.disabled = bool(missing)
        self.values_toggle.tooltip = ("show each variable's value" if not missing else
                                      "needs values for " + ", ".join(v.name or str(v.type) for v in missing)
                                      + ": GraphExplorer(outputs, values={...})")
        self.adjoints_toggle.disabled = bool(missing) or not self.adjoints_available
        if self.adjoints_toggle.disabled:
            self.adjoints_toggle.tooltip = ("adjoints need one scalar output (the cost)" if not self.adjoints_available
                                            else self.values_toggle.tooltip)
        shown = [html.escape(f"{v.name or v.type} = {_brief(val)}") for v, val in self._values.items()]
        self.caption.value = ("<small>values at " + ", ".join(shown) + "</small>") if shown else ""

    def _options(self) -> dict:
        # a widget's picture pans and zooms: drawn at natural size, folded only where asked (fit=False)
        options: dict = {"show_types": self.types_toggle.value, "max_nodes": self.max_nodes, "rankdir": self.rankdir,
                         "fold": "auto" if self.fold_toggle.value else False, "fit": False,
                         "origin": self.origin_toggle.value}
        with_adjoints = self.adjoints_toggle.value and not self.adjoints_toggle.disabled
        if (self.values_toggle.value and not self.values_toggle.disabled) or with_adjoints:
            options["values"] = self._values
            if self.view == "before":       # the user's graph: only the inputs it reads
                options["values"] = {v: x for v, x in self._values.items() if v in self._graph_inputs}
        if with_adjoints:
            options["adjoints"] = True
        return options

    def make_digraph(self) -> Any:
        """The ``graphviz.Digraph`` for the current controls."""
        from gradlab import viz
        options = self._options()
        if self.view == "before":
            return viz.graph(self.outputs, title="before rewriting", **options)
        f = self.function
        if self.view == "after":
            return viz.graph(f, title=f"after rewriting ({f.maker.mode.name})", **options)
        options.pop("origin")   # side by side: the two pictures without origin groups
        return viz.compare(f, **options)

    @guarded
    def refresh(self) -> None:
        """Redraw the picture for the current controls (pictures already made are reused)."""
        options = self._options()
        key = (self.view, options["show_types"], "values" in options, "adjoints" in options, options["fold"],
               options["origin"], self._values_version)
        found = self._pictures.get(key)
        if found is None:
            dot = self.make_digraph()
            found = (dot, svg_text(dot))
            self._pictures.put(key, found)
        self.digraph, svg = found
        self.show_picture(svg)


def _brief(value: Any) -> str:
    from gradlab.viz.values import format_value
    lines = format_value(value)
    return lines[0] if len(lines) == 1 else " ".join(lines)
