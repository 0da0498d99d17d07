"""Evaluate scalar expressions of scalar variables on a grid of points.

The fast way rebuilds the graph with each scalar variable replaced by a
vector (``clone_replace``) and calls the compiled function once for all points;
that is right for elementwise graphs.  A graph that does not broadcast that
way (a reduction over the scalar, a reshape …) either fails to build or gives
a wrongly shaped or wrong answer, so the result is checked against the scalar
function at a few points, and on any doubt the points are evaluated one by one.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gradlab.graph.basic import Variable

#: how many points the vectorised answer is checked at
CHECK_POINTS = 3
#: most points a plot samples: a curve needs about one a pixel (a notebook figure is ~500 wide), and
#: a graph evaluated point by point (not elementwise in the variable) costs ~20 µs a point
MAX_POINTS = 100_000
#: highest derivative order plotted: each ``grad`` of a ``grad`` (not rewritten) about triples the
#: graph (the logistic function's 6th derivative has 1,691 nodes and compiles in ~0.5 s, its 8th
#: 13,861 nodes and ~6 s, its 10th ~35 s and 1 GB)
MAX_ORDER = 6


def check_points(num: Any, name: str = "num", axes: int = 1) -> int:
    """``num`` (points per axis) as an int; a ValueError naming ``name`` when it is
    not a whole number >= 2 or ``num ** axes`` exceeds :data:`MAX_POINTS`."""
    if isinstance(num, bool) or not isinstance(num, (int, np.integer, float)) or num != int(num) or num < 2:
        raise ValueError(f"{name} must be a whole number of sample points >= 2, got {num!r}")
    num = int(num)
    if num ** axes > MAX_POINTS:
        most = int(MAX_POINTS ** (1 / axes) + 1e-9)
        total = f" ({num:,}^{axes} = {num ** axes:,} points)" if axes > 1 else ""
        raise ValueError(f"{name}={num:,} is too many sample points{total}: the limit is {MAX_POINTS:,} "
                         f"(a curve needs about one point per pixel); pass {name}={most:,} or fewer")
    return num


def check_order(order: Any, name: str = "order") -> int:
    """``order`` as an int; a ValueError when it is not a whole number in 0 … :data:`MAX_ORDER`."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer, float)) or order != int(order) or order < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {order!r}")
    order = int(order)
    if order > MAX_ORDER:
        raise ValueError(f"{name}={order} is above the limit of {MAX_ORDER}: each derivative order about triples "
                         f"the size of the graph (the logistic function's 8th derivative is ~14,000 nodes), so "
                         f"plot {name}={MAX_ORDER} or less; for a higher derivative at a few points, apply "
                         f"gradlab.grad repeatedly and compile with mode='FAST_RUN'")
    return order


def compile_scalar(inputs: Sequence[Variable], outputs: Sequence[Variable], mode: str) -> Any:
    """``gradlab.function(inputs, outputs)`` with unused inputs allowed."""
    from gradlab.compile.function_module import function
    return function(list(inputs), list(outputs), mode=mode, on_unused_input="ignore")


def _vectorised(outputs: Sequence[Variable], wrt: Sequence[Variable], others: Sequence[Variable],
                mode: str) -> Any:
    from gradlab.graph.traversal import clone_replace
    from gradlab.tensor.type import TensorType
    vectors = [TensorType(v.type.dtype, (None,)).make_variable(name=v.name) for v in wrt]
    rebuilt = clone_replace(list(outputs), dict(zip(wrt, vectors)))
    return compile_scalar(list(vectors) + list(others), rebuilt, mode)


def on_grid(outputs: Sequence[Variable], wrt: Sequence[Variable], points: Sequence[np.ndarray],
            others: Sequence[Variable] = (), other_values: Sequence[Any] = (), mode: str = "NO_REWRITE",
            scalar_fn: Any = None) -> np.ndarray:
    """``result[k]`` = ``outputs[k]`` at every point: ``points[i]`` holds the
    values of ``wrt[i]`` (arrays of one shape).  Returns shape ``(len(outputs),) + shape``."""
    shape = np.shape(points[0])
    flat = [np.asarray(p, dtype=float).ravel() for p in points]
    scalar_fn = scalar_fn or compile_scalar(list(wrt) + list(others), outputs, mode)
    result = np.empty((len(outputs), flat[0].size))
    with np.errstate(all="ignore"):
        try:
            fast = _vectorised(outputs, wrt, others, mode)(*flat, *other_values)
            for k, value in enumerate(fast):
                result[k] = np.broadcast_to(np.asarray(value, dtype=float), flat[0].shape)
            if _agrees(result, flat, scalar_fn, other_values):
                return result.reshape((len(outputs),) + shape)
        except Exception:  # noqa: BLE001 - the graph is not elementwise in wrt: go point by point
            pass
        for j in range(flat[0].size):
            result[:, j] = [float(v) for v in scalar_fn(*(f[j] for f in flat), *other_values)]
    return result.reshape((len(outputs),) + shape)


def _agrees(result: np.ndarray, flat: list, scalar_fn: Any, other_values: Sequence[Any]) -> bool:
    n = flat[0].size
    picks = sorted({0, n // 2, n - 1} if n > 2 else set(range(n)))[:CHECK_POINTS]
    for j in picks:
        exact = np.array([float(v) for v in scalar_fn(*(f[j] for f in flat), *other_values)])
        if not np.allclose(result[:, j], exact, rtol=1e-9, atol=1e-12, equal_nan=True):
            return False
    return True
