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


def assert_close(actual: Any, expected: Any, dtype: str = "float64") -> None:
    """Equal where the expected value is finite; tolerance by dtype."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    rtol = {"float16": 1e-2, "float32": 1e-4}.get(str(dtype), 1e-7)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, equal_nan=True)

