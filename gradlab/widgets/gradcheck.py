"""``GradCheck``: the analytic gradient against central finite differences,
entry by entry, each relative error coloured."""
from __future__ import annotations

import html
import inspect
import json
from typing import Any, Callable, Mapping, Optional, Union

import ipywidgets as widgets
import numpy as np

from gradlab.graph.basic import Variable
from gradlab.widgets.base import Workbench
from gradlab.widgets.render import guarded
from gradlab.widgets.validate import FiniteLogSlider, finite_number

#: the most rows the table shows (``rows`` always has them all)
MAX_TABLE_ROWS = 200
#: the most entries checked by default: each costs two evaluations of the function
MAX_ENTRIES = 5000
#: the finite-difference steps the eps slider offers
EPS_RANGE = (1e-12, 1e-1)
#: (status, colour, symbol): Okabe–Ito colours, and a symbol so the table reads without colour
STATUS_STYLE = {"ok": ("#009E73", "✓"), "warn": ("#E69F00", "~"), "bad": ("#D55E00", "✗")}


def _as_points(point: Any) -> list:
    """One float array per input: a list/tuple is one entry per input, anything else is one input."""
    items = list(point) if isinstance(point, (list, tuple)) else [point]
    arrays = []
    for i, p in enumerate(items):
        arr = np.array(p)
        if arr.dtype.kind in "iub":
            arr = arr.astype("float64")
        if arr.dtype.kind != "f":
            raise TypeError(f"point[{i}] has dtype {arr.dtype}; gradients are checked at real values (floats)")
        arrays.append(arr)
    return arrays


def _names(fn: Callable, n: int) -> list:
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"input {i}" for i in range(n)]


class GradCheck(Workbench):
    """Compare ``grad`` with central finite differences at ``point``.

    ``fn_or_op``: a function of symbolic inputs returning one output (an Op
    instance works), with ``point`` one value per input (a list; a single
    array or number is one input) — as ``verify_grad(fn, point)``; or a
    symbolic expression with ``point`` a dict ``{variable or name: value}``.
    A non-scalar output is checked through ``cost = sum(output)``
    (``projection="random"``: ``sum(r * output)``, r fixed in [0.5, 1.5)).
    Numeric: ``(C(x + eps e_k) − C(x − eps e_k)) / (2 eps)`` per entry ``k``
    (at most ``max_entries`` entries: each costs two evaluations).
    Relative error ``|a − n| / max(|a| + |n|, 1e-8)``; an entry is ``ok``
    when its absolute or relative error is within ``tolerance``, ``warn``
    within 10×, ``bad`` beyond (the rule of ``verify_grad``).

    State: ``rows`` (``[(index, analytic, numeric, rel_err)]``, index =
    ``(input, *entry)``), ``statuses``, ``max_rel_err``, ``passed``,
    ``analytic``/``numeric`` (arrays per input), ``point`` and ``eps``
    (settable; also ``eps_slider`` and ``point_texts``), ``tolerance``,
    ``error_message``.
    """

    def __init__(self, fn_or_op: Union[Callable, Variable], point: Any, *, eps: Optional[float] = None,
                 tolerance: Optional[float] = None, projection: str = "sum", mode: Any = None,
                 max_entries: int = MAX_ENTRIES):
        from gradlab.calculus.check import TYPE_EPS, default_tolerance
        if projection not in ("sum", "random"):
            raise ValueError(f"projection must be 'sum' or 'random', got {projection!r}")
        self.inputs, self.output, points = self._symbolic(fn_or_op, point)
        total = sum(p.size for p in points)
        if total > max_entries:
            raise ValueError(f"the point has {total:,} entries; finite differences need two evaluations per entry, "
                             f"so GradCheck stops at max_entries={max_entries:,}. Check a smaller point (a slice of "
                             "the inputs) or raise max_entries")
        self.mode = mode
        self.projection = projection
        self.tolerance = float(tolerance) if tolerance is not None else default_tolerance([p.dtype.name for p in points])
        self._points = points
        self._build_functions()
        default_eps = max(TYPE_EPS[p.dtype.name] for p in points)
        eps = default_eps if eps is None else finite_number("eps", eps, EPS_RANGE[0], EPS_RANGE[1])
        self.eps_slider = FiniteLogSlider(value=eps, base=10, min=np.log10(EPS_RANGE[0]),
                                          max=np.log10(EPS_RANGE[1]), step=0.25, description="eps",
                                          readout_format=".1e", continuous_update=False)
        self.point_texts = [widgets.Text(value=json.dumps(p.tolist()), description=f"{v.name or 'input'} =",
                                         continuous_update=False) for v, p in zip(self.inputs, points)]
        self.summary = widgets.HTML(value="")
        self.summary.add_class("gradlab-gradcheck-summary")
        self.table = widgets.HTML(value="")
        self.table.add_class("gradlab-gradcheck")
        message = self.error_line()
        self.rows: list = []
        self.statuses: list = []
        self.analytic: list = []
        self.numeric: list = []
        for text in self.point_texts:
            text.observe(self._on_point_text, names="value")
        self.assemble([*self.point_texts, self.eps_slider, message, self.summary, self.table],
                      "gradlab-gradcheck-widget", watch=[self.eps_slider])

    # -- building --------------------------------------------------------
    def _symbolic(self, fn_or_op: Any, point: Any) -> tuple:
        from gradlab.tensor.type import TensorType
        from gradlab.tensor.variable import as_tensor_variable
        if isinstance(fn_or_op, Variable):
            from gradlab.viz.inputs import free_inputs, resolve
            if not isinstance(point, Mapping):
                raise TypeError("GradCheck(expression, point) needs point as a dict {variable or name: value}")
            resolved = resolve(free_inputs([fn_or_op]), point, fill_defaults=False)
            inputs = list(resolved)
            points = _as_points([resolved[v] for v in inputs])
            for v, p in zip(inputs, points):
                if p.ndim != v.ndim:
                    raise ValueError(f"point for {v.name or v}: expected {v.ndim} dimensions ({v.type}), got shape {p.shape}")
            points = [p.astype(v.dtype) if np.dtype(v.dtype).kind == "f" else p for v, p in zip(inputs, points)]
            return inputs, fn_or_op, points
        if not callable(fn_or_op):
            raise TypeError(f"GradCheck needs a function of symbolic inputs, an Op, or an expression; "
                            f"got {type(fn_or_op).__name__}")
        points = _as_points(point)
        names = _names(fn_or_op, len(points))
        inputs = [TensorType(p.dtype, tuple(1 if n == 1 else None for n in p.shape)).make_variable(name)
                  for p, name in zip(points, names)]
        output = fn_or_op(*inputs)
        if isinstance(output, (list, tuple)):
            raise TypeError(f"GradCheck checks a function with one output; it returned {len(output)}. "
                            "Check each one (e.g. lambda *x: fn(*x)[0])")
        return inputs, as_tensor_variable(output), points

    def _build_functions(self) -> None:
        import gradlab.tensor as gt
        from gradlab.gradient import grad
        from gradlab.viz.inputs import compile_function
        out = self.output
        if out.ndim == 0:
            cost = out
        elif self.projection == "sum":
            cost = out.sum()
        else:
            shape = np.shape(compile_function(self.inputs, out, self.mode)(*self._points))
            weights = np.random.default_rng(2357).random(shape) + 0.5
            cost = (out * gt.constant(weights)).sum()
        if np.dtype(cost.dtype).kind != "f":
            raise TypeError(f"the output has dtype {cost.dtype}; only real-valued outputs have gradients to check")
        self.cost = cost
        self._cost_fn = compile_function(self.inputs, cost, self.mode)
        grads = grad(cost, self.inputs, disconnected_inputs="ignore")
        self._grad_fn = compile_function(self.inputs, list(grads), self.mode)

    # -- state -----------------------------------------------------------
    @property
    def point(self) -> list:
        """The point: one array per input."""
        return [p.copy() for p in self._points]

    @point.setter
    def point(self, values: Any) -> None:
        self._set_point(values)
        self.refresh()

    @property
    def eps(self) -> float:
        """The finite-difference step (in ``EPS_RANGE``)."""
        return self.eps_slider.value

    @eps.setter
    @guarded
    def eps(self, value: float) -> None:
        self.eps_slider.value = finite_number("eps", value, EPS_RANGE[0], EPS_RANGE[1])

    @property
    def max_rel_err(self) -> float:
        return max((r[3] for r in self.rows), default=0.0)

    @property
    def passed(self) -> bool:
        """Is every entry within the tolerance (absolute or relative)?"""
        return bool(self.rows) and all(s == "ok" for s in self.statuses)

    @property
    def table_html(self) -> str:
        return self.table.value

    # -- updating --------------------------------------------------------
    def _set_point(self, values: Any) -> None:
        if isinstance(values, Mapping):
            values = [values.get(v, values.get(v.name)) for v in self.inputs]
        points = _as_points(values)
        if len(points) != len(self.inputs):
            raise ValueError(f"point: got {len(points)} values for {len(self.inputs)} inputs; give one per input")
        for v, old, new in zip(self.inputs, self._points, points):
            if new.shape != old.shape:
                raise ValueError(f"point for {v.name or 'input'}: expected shape {old.shape}, got {new.shape}")
        self._points = [new.astype(old.dtype) for old, new in zip(self._points, points)]
        for text, p in zip(self.point_texts, self._points):
            text.unobserve(self._on_point_text, names="value")
            text.value = json.dumps(p.tolist())
            text.observe(self._on_point_text, names="value")

    @guarded
    def _on_point_text(self, change: Any) -> None:
        try:
            values = [json.loads(t.value) for t in self.point_texts]
        except json.JSONDecodeError as exc:
            raise ValueError(f"a point must be a number or a nested list of numbers like [[1, 2], [3, 4]] ({exc})") \
                from None
        self._set_point(values)
        self.refresh()

    @guarded
    def refresh(self) -> None:
        """Recompute both gradients and the table."""
        from gradlab.gradient import numeric_grad
        args = [p.copy() for p in self._points]
        with np.errstate(all="ignore"):
            self.analytic = [np.asarray(g, dtype=float) for g in self._grad_fn(*args)]
            num = numeric_grad(lambda *xs: self._cost_fn(*xs), [p.copy() for p in self._points], self.eps)
        self.numeric = [np.asarray(g, dtype=float) for g in num.gf]
        rows, statuses = [], []
        tol = self.tolerance
        for arg, (a, n) in enumerate(zip(self.analytic, self.numeric)):
            abs_err, rel_err = numeric_grad.abs_rel_err(a, n)
            for idx in np.ndindex(a.shape):
                rows.append(((arg,) + idx, float(a[idx]), float(n[idx]), float(rel_err[idx])))
                score = min(abs_err[idx] / tol, rel_err[idx] / tol)
                statuses.append("ok" if score <= 1 else "warn" if score <= 10 else "bad")
        self.rows, self.statuses = rows, statuses
        self._show()

    def _label(self, index: tuple) -> str:
        var = self.inputs[index[0]]
        name = var.name or f"input {index[0]}"
        return name if len(index) == 1 else f"{name}[{', '.join(str(i) for i in index[1:])}]"

    def _show(self) -> None:
        counts = {s: self.statuses.count(s) for s in STATUS_STYLE}
        colour, symbol = STATUS_STYLE["ok" if self.passed else ("bad" if counts["bad"] else "warn")]
        self.summary.value = (f'<span style="color:{colour}; font-weight:bold">{symbol} '
                              f"max relative error {self.max_rel_err:.2e}</span> "
                              f"<small>(tolerance {self.tolerance:g}, eps {self.eps:.1e}; {counts['ok']} ok, "
                              f"{counts['warn']} close, {counts['bad']} wrong of {len(self.rows)})</small>")
        body = []
        for (index, a, n, rel), status in list(zip(self.rows, self.statuses))[:MAX_TABLE_ROWS]:
            colour, symbol = STATUS_STYLE[status]
            body.append(f'<tr class="gradlab-{status}"><td>{html.escape(self._label(index))}</td>'
                        f"<td>{a:.8g}</td><td>{n:.8g}</td>"
                        f'<td style="color:{colour}; font-weight:bold">{symbol} {rel:.2e}</td></tr>')
        more = (f"<tr><td colspan='4'>… {len(self.rows) - MAX_TABLE_ROWS} more entries in .rows</td></tr>"
                if len(self.rows) > MAX_TABLE_ROWS else "")
        self.table.value = ('<table style="font-family:monospace; font-size:12px; border-collapse:collapse">'
                            "<tr><th align='left'>entry</th><th align='left'>analytic (grad)</th>"
                            "<th align='left'>numeric (finite diff.)</th><th align='left'>relative error</th></tr>"
                            + "".join(body) + more + "</table>")
