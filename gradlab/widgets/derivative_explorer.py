"""``DerivativeExplorer``: sliders for the point and the parameters; a live
plot of f, f′, f″ and the tangent, and the graph with values and adjoints."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Tuple

from gradlab.graph.basic import Variable
from gradlab.viz.inputs import free_inputs
from gradlab.widgets.base import PictureWorkbench, PlotWorkbench
from gradlab.widgets.derivative_plot import DerivativePlot, resolve_params, slider_spec
from gradlab.widgets.render import guarded, svg_future
from gradlab.widgets.validate import scalar_parameters, set_slider_values


class DerivativeExplorer(PlotWorkbench, PictureWorkbench):
    """Explore ``f = expr`` as a function of the scalar ``wrt``.

    The plot shows f, f′ … f⁽ᵒʳᵈᵉʳ⁾ over ``domain`` and the tangent
    ``f(a) + f′(a)(x − a)`` at the point ``a`` of ``point_slider``; with
    ``show_graph`` the graph of ``expr`` shows every value and adjoint at ``a``.
    Every other scalar input of ``expr`` is a parameter with its own slider:
    ``params`` maps a variable (or its name) to a value, ``(low, high)`` or
    ``(low, high, value)``; unlisted ones get 1.0 in ``param_range``.
    Parameters are scalars (a slider sets one number): a vector parameter is
    a TypeError saying how to substitute a value for it.  ``domain`` must be
    finite and plottable; a bad ``point``/``params`` value is reported in the
    message line and changes nothing.

    State: ``point`` (settable; also ``point_slider.value``), ``params``
    (``{name: value}``, settable; also ``param_sliders[name].value``),
    ``figure`` (matplotlib), ``figure_data()`` (the plotted y-arrays),
    ``png`` (the plot's bytes), ``svg`` (the graph picture; '' without
    ``show_graph``), ``error_message``.
    """

    def __init__(self, expr: Variable, wrt: Variable, params: Optional[Mapping] = None, *,
                 domain: Tuple[float, float] = (-6.0, 6.0), point: Optional[float] = None, order: int = 2,
                 param_range: Tuple[float, float] = (-5.0, 5.0), show_graph: bool = True, num: int = 241):
        others = [v for v in free_inputs([expr]) if v is not wrt]
        specs = resolve_params(others, params)
        self.expr, self.wrt = expr, wrt
        self.plot = DerivativePlot(expr, wrt, others, domain=domain, order=order, num=num)
        scalar_parameters(others, "DerivativeExplorer")
        self.parameters = others
        low, high = self.plot.domain
        if point is None:
            point = 1.0 if low <= 1.0 <= high else (low + high) / 2
        if not low <= point <= high:
            raise ValueError(f"point {point} is outside the domain {domain}")
        self.show_graph = show_graph
        self._numbers: Any = None
        point_slider = self.point_control(wrt.name or "x", low, high, float(point))
        self.param_sliders: dict = {}
        for var in others:
            p_low, p_high, value = slider_spec(specs.get(var, 1.0), param_range)
            self.param_sliders[var.name or str(var)] = self.parameter_slider(var.name or str(var), p_low, p_high, value)
        message, picture = self.error_line(), self.picture_area("gradlab-derivative-graph")
        children = [point_slider, *self.param_sliders.values(), message, self.plot_area("gradlab-derivative-plot")]
        self.assemble(children + ([picture] if show_graph else []), "gradlab-derivative-explorer",
                      watch=[point_slider, *self.param_sliders.values()])

    # -- state -----------------------------------------------------------
    @property
    def params(self) -> dict:
        """``{parameter name: value}``."""
        return {name: s.value for name, s in self.param_sliders.items()}

    @params.setter
    @guarded
    def params(self, values: Mapping[str, float]) -> None:
        set_slider_values(self.param_sliders, values, self._on_change)
        self.refresh()

    # -- drawing ---------------------------------------------------------
    def shown_plot(self) -> DerivativePlot:
        return self.plot

    def _param_values(self) -> list:
        return [self.param_sliders[v.name or str(v)].value for v in self.parameters]

    def make_digraph(self) -> Any:
        """The graph of ``expr`` with values and adjoints at the point."""
        if self._numbers is None:                     # planned and compiled once
            from gradlab.widgets.pictures import NumbersAtAPoint
            self._numbers = NumbersAtAPoint(self.expr, [self.wrt] + self.parameters)
        return self._numbers.digraph([self.point] + self._param_values(),
                                     title=f"values and adjoints at {self.wrt.name or 'x'} = {self.point:g}")

    @guarded
    def refresh(self) -> None:
        """Redraw the plot (and the graph) for the sliders' values."""
        pending = svg_future(self.make_digraph()) if self.show_graph else None   # dot runs meanwhile
        self.show_plot(self.plot, self._param_values())
        if pending is not None:
            self.show_picture(pending.result())
