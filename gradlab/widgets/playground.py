"""``Playground``: type a formula; see its graph, its gradient graph, the
rewritten gradient graph and the plot of f and f′.

Formulas go through ``gradlab.parse.parse`` (an AST whitelist, never
``eval``); a mistake shows the formula with a caret under the position.
Everything built from a formula — the graphs, the compiled functions, the
three pictures, the plot — is cached per formula, so going back to an
earlier formula is instant and only a new one compiles.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple

import ipywidgets as widgets

from gradlab.widgets.base import PlotWorkbench
from gradlab.widgets.derivative_plot import DerivativePlot
from gradlab.widgets.render import LRUCache, graph_widget, guarded, show_svg, svg_future
from gradlab.widgets.validate import finite_domain, set_slider_values

#: formulas kept built (graphs, functions, pictures)
FORMULA_CACHE_SIZE = 32
PICTURES = (("graph", "f"), ("gradient", "gradient graph"), ("rewritten", "after rewriting"))
#: the longest formula in a picture's title (pp stops building there)
TITLE_CHARS = 60


@dataclass
class Built:
    """What one formula turns into."""

    formula: str
    expr: Any                  #: f, a scalar variable
    wrt: Any                   #: the variable differentiated
    parameters: list           #: the other variables, in order of appearance
    gradient: Any              #: d f / d wrt as built by grad (before rewriting)
    function: Any              #: gradlab.function(inputs, gradient) in FAST_RUN mode
    plot: DerivativePlot
    svgs: dict = field(default_factory=dict)     #: "graph" | "gradient" | "rewritten" -> SVG text


def build(formula: str, wrt_name: str = "x", order: int = 1, domain: Tuple[float, float] = (-6.0, 6.0)) -> Built:
    """Parse ``formula`` and build its gradient, compiled function and plot (no pictures yet)."""
    import gradlab.tensor as gt
    from gradlab.gradient import grad
    from gradlab.parse import parse
    from gradlab.viz.inputs import compile_function
    parsed = parse(formula)
    expr = parsed.expr
    if not hasattr(expr, "type"):                 # a bare number: "2", "pi" (a float, so it has a derivative)
        expr = gt.as_tensor_variable(float(expr))
    if getattr(expr, "ndim", None) != 0:
        raise TypeError(f"the formula must give a scalar, but it gives a {expr.ndim}-d value")
    if expr.dtype not in ("float64", "float32"):
        raise TypeError(f"the formula gives {expr.dtype} values (a comparison?); differentiate a real-valued "
                        "formula, e.g. where(x < 1, x, 2*x) instead of x < 1")
    wrt = parsed.variables.get(wrt_name)
    if wrt is None:
        # another variable when there is no wrt_name (y**2 is a function of y); a fresh one for a constant
        others = list(parsed.variables.values())
        wrt = others[0] if others else gt.dscalar(wrt_name)
    parameters = [v for v in parsed.variables.values() if v is not wrt]
    gradient = grad(expr, wrt, disconnected_inputs="ignore")
    function = compile_function([wrt] + parameters, gradient, "FAST_RUN")
    plot = DerivativePlot(expr, wrt, parameters, domain=domain, order=order)
    return Built(formula, expr, wrt, parameters, gradient, function, plot)


class Playground(PlotWorkbench):
    """Type a formula in ``x`` (``1/(1+exp(-x))``, ``x^3 - 2*x``, ``a*sin(b*x)`` …).

    Shows: the graph of f, the graph of ``grad(f, x)`` as built, that
    gradient after compilation's rewrites, and the plot of f and f′ with the
    tangent at ``point_slider``.  Other names in the formula become parameter
    sliders (1.0 at first).  Formulas are parsed by ``gradlab.parse`` (never
    ``eval``); with ``live=True`` every keystroke updates, else Enter does.
    A bad formula leaves the last good pictures and shows the message, with a
    caret under ``error_position``.

    State: ``formula`` (settable; also ``text.value``), ``valid``,
    ``error_message``, ``error_position``, ``svg_graph``, ``svg_gradient``,
    ``svg_rewritten``, ``figure``, ``figure_data()``, ``png``, ``point``,
    ``params``, and the built objects ``expr``, ``gradient``, ``function``, ``wrt``.
    """

    def __init__(self, formula: str = "1/(1+exp(-x))", *, wrt: str = "x", point: float = 1.0,
                 domain: Tuple[float, float] = (-6.0, 6.0), order: int = 1, live: bool = False,
                 param_range: Tuple[float, float] = (-5.0, 5.0)):
        domain = finite_domain(domain)
        self.wrt_name, self.order, self.domain, self.param_range = wrt, order, domain, param_range
        self._cache = LRUCache(FORMULA_CACHE_SIZE)
        self.built: Optional[Built] = None
        self._error_position: Optional[int] = None
        self.text = widgets.Text(value=formula, description="f =", continuous_update=live,
                                 placeholder="a formula in x, e.g. 1/(1+exp(-x))",
                                 layout=widgets.Layout(width="60%"))
        self.text.add_class("gradlab-formula")
        message = self.error_line()
        point_slider = self.point_control(wrt, float(domain[0]), float(domain[1]), float(point))
        self.param_sliders: dict = {}
        self.param_box = widgets.VBox([])
        self.pictures = {key: graph_widget(f"gradlab-graph-{key}") for key, _ in PICTURES}
        self.tabs = widgets.Tab(children=[self.pictures[key] for key, _ in PICTURES])
        for k, (_, title) in enumerate(PICTURES):
            self.tabs.set_title(k, title)
        point_slider.observe(self._on_slider, names="value")
        self.assemble([self.text, message, point_slider, self.param_box, self.plot_area("gradlab-playground-plot"),
                       self.tabs], "gradlab-playground", watch=[self.text])

    # -- state -----------------------------------------------------------
    @property
    def formula(self) -> str:
        return self.text.value

    @formula.setter
    def formula(self, text: str) -> None:
        if text == self.text.value:
            self.refresh()
        else:
            self.text.value = text

    @property
    def valid(self) -> bool:
        """Did the formula shown parse and build?"""
        return not self.message.text

    @property
    def error_position(self) -> Optional[int]:
        """0-based column of the mistake in the formula (None when fine or unknown)."""
        return self._error_position if self.message.text else None

    @property
    def svg_graph(self) -> str:
        return self.built.svgs.get("graph", "") if self.built else ""

    @property
    def svg_gradient(self) -> str:
        return self.built.svgs.get("gradient", "") if self.built else ""

    @property
    def svg_rewritten(self) -> str:
        return self.built.svgs.get("rewritten", "") if self.built else ""

    @property
    def expr(self) -> Any:
        return self.built.expr if self.built else None

    @property
    def wrt(self) -> Any:
        return self.built.wrt if self.built else None

    @property
    def gradient(self) -> Any:
        return self.built.gradient if self.built else None

    @property
    def function(self) -> Any:
        """The compiled gradient (its ``maker.fgraph`` is the rewritten picture)."""
        return self.built.function if self.built else None

    @property
    def params(self) -> dict:
        """``{name: value}`` of the formula's parameters (settable)."""
        if not self.built:
            return {}
        return {v.name: self.param_sliders[v.name].value for v in self.built.parameters}

    @params.setter
    @guarded
    def params(self, values: Mapping[str, float]) -> None:
        set_slider_values(self.param_sliders, values, self._on_slider, known=list(self.params))
        self.redraw_plot()

    # -- building --------------------------------------------------------
    def shown_plot(self) -> Optional[DerivativePlot]:
        return self.built.plot if self.built else None

    def _on_slider(self, change: Any) -> None:
        self.redraw_plot()

    def _start_pictures(self, built: Built) -> dict:
        """Start laying out the three pictures (three ``dot`` processes at once); returns the futures."""
        from gradlab import viz
        from gradlab.printing import pp
        name = built.wrt.name or "x"
        dots = {
            "graph": viz.graph(built.expr, title=f"f = {pp(built.expr, max_chars=TITLE_CHARS)}", fit=False),
            "gradient": viz.graph(built.gradient, title=f"d f / d {name} as grad builds it", fit=False),
            "rewritten": viz.graph(built.function, title=f"d f / d {name} after rewriting: {pp(built.function, max_chars=TITLE_CHARS)}",
                                   fit=False),
        }
        return {key: svg_future(dot) for key, dot in dots.items()}

    def _sync_param_sliders(self, built: Built) -> None:
        for var in built.parameters:
            if var.name not in self.param_sliders:
                low, high = (float(v) for v in self.param_range)
                slider = self.parameter_slider(var.name, low, high, 1.0)
                slider.observe(self._on_slider, names="value")
                self.param_sliders[var.name] = slider
        self.param_box.children = [self.param_sliders[v.name] for v in built.parameters]

    @guarded
    def refresh(self) -> None:
        """Build the formula in ``text`` (or take it from the cache) and show it."""
        from gradlab.parse import FormulaError
        self._error_position = None
        key = (self.text.value.strip(), self.wrt_name)
        built = self._cache.get(key)
        pending = None
        if built is None:
            try:
                built = build(self.text.value, self.wrt_name, self.order, self.domain)
            except FormulaError as exc:
                self._error_position = exc.position
                raise
            pending = self._start_pictures(built)          # dot lays out while the plot is drawn
        self._sync_param_sliders(built)
        self._plot(built)
        if pending is not None:
            built.svgs = {name: future.result() for name, future in pending.items()}
            self._cache.put(key, built)
        self.built = built
        for name, _ in PICTURES:
            show_svg(self.pictures[name], built.svgs[name])

    @guarded
    def redraw_plot(self) -> None:
        """Move the tangent / redraw the curves for the sliders' values."""
        if self.built is not None:
            self._plot(self.built)

    def _plot(self, built: Built) -> None:
        self.show_plot(built.plot, [self.param_sliders[v.name].value for v in built.parameters])
