"""Helpers shared by the gradient tests: compile, finite-difference
Jacobians, and the random points the tables use."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

import gradlab
from gradlab.gradient import numeric_jacobian
from gradlab.tensor.type import TensorType


def compile_fn(inputs: Sequence[Any], outputs: Any, mode: str = "NO_REWRITE") -> Callable:
    """``gradlab.function`` without rewrites (the gradient graph as built)."""
    return gradlab.function(list(inputs), outputs, mode=mode, on_unused_input="ignore")


def symbolic_like(value: np.ndarray, name: str, dtype: str = None) -> Any:
    """An input variable for ``value``: static length 1 where the value has length 1."""
    value = np.asarray(value)
    return TensorType(dtype or value.dtype, tuple(1 if n == 1 else None for n in value.shape)).make_variable(name)


def fd_jacobians(fn: Callable, points: Sequence[np.ndarray], eps: float = 1e-6) -> list:
    """``[J_k]`` with ``J_k[i, j] = d out.ravel()[i] / d points[k].ravel()[j]``
    by central differences (float64)."""
    points = [np.array(p, dtype=np.float64) for p in points]
    return numeric_jacobian(lambda *args: np.asarray(fn(*args), dtype=np.float64), points, eps)


def assert_close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def run_graph(outputs: Sequence[Any], inputs: Sequence[Any], values: Sequence[Any]) -> list:
    """Evaluate ``outputs`` node by node with each op's ``perform`` (no
    compilation: for graphs too large to compile quickly)."""
    from gradlab.graph import toposort
    env = {id(i): i.type.filter(v) for i, v in zip(inputs, values)}
    for node in toposort(list(outputs), list(inputs)):
        args = [env[id(v)] if id(v) in env else v.data for v in node.inputs]
        storage = [[None] for _ in node.outputs]
        node.op.perform(node, args, storage)
        for out, cell in zip(node.outputs, storage):
            env[id(out)] = cell[0]
    return [np.asarray(env[id(o)] if id(o) in env else o.data) for o in outputs]
