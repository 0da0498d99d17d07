"""Checking gradients against finite differences.

``verify_grad(fun, pt)`` builds ``fun`` on symbolic inputs, projects its
output onto a random array ``r`` (entries in [0.5, 1.5)) to get a scalar
``C = sum(r * fun(x))``, and compares ``grad(C, x)`` with the central
difference ``(C(x + eps e_k) - C(x - eps e_k)) / (2 eps)`` for every entry
``k`` of every input.  A mismatch must exceed *both* the absolute and the
relative tolerance to fail; both depend on the inputs' dtype.
"""
from __future__ import annotations

import builtins
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

import gradlab.tensor as gt
from gradlab.compile.function_module import function
from gradlab.gradient.reverse import grad
from gradlab.tensor.type import TensorType
from gradlab.graph.gradient_types import GradientError

__all__ = ["numeric_grad", "numeric_jacobian", "verify_grad", "default_tolerance", "TYPE_EPS", "TYPE_TOL"]

#: finite-difference step per dtype
TYPE_EPS = {"float64": 1e-7, "float32": 3e-4, "float16": 1e-1}
#: default absolute and relative tolerance per dtype
TYPE_TOL = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


def default_tolerance(dtypes: Sequence[str]) -> float:
    """The loosest default tolerance among ``dtypes``."""
    return builtins.max(TYPE_TOL[str(dt)] for dt in dtypes)


def numeric_jacobian(f: Callable, pt: Sequence[Any], eps: Optional[float] = None,
                     wrt: Optional[Sequence[int]] = None, out_dtype: str = "float64") -> list:
    """Jacobians of ``f`` at ``pt`` by central finite differences.

    For each argument ``k`` in ``wrt`` (default: every argument), ``J_k`` has
    shape ``(f.size, pt[k].size)`` with
    ``J_k[i, j] = (f(.., x_k + eps e_j, ..)[i] - f(.., x_k - eps e_j, ..)[i]) / (2 eps)``
    over the flattened output and the flattened entries of ``pt[k]``; the other
    arguments are passed as given (each call gets fresh copies).  ``eps``
    defaults by dtype, as for :class:`numeric_grad` (the gradient of a scalar
    ``f`` is its one-row Jacobian).
    """
    points = [np.asarray(p) for p in pt]
    ks = list(range(len(points))) if wrt is None else [int(k) for k in wrt]
    for k in ks:
        if points[k].dtype.name not in TYPE_EPS:
            raise TypeError(f"numeric_jacobian: argument {k} has dtype {points[k].dtype}; finite differences need "
                            "real (float16/32/64) values")
    if eps is None:
        eps = builtins.max((TYPE_EPS[points[k].dtype.name] for k in ks), default=TYPE_EPS["float64"])
    jacobians = []
    for k in ks:
        base = points[k].reshape(-1)
        columns = []
        for j in range(base.size):
            diff = []
            for step in (eps, -eps):
                args = [p.copy() for p in points]
                args[k].reshape(-1)[j] = base[j] + step
                diff.append(np.asarray(f(*args)))
            columns.append(np.ravel((diff[0] - diff[1]) / (2 * eps)))
        if columns:
            jacobians.append(np.stack(columns, axis=1).astype(out_dtype))
        else:
            jacobians.append(np.zeros((np.size(f(*[p.copy() for p in points])), 0), dtype=out_dtype))
    return jacobians


class numeric_grad:
    """The gradient of a scalar function ``f`` at ``pt`` by central finite
    differences: ``.gf`` holds one array per argument (a single array when
    ``pt`` is a single array).  The step ``eps`` defaults by dtype
    (float64: 1e-7, float32: 3e-4, float16: 0.1)."""

    type_eps = TYPE_EPS

    def __init__(self, f: Callable, pt: Any, eps: Optional[float] = None, out_type: Optional[str] = None):
        packed = not isinstance(pt, (list, tuple))
        points = [np.array(p) for p in ([pt] if packed else pt)]
        dtypes = [str(p.dtype) for p in points]
        for i, dt in enumerate(dtypes):
            if dt not in TYPE_EPS:
                raise TypeError(f"numeric_grad: argument {i} has dtype {dt}; finite differences need real "
                                "(float16/32/64) values")
        # work in the most precise dtype among the arguments
        working = builtins.min(dtypes, key=lambda dt: TYPE_EPS[dt])
        if eps is None:
            eps = builtins.max(TYPE_EPS[dt] for dt in dtypes)
        out_dtype = out_type if out_type is not None and str(out_type).startswith("complex") else working
        jacobians = numeric_jacobian(f, [p.astype(working) for p in points], eps, out_dtype=out_dtype)
        self.gf = [J.reshape(p.shape) for J, p in zip(jacobians, points)]
        if packed:
            self.gf = self.gf[0]

    @staticmethod
    def abs_rel_err(a: Any, b: Any) -> tuple:
        """``(|a - b|, |a - b| / max(|a| + |b|, 1e-8))`` entrywise."""
        abs_err = np.asarray(abs(np.asarray(a) - np.asarray(b)))
        rel_err = np.asarray(abs_err / np.maximum(abs(np.asarray(a)) + abs(np.asarray(b)), 1e-8))
        return abs_err, rel_err

    def abs_rel_errors(self, g_pt: Sequence[np.ndarray]) -> list:
        """``abs_rel_err`` of each array of ``g_pt`` against ``.gf``
        (``ValueError`` if the number of arrays or a shape differs)."""
        gf = self.gf if isinstance(self.gf, list) else [self.gf]
        if len(g_pt) != len(gf):
            raise ValueError(f"numeric_grad: got {len(g_pt)} gradients to compare with {len(gf)}")
        errs = []
        for i, (a, b) in enumerate(zip(g_pt, gf)):
            a = np.asarray(a)
            if a.shape != b.shape:
                raise ValueError(f"numeric_grad: gradient {i} has shape {a.shape}, expected {b.shape}")
            errs.append(numeric_grad.abs_rel_err(a, b))
        return errs

    def max_err(self, g_pt: Sequence[np.ndarray], abs_tol: float, rel_tol: float) -> tuple:
        """The worst entry: ``(argument, flat position, abs_err, rel_err)``
        maximizing ``min(abs_err / abs_tol, rel_err / rel_tol)`` (above 1 means
        both tolerances are exceeded)."""
        best = None
        for arg, (abs_err, rel_err) in enumerate(self.abs_rel_errors(g_pt)):
            if not np.all(np.isfinite(abs_err)):
                raise ValueError(f"numeric_grad: the error of gradient {arg} is not finite: {abs_err!r}")
            if abs_err.size == 0:
                continue
            scaled = np.minimum(abs_err / abs_tol, rel_err / rel_tol).ravel()
            pos = int(scaled.argmax())
            entry = (float(scaled[pos]), arg, pos, float(abs_err.ravel()[pos]), float(rel_err.ravel()[pos]))
            if best is None or entry[0] > best[0]:
                best = entry
        if best is None:
            return 0, 0, 0.0, 0.0
        return best[1], best[2], best[3], best[4]


def _compile(inputs: list, outputs: Any, mode: Any) -> Callable:
    return function(inputs, outputs, mode=mode, on_unused_input="ignore", allow_input_downcast=True)


def verify_grad(fun: Callable, pt: Sequence[Any], n_tests: int = 2,
                rng: Union[np.random.Generator, np.random.RandomState, None] = None, eps: Optional[float] = None,
                out_type: Optional[str] = None, abs_tol: Optional[float] = None, rel_tol: Optional[float] = None,
                mode: Any = None, cast_to_output_type: bool = False) -> None:
    """Raise :class:`GradientError` unless the gradient of a random projection
    of ``fun``'s output matches central finite differences at ``pt``.

    ``fun`` maps symbolic inputs to one symbolic output (an Op instance
    works); ``pt`` lists one real array per input.  Each of ``n_tests`` rounds
    draws a new projection from ``rng`` (default: a fixed seed).  ``eps``,
    ``abs_tol`` and ``rel_tol`` default by dtype (float64: 1e-7, 1e-4, 1e-4).
    ``cast_to_output_type`` makes the projection float32 for a float32 output.
    """
    if not isinstance(pt, (list, tuple)):
        raise TypeError(f"verify_grad: pt must be a list of arrays (one per input), got {type(pt).__name__}")
    points = [np.array(p) for p in pt]
    for i, p in enumerate(points):
        if p.dtype.name not in TYPE_EPS:
            raise TypeError(f"verify_grad: input {i} has dtype {p.dtype}; gradients are checked on real inputs "
                            "only (float16/32/64). Pass e.g. np.asarray(value, dtype='float64')")
    if abs_tol is None:
        abs_tol = default_tolerance([p.dtype.name for p in points])
    if rel_tol is None:
        rel_tol = default_tolerance([p.dtype.name for p in points])
    if rng is None:
        rng = np.random.default_rng(2357)
    inputs = [TensorType(p.dtype, tuple(1 if n == 1 else None for n in p.shape)).make_variable(f"input {i}")
              for i, p in enumerate(points)]
    output = fun(*inputs)
    if isinstance(output, (list, tuple)):
        raise NotImplementedError(f"verify_grad checks a function with one output; fun returned {len(output)}. "
                                  "Check each output separately (e.g. lambda *x: fun(*x)[0])")
    output = gt.as_tensor_variable(output) if not hasattr(output, "type") else output
    forward = _compile(inputs, output, mode)
    out_value = np.asarray(forward(*[p.copy() for p in points]))
    proj_dtype = output.dtype if cast_to_output_type and output.dtype == "float32" else "float64"
    projection = TensorType(proj_dtype, out_value.shape).make_variable("random_projection")
    cost = gt.sum(projection * output)
    cost_fn = _compile(inputs + [projection], cost, mode)
    symbolic = grad(cost, inputs, disconnected_inputs="ignore")
    grad_fn = _compile(inputs + [projection], symbolic, mode)

    def draw() -> np.ndarray:
        return np.asarray(rng.random(out_value.shape) + 0.5, dtype=proj_dtype)

    for _ in range(n_tests):
        r = draw()
        num = numeric_grad(lambda *xs: cost_fn(*xs, r), [p.copy() for p in points], eps, out_type)
        analytic = [np.asarray(g) for g in grad_fn(*[p.copy() for p in points], r)]
        arg, pos, abs_err, rel_err = num.max_err(analytic, abs_tol, rel_tol)
        if abs_err > abs_tol and rel_err > rel_tol:
            raise GradientError(arg, pos, analytic[arg].shape, val1=float(np.ravel(num.gf[arg])[pos]),
                                val2=float(analytic[arg].ravel()[pos]), abs_err=abs_err, rel_err=rel_err,
                                abs_tol=abs_tol, rel_tol=rel_tol)
