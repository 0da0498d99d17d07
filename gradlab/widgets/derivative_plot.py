"""A derivative plot that follows sliders: ``f, f′, f″`` and the tangent at a
point, drawn by ``gradlab.viz.plot_derivative``.

A new point only moves the tangent line and the marked point in the
existing figure (``f(a)`` and ``f′(a)`` come from one compiled function);
new parameter values give the curves new y-data (all points in one call of
the derivatives batched by ``vectorize_graph``).  The PNG is blitted: the
axes, ticks and labels are drawn once into a saved background, and only the
curves, the tangent, the point and the legend are drawn over it (drawing
text is most of matplotlib's time).  The y-range changes only when the
curves leave it or shrink to less than 60% of it, so a parameter slider
neither redraws the axes at every step nor makes them jitter.  Used by
``DerivativeExplorer`` and ``Playground``; no widget code here.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence, Tuple

import numpy as np

from gradlab.graph.basic import Variable

#: the y-range is kept while the curves fill at least this share of it
KEEP_RANGE = 0.6
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
        from gradlab.viz.plots import check_scalar, derivatives
        from gradlab.viz.sampling import check_points
        from gradlab.viz.inputs import compile_function
        check_scalar(expr, "expr")
        check_scalar(wrt, "wrt")
        if order < 1 or int(order) != order or order > len(CURVE_NAMES) - 1:
            raise ValueError(f"order must be 1, 2 or 3 (the highest derivative plotted), got {order!r}")
        self.expr, self.wrt, self.params = expr, wrt, list(params)
        from gradlab.widgets.validate import finite_domain
        self.domain = finite_domain(domain)
        self.order, self.num = int(order), check_points(num)
        self._terms = derivatives(expr, wrt, self.order)
        self._tangent_fn = compile_function([wrt] + self.params, self._terms[:2], mode="NO_REWRITE")
        self._curves_fn: Any = None          # all of f, f', … at a vector of points, compiled on first use
        self.figure: Any = None
        self._drawn_params: Any = None
        self._background: Any = None        # ((dpi, y-range), saved pixels) of the figure without the moving parts
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
        elif key != self._drawn_params:
            self._update_curves(key)
            self._move_tangent(float(point), key)
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
        """New y-data for f, f′, … (new parameter values).  The y-limits are
        chosen as ``plot_derivative`` chooses them (the curves with 8% margins;
        the tangent does not count) when the curves leave the current ones or
        fill less than ``KEEP_RANGE`` of them."""
        ax = self.figure.axes[0]
        xs = np.asarray(ax.lines[0].get_xdata(), dtype=float)
        ys = self.curves(xs, param_values)
        for line, y in zip(ax.lines, ys):
            line.set_ydata(y)
        finite = ys[np.isfinite(ys)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
            pad = 0.08 * (high - low) if high > low else 1.0
            want_low, want_high = low - pad, high + pad
            shown_low, shown_high = ax.get_ylim()
            fits = shown_low <= want_low and want_high <= shown_high
            if not fits or (want_high - want_low) < KEEP_RANGE * (shown_high - shown_low):
                ax.set_ylim(want_low, want_high)

    def curves(self, xs: np.ndarray, param_values: Sequence[float]) -> np.ndarray:
        """``[f(xs), f′(xs), …]``: one call of the derivatives batched over the
        points (``gradlab.gradient.vectorize_graph``), or a loop over them if
        the graph cannot be batched."""
        from gradlab.viz.inputs import compile_function
        if self._curves_fn is None:
            try:
                import gradlab.tensor as gt
                from gradlab.gradient.vectorize import vectorize_graph
                points = gt.dvector("points")
                batched = vectorize_graph(self._terms, {self.wrt: points})
                self._curves_fn = ("batched", compile_function([points] + self.params, batched, "NO_REWRITE"))
            except Exception:  # noqa: BLE001 - any op that cannot be batched: evaluate point by point
                self._curves_fn = ("loop", compile_function([self.wrt] + self.params, self._terms, "NO_REWRITE"))
        kind, fn = self._curves_fn
        ys = np.empty((len(self._terms), xs.size))
        with np.errstate(all="ignore"):
            if kind == "batched":
                for k, values in enumerate(fn(xs, *param_values)):
                    ys[k] = np.broadcast_to(np.asarray(values, dtype=float), xs.shape)   # a constant f'' is a scalar
            else:
                for j, x in enumerate(xs):
                    ys[:, j] = [float(v) for v in fn(x, *param_values)]
        return ys

    def _moving_parts(self) -> list:
        ax = self.figure.axes[0]
        return list(ax.lines) + ([ax.get_legend()] if ax.get_legend() is not None else [])

    def png(self, dpi: int) -> bytes:
        """The PNG bytes of the figure (the background is drawn once per curve set)."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        fig = self.figure
        key = (dpi, tuple(fig.axes[0].get_ylim()))
        if self._background is None or self._background[0] != key or not isinstance(fig.canvas, FigureCanvasAgg):
            fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(fig)
            moving = self._moving_parts()
            for artist in moving:
                artist.set_visible(False)
            canvas.draw()                         # runs the layout once; the moving parts are drawn below
            fig.set_layout_engine("none")         # later blits must not move the axes
            self._background = (key, canvas.copy_from_bbox(fig.bbox))
            for artist in moving:
                artist.set_visible(True)
            ax = fig.axes[0]
            legend = ax.get_legend()
            if legend is not None and hasattr(legend, "set_loc"):     # matplotlib >= 3.8
                legend.set_loc("best")            # new axes: find a free spot, then keep it
            for artist in moving:
                ax.draw_artist(artist)
            _freeze_legend(ax, canvas)
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
    or a parameter slider should not make the legend jump."""
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
