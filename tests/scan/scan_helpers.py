"""Helpers shared by the scan tests: finite differences and numpy loops."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from gradlab.gradient import numeric_jacobian


def fd_gradient(fn: Callable, values: Sequence[np.ndarray], k: int, eps: float = 1e-6) -> np.ndarray:
    """``d fn(*values) / d values[k]`` by central differences (fn returns a scalar)."""
    return fd_jacobian(fn, values, k, eps).reshape(np.shape(values[k]))


def fd_jacobian(fn: Callable, values: Sequence[np.ndarray], k: int, eps: float = 1e-6) -> np.ndarray:
    """``J[i, j] = d fn(*values).ravel()[i] / d values[k].ravel()[j]`` by central differences."""
    values = [np.array(v, dtype=np.float64) for v in values]
    return numeric_jacobian(lambda *args: np.asarray(fn(*args), dtype=np.float64), values, eps, wrt=[k])[0]


def fd_hessian(fn: Callable, values: Sequence[np.ndarray], k: int, eps: float = 1e-4) -> np.ndarray:
    """``H[i, j] = d^2 fn / d values[k][i] d values[k][j]`` by second central differences."""
    values = [np.array(v, dtype=np.float64) for v in values]
    n = values[k].size
    H = np.zeros((n, n))

    def at(di: int, si: float, dj: int, sj: float) -> float:
        moved = [v.copy() for v in values]
        moved[k].reshape(-1)[di] += si * eps
        moved[k].reshape(-1)[dj] += sj * eps
        return float(fn(*moved))
    for i in range(n):
        for j in range(n):
            H[i, j] = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * eps * eps)
    return H


def tanh_recurrence(a: float, x: np.ndarray, h0: float) -> np.ndarray:
    """``h[t] = tanh(a h[t-1] + x[t])`` in numpy."""
    h, out = float(h0), []
    for x_t in np.asarray(x, dtype=np.float64):
        h = np.tanh(a * h + x_t)
        out.append(h)
    return np.array(out)
