"""A derivative plot that follows sliders: ``f, f′, f″`` and the tangent at a
point, drawn by ``gradlab.viz.plot_derivative``.

A new point only moves the tangent line and the marked point in the
existing figure (``f(a)`` and ``f′(a)`` come from one compiled function);
new parameter values redraw the curves.  The PNG of a moved tangent is
blitted: the curves, axes and text are drawn once into a saved background,
and only the tangent, the point and the legend are drawn over it (drawing
text is most of matplotlib's time).  Used by ``DerivativeExplorer`` and
``Playground``; no widget code here.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence, Tuple

import numpy as np

from gradlab.graph.basic import Variable

#: names of the curves in ``figure_data()``
CURVE_NAMES = ("f", "f'", "f''", "f'''")


class DerivativePlot:
    """``expr`` (a scalar) as a function of the scalar ``wrt``, with ``params``
    (the other scalar inputs) fixed by the caller at each ``draw``.

    The tangent at ``a`` is ``f(a) + f′(a)(x − a)``.  ``figure`` is the
    matplotlib figure (curves are ``ax.lines``: f, f′ … f⁽ᵒʳᵈᵉʳ⁾, the tangent,
    the point).
    """

    def __init__(self, expr: Variable, wrt: Variable, params: Sequence[Variable] = (), *,
                 domain: Tuple[float, float] = (-6.0, 6.0), order: int = 2, num: int = 241):
        from gradlab.viz.plots import _check_scalar, derivatives
        from gradlab.widgets.inputs import compile_function
        _check_scalar(expr, "expr")
        _check_scalar(wrt, "wrt")
        if order < 1 or int(order) != order or order > len(CURVE_NAMES) - 1:
            raise ValueError(f"order must be 1, 2 or 3 (the highest derivative plotted), got {order!r}")
        self.expr, self.wrt, self.params = expr, wrt, list(params)
        self.domain = (float(domain[0]), float(domain[1]))
        if not self.domain[0] < self.domain[1]:
            raise ValueError(f"domain must be (low, high) with low < high, got {domain!r}")
        self.order, self.num = int(order), int(num)
        terms = derivatives(expr, wrt, self.order)
        self._tangent_fn = compile_function([wrt] + self.params, terms[:2], mode="NO_REWRITE")
        self._curves_fn = compile_function([wrt] + self.params, terms, mode="NO_REWRITE")
        self.figure: Any = None
        self._drawn_params: Any = None
        self._background: Any = None        # (dpi, saved pixels) of the figure without the moving parts
        self._legend_searching = True       # the legend has loc="best" until the next full draw pins it
        self.point = None

    def tangent_at(self, point: float, param_values: Sequence[float]) -> tuple:
        """``(f(a), f′(a))``."""
        with np.errstate(all="ignore"):
            fa, slope = self._tangent_fn(float(point), *param_values)
        return float(fa), float(slope)

    def draw(self, point: float, param_values: Sequence[float]) -> Any:
        """The figure for this point and these parameter values (in ``params`` order)."""
        from gradlab.viz import plot_derivative
        key = tuple(float(v) for v in param_values)
        if self.figure is None:
            self.figure = plot_derivative(self.expr, self.wrt, self.domain, order=self.order, at=float(point),
                                          params=dict(zip(self.params, key)), num=self.num)
            self._legend_searching = True
        elif key != self._drawn_params:
            self._update_curves(key)
            self._move_tangent(float(point), key)
            self._background = None
            legend = self.figure.axes[0].get_legend()
            if legend is not None and hasattr(legend, "set_loc"):
                legend.set_loc("best")               # new curves: find a free spot again
                self._legend_searching = True
        elif point != self.point:
            self._move_tangent(float(point), key)
        self._drawn_params = key
        self.point = point
        return self.figure

    def _move_tangent(self, a: float, param_values: Sequence[float]) -> None:
        ax = self.figure.axes[0]
        tangent, marker = ax.lines[self.order + 1], ax.lines[self.order + 2]
        fa, slope = self.tangent_at(a, param_values)
        xs = np.asarray(tangent.get_xdata())
        tangent.set_ydata(fa + slope * (xs - a))
        marker.set_data([a], [fa])
        label = f"tangent at {self.wrt.name or 'x'} = {a:g} (slope {slope:.4g})"
        tangent.set_label(label)
        legend = ax.get_legend()
        if legend is not None and len(legend.get_texts()) > self.order + 1:
            legend.get_texts()[self.order + 1].set_text(label)

    def _update_curves(self, param_values: Sequence[float]) -> None:
        """New y-data for f, f′, … (new parameter values), and y-limits that fit
        them as ``plot_derivative`` chooses them (the tangent does not count)."""
        ax = self.figure.axes[0]
        xs = np.asarray(ax.lines[0].get_xdata(), dtype=float)
        ys = np.empty((self.order + 1, xs.size))
        with np.errstate(all="ignore"):
            for k, x in enumerate(xs):
                ys[:, k] = [float(v) for v in self._curves_fn(x, *param_values)]
        for line, y in zip(ax.lines, ys):
            line.set_ydata(y)
        finite = ys[np.isfinite(ys)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            pad = 0.08 * (high - low) if high > low else 1.0
            ax.set_ylim(low - pad, high + pad)

    def _moving_parts(self) -> list:
        ax = self.figure.axes[0]
        parts = [ax.lines[self.order + 1], ax.lines[self.order + 2]]
        return parts + ([ax.get_legend()] if ax.get_legend() is not None else [])

    def png(self, dpi: int) -> bytes:
        """The PNG bytes of the figure (the background is drawn once per curve set)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        fig = self.figure
        if self._background is None or self._background[0] != dpi or fig.canvas is None \
                or not isinstance(fig.canvas, FigureCanvasAgg):
            fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(fig)
            moving = self._moving_parts()
            for artist in moving:
                artist.set_visible(False)
            canvas.draw()                         # runs the layout once; the moving parts are drawn below
            fig.set_layout_engine("none")         # later blits must not move the axes
            self._background = (dpi, canvas.copy_from_bbox(fig.bbox))
            for artist in moving:
                artist.set_visible(True)
            ax = fig.axes[0]
            for artist in moving:
                ax.draw_artist(artist)
            if self._legend_searching:
                _freeze_legend(ax, canvas)
                self._legend_searching = False
            return encode_png(canvas)
        canvas = fig.canvas
        canvas.restore_region(self._background[1])
        ax = fig.axes[0]
        for artist in self._moving_parts():
            ax.draw_artist(artist)
        return encode_png(canvas)

    def data(self) -> dict:
        """The plotted numbers: ``{"x", "f", "f'", ("f''"…), "tangent", "point": (a, f(a))}``."""
        if self.figure is None:
            return {}
        lines = self.figure.axes[0].lines
        data = {"x": np.array(lines[0].get_xdata(), dtype=float)}
        for k in range(self.order + 1):
            data[CURVE_NAMES[k]] = np.array(lines[k].get_ydata(), dtype=float)
        data["tangent"] = np.array(lines[self.order + 1].get_ydata(), dtype=float)
        px, py = lines[self.order + 2].get_data()
        data["point"] = (float(np.ravel(px)[0]), float(np.ravel(py)[0]))
        return data


def _freeze_legend(ax: Any, canvas: Any) -> None:
    """Pin a legend placed by ``loc="best"`` where it was just drawn: the search
    for a free spot costs as much as drawing the curves, and a moving tangent
    should not make the legend jump."""
    legend = ax.get_legend()
    if legend is None or not hasattr(legend, "set_loc"):      # matplotlib >= 3.8
        return
    box = legend.get_window_extent(canvas.get_renderer())
    x0, y0 = ax.transAxes.inverted().transform((box.x0, box.y0))
    legend.set_loc((float(x0), float(y0)))


def encode_png(canvas: Any) -> bytes:
    """The pixels of an Agg canvas as PNG bytes (fast zlib level: the plots are small)."""
    import io
    from PIL import Image
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def slider_spec(spec: Any, default_range: Tuple[float, float], default_value: float = 1.0) -> tuple:
    """``(low, high, value)`` from a number (the value), ``(low, high)`` or ``(low, high, value)``."""
    if isinstance(spec, (int, float, np.number)):
        low, high = default_range
        value = float(spec)
        return min(low, value), max(high, value), value
    spec = tuple(spec)
    if len(spec) == 2:
        low, high = float(spec[0]), float(spec[1])
        value = min(max(default_value, low), high)
    elif len(spec) == 3:
        low, high, value = (float(s) for s in spec)
    else:
        raise ValueError(f"a parameter is a value, (low, high) or (low, high, value); got {spec!r}")
    if not low < high or not low <= value <= high:
        raise ValueError(f"a parameter's range needs low < high and low <= value <= high; got {spec!r}")
    return low, high, value


def resolve_params(others: Sequence[Variable], params: Mapping | None) -> dict:
    """``{variable: spec}`` from the user's ``params`` (keyed by variable or name)."""
    by_name = {v.name: v for v in others if v.name is not None}
    found: dict = {}
    for key, spec in dict(params or {}).items():
        var = by_name.get(key) if isinstance(key, str) else key
        if var is None or var not in others:
            names = ", ".join(v.name or str(v.type) for v in others) or "none"
            raise KeyError(f"params: {key!r} is not a parameter of the expression; its other inputs are ({names})")
        found[var] = spec
    return found
