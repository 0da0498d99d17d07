"""Helpers shared by the rewrite tests: run a graph with the ops' perform,
count nodes, and compare values NaN-aware."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from gradlab.graph import FunctionGraph, toposort


def run(outputs: Sequence[Any], inputs: Sequence[Any], values: Sequence[Any]) -> list:
    """Evaluate ``outputs`` node by node with each op's ``perform`` (no linker)."""
    env = {i: i.type.filter(v) for i, v in zip(inputs, values)}
    for node in toposort(outputs, inputs):
        args = [env[v] if v in env else v.data for v in node.inputs]
        storage = [[None] for _ in node.outputs]
        with np.errstate(all="ignore"):
            node.op.perform(node, args, storage)
        for o, s in zip(node.outputs, storage):
            env[o] = s[0]
    return [np.asarray(env[o] if o in env else o.data) for o in outputs]


def run_fgraph(fgraph: FunctionGraph, values: Sequence[Any]) -> list:
    return run(fgraph.outputs, fgraph.inputs, values)


def scalar_names(fgraph: FunctionGraph) -> list:
    """The op of each node in topological order, as short text."""
    return [str(n.op) for n in fgraph.toposort()]


def assert_close(actual: Any, expected: Any, dtype: str = "float64") -> None:
    """Equal where the expected value is finite; tolerance by dtype."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    rtol = {"float16": 1e-2, "float32": 1e-4}.get(str(dtype), 1e-7)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, equal_nan=True)


def grad(cost: Any, wrt: Any) -> Any:
    """Reverse mode through the ops' L_op (gradlab.gradient.grad when it exists)."""
    try:
        from gradlab.gradient import grad as real_grad
    except ImportError:
        real_grad = None
    if real_grad is not None:
        return real_grad(cost, wrt)
    import gradlab.tensor as gt
    single = not isinstance(wrt, (list, tuple))
    wrt_list = [wrt] if single else list(wrt)
    grads = {cost: gt.ones_like(cost)}
    for node in reversed(toposort([cost])):
        gz = [grads.get(o) for o in node.outputs]
        if all(g is None for g in gz):
            continue
        gz = [g if g is not None else gt.zeros_like(o) for g, o in zip(gz, node.outputs)]
        gxs = node.op.L_op(node.inputs, node.outputs, gz)
        for x, g in zip(node.inputs, gxs):
            if g is None or x.owner is None and x not in wrt_list:
                continue
            grads[x] = g if x not in grads else grads[x] + g
    result = [grads.get(w, gt.zeros_like(w)) for w in wrt_list]
    return result[0] if single else result
