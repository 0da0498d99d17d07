"""matplotlib plots: a function with its derivatives (and a tangent line),
heat maps of Jacobians and Hessians, and gradient fields of two-variable costs.

Every curve is computed by gradlab itself: the derivatives are
``gradlab.gradient.grad`` graphs, compiled (``NO_REWRITE`` mode by default)
and evaluated on all points at once when the graph is elementwise, else point
by point (:mod:`gradlab.viz.sampling`).  Figures are made with
``matplotlib.figure.Figure`` (not pyplot), so they are never shown twice in
Jupyter and never pile up; pass ``ax=`` to draw into your own axes.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Mapping, Optional, Sequence, Tuple

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.viz.sampling import check_order, check_points, compile_scalar, on_grid

#: colours of f, f', f'', … (Okabe–Ito) and line styles, so curves differ in greyscale too
CURVE_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
CURVE_STYLES = ("-", "--", "-.", ":", "-", "--")
PRIMES = ("", "′", "″", "‴")


def ensure_backend() -> None:
    """Choose the Agg backend only when nothing chose one (Jupyter's inline
    backend, MPLBACKEND or an earlier ``matplotlib.use`` are left alone)."""
    import matplotlib
    if os.environ.get("MPLBACKEND") or "matplotlib.pyplot" in sys.modules:
        return
    get = getattr(matplotlib.rcParams, "_get_backend_or_none", None)
    configured = get() if get is not None else None
    if configured is None and "IPython" not in sys.modules:
        matplotlib.use("Agg")


def new_figure(ax: Any = None, figsize: Tuple[float, float] = (6.4, 4.0), layout: Optional[str] = None) -> tuple:
    """``(figure, axes)``: ``ax`` and its figure, or a new pyplot-free figure.

    Without ``layout`` the margins are fixed (a constrained layout doubles the
    time to render, which matters when a widget redraws on every slider move).
    """
    ensure_backend()
    if ax is not None:
        return ax.figure, ax
    if "IPython" in sys.modules:
        import matplotlib.pyplot  # loading the backend (inline) is what registers Jupyter's figure display
        matplotlib.pyplot._get_backend_mod()
    from matplotlib.figure import Figure
    fig = Figure(figsize=figsize, layout=layout)
    if layout is None:
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.12, top=0.92)
    return fig, fig.add_subplot()


def _params(expr: Sequence[Variable], wrt: Sequence[Variable], params: Optional[Mapping]) -> tuple:
    """The other inputs the expressions need, and their values (by variable or name)."""
    from gradlab.graph.basic import Constant
    from gradlab.graph.traversal import graph_inputs
    others = [v for v in graph_inputs(list(expr)) if v not in wrt and not isinstance(v, Constant)
              and not (hasattr(v, "storage") and v.owner is None)]
    params = dict(params or {})
    values = []
    for v in others:
        if v in params:
            values.append(params[v])
        elif v.name is not None and v.name in params:
            values.append(params[v.name])
        else:
            raise ValueError(f"the expression also depends on {v.name or v} (type {v.type}); "
                             f"give its value with params={{{v.name or 'var'}: value}}")
    return others, values


def check_scalar(var: Any, what: str) -> None:
    """``TypeError`` naming ``what`` unless ``var`` is a 0-d symbolic variable (what a 1-d plot needs)."""
    if not isinstance(var, Variable) or getattr(var, "ndim", None) != 0:
        kind = f"a {var.ndim}-d variable" if isinstance(var, Variable) else type(var).__name__
        raise TypeError(f"{what} must be a scalar (0-d) symbolic variable, e.g. gt.dscalar('x'); got {kind}")


def derivatives(expr: Variable, wrt: Variable, order: int) -> list:
    """``[expr, d expr/d wrt, d² expr/d wrt², …]`` up to ``order`` (symbolic)."""
    from gradlab.gradient import grad
    terms = [expr]
    for _ in range(order):
        terms.append(grad(terms[-1], wrt, disconnected_inputs="ignore"))
    return terms


def plot_derivative(expr: Variable, wrt: Variable, domain: Tuple[float, float] = (-6, 6), order: int = 1,
                    at: Optional[float] = None, *, params: Optional[Mapping] = None, num: int = 241,
                    ax: Any = None, label: Optional[str] = None, mode: str = "NO_REWRITE") -> Any:
    """Plot ``f = expr`` and its derivatives ``f′ … f⁽ᵒʳᵈᵉʳ⁾`` over ``domain``.

    With ``at``, also the tangent line ``f(a) + f′(a)(x − a)`` and the point
    ``(a, f(a))``.  ``params`` gives values of the other inputs.  The curves
    are ``ax.lines`` in the order f, f′, …, tangent.  Returns the figure.
    """
    from gradlab.printing import pp
    check_scalar(expr, "expr")
    check_scalar(wrt, "wrt")
    order, num = check_order(order), check_points(num)
    lo, hi = (float(domain[0]), float(domain[1]))
    if not lo < hi:
        raise ValueError(f"domain must be (low, high) with low < high, got {domain!r}")
    terms = derivatives(expr, wrt, max(order, 1 if at is not None else 0))
    others, other_values = _params(terms, [wrt], params)
    fn = compile_scalar([wrt] + others, terms, mode)
    xs = np.linspace(lo, hi, num)
    ys = on_grid(terms, [wrt], [xs], others, other_values, mode, scalar_fn=fn)
    fig, ax = new_figure(ax)
    name = label or pp(expr, max_chars=40)
    var = wrt.name or "x"
    for k in range(order + 1):
        prime = PRIMES[k] if k < len(PRIMES) else f"^({k})"
        text = f"f({var}) = {name}" if k == 0 else f"f{prime}({var})"
        ax.plot(xs, ys[k], color=CURVE_COLOURS[k % 6], linestyle=CURVE_STYLES[k % 6], label=text)
    if at is not None:
        a = float(at)
        with np.errstate(all="ignore"):
            fa, slope = (float(v) for v in fn(a, *other_values)[:2])
        ax.plot(xs, fa + slope * (xs - a), color="#555555", linestyle=":", linewidth=1.2,
                label=f"tangent at {var} = {a:g} (slope {slope:.4g})")
        ax.plot([a], [fa], marker="o", color="#000000", linestyle="none")
    curves = ys[:order + 1][np.isfinite(ys[:order + 1])]
    if curves.size:
        low, high = float(curves.min()), float(curves.max())
        pad = 0.08 * (high - low) if high > low else 1.0
        ax.set_ylim(low - pad, high + pad)     # the tangent line must not squash the curves
    ax.grid(True, color="#DDDDDD", linewidth=0.6)
    ax.set_xlabel(var)
    ax.set_xlim(lo, hi)
    ax.legend(loc="best", fontsize="small")
    return fig


def _matrix_value(M: Any, values: Optional[Mapping]) -> np.ndarray:
    if isinstance(M, Variable):
        from gradlab.graph.basic import Constant
        if isinstance(M, Constant):
            return np.asarray(M.data)
        return np.asarray(M.eval(dict(values or {})))
    return np.asarray(M)


def plot_matrix(M: Any, *, values: Optional[Mapping] = None, ax: Any = None, title: Optional[str] = None,
                row_labels: Optional[Sequence[str]] = None, col_labels: Optional[Sequence[str]] = None,
                annotate: Optional[bool] = None, scale: str = "linear", clip: Optional[float] = None) -> Any:
    """A heat map of a matrix (a Jacobian, a Hessian): an array, or a symbolic
    matrix evaluated with ``values``.

    Colours run on a diverging, colour-blind-safe map (PuOr) centred at 0, on
    ``[-max|M|, max|M|]`` (or ``[-clip, clip]``), with a colour bar;
    ``scale="log"`` makes small entries visible next to large ones.  The
    figure's size follows the shape; numbers are written in the cells when
    they fit (``annotate`` forces or forbids them); tick labels are thinned so
    they never collide (see :mod:`gradlab.viz.heatmap`).  Shown in Jupyter as
    a 2× PNG at its intended size.
    """
    from gradlab.viz import heatmap
    data = _matrix_value(M, values)
    if data.ndim == 0:
        data = data.reshape(1, 1)
    elif data.ndim == 1:
        data = data.reshape(1, -1)
    elif data.ndim > 2:
        raise ValueError(f"plot_matrix needs a matrix (2-d), got an array of shape {data.shape}; "
                         "reshape it first (e.g. J.reshape((J.shape[0], -1)))")
    data = data.astype(float)
    rows, cols = data.shape
    if title is None and isinstance(M, Variable):
        text = M.name or _pp(M, 51)
        title = text if len(text) <= 50 else f"{rows}×{cols} matrix"
    own = ax is None
    fig, ax = new_figure(ax, figsize=heatmap.figure_size(rows, cols, bool(title)), layout="constrained")
    if own:
        fig.set_dpi(heatmap.DPI)
    heatmap.draw_matrix(data, ax, fig, scale=scale, clip=clip, annotate=annotate, row_labels=row_labels,
                        col_labels=col_labels)
    if title:
        ax.set_title(title, fontsize=10)
    return heatmap.hidpi_display(fig) if own else fig


def plot_gradient_field(cost: Variable, wrt: Sequence[Variable], xlim: Tuple[float, float] = (-3, 3),
                        ylim: Tuple[float, float] = (-3, 3), *, params: Optional[Mapping] = None,
                        num: int = 61, arrows: int = 15, descent: bool = False, levels: int = 15,
                        ax: Any = None, mode: str = "NO_REWRITE") -> Any:
    """Contours of a two-variable scalar ``cost`` with its gradient as arrows.

    ``wrt = (x, y)`` are two scalar variables.  Arrows point uphill (the
    gradient), or downhill with ``descent=True``.  The arrows are
    ``ax.collections`` entries of type ``Quiver`` (``.U``, ``.V`` hold the
    gradient components at ``.X``, ``.Y``).  Returns the figure.
    """
    from gradlab.gradient import grad
    check_scalar(cost, "cost")
    if len(wrt) != 2:
        raise ValueError(f"plot_gradient_field needs two variables (x, y), got {len(wrt)}")
    x, y = wrt
    check_scalar(x, "wrt[0]")
    check_scalar(y, "wrt[1]")
    num = check_points(num, axes=2)
    gx, gy = grad(cost, [x, y], disconnected_inputs="ignore")
    others, other_values = _params([cost, gx, gy], [x, y], params)
    fn = compile_scalar([x, y] + others, [cost, gx, gy], mode)

    def grid(n: int) -> tuple:
        X, Y = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
        return X, Y, on_grid([cost, gx, gy], [x, y], [X, Y], others, other_values, mode, scalar_fn=fn)

    X, Y, field = grid(num)
    fig, ax = new_figure(ax, figsize=(5.6, 4.8), layout="constrained")
    contours = ax.contourf(X, Y, field[0], levels=levels, cmap="cividis")
    ax.contour(X, Y, field[0], levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    fig.colorbar(contours, ax=ax, shrink=0.8, label="cost")
    AX, AY, arrow_field = grid(arrows)
    sign = -1.0 if descent else 1.0
    ax.quiver(AX, AY, sign * arrow_field[1], sign * arrow_field[2], color="#D55E00", angles="xy")
    ax.set_xlabel(x.name or "x")
    ax.set_ylabel(y.name or "y")
    ax.set_title(("−gradient" if descent else "gradient") + " of " + _pp(cost, 40), fontsize="small")
    ax.set_aspect("equal", adjustable="box")
    return fig


def _pp(var: Variable, limit: int) -> str:
    from gradlab.printing import pp
    return pp(var, max_chars=limit)
