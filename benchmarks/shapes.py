"""The graph shapes whose compile time must grow linearly (issue 21).

Each builder takes a :class:`Lib` (gradlab or PyTensor, spelled the same
way) and a size ``n`` and returns ``(inputs, outputs)``: the graph a student
writes in a loop.  The same builders feed the scaling test (which counts
work at ``n`` and ``2n``) and the compile benchmark (which times gradlab and
PyTensor at ``n`` and ``4n`` on identical graphs).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass
class Lib:
    """The few names a shape needs, from gradlab or from PyTensor."""

    name: str
    T: Any              # gradlab.tensor / pytensor.tensor
    grad: Callable
    scan: Callable
    jacobian: Callable
    function: Callable


def gradlab_lib() -> Lib:
    import gradlab
    import gradlab.tensor as gt
    from gradlab.gradient import jacobian
    return Lib("gradlab", gt, gt.grad, gradlab.scan, jacobian, gradlab.function)


def pytensor_lib() -> Lib:
    import pytensor
    import pytensor.tensor as pt
    from pytensor.gradient import jacobian
    return Lib("pytensor", pt, pytensor.grad, pytensor.scan, jacobian, pytensor.function)


def python_sum(lib: Lib, n: int) -> tuple:
    """``sum(xs)`` of ``n`` scalar inputs: a left-leaning chain of additions."""
    xs = [lib.T.dscalar(f"x{i}") for i in range(n)]
    return xs, [sum(xs)]


def python_product(lib: Lib, n: int) -> tuple:
    """``p = p * x_i`` in a loop over ``n`` scalar inputs."""
    xs = [lib.T.dscalar(f"x{i}") for i in range(n)]
    p = xs[0]
    for x in xs[1:]:
        p = p * x
    return xs, [p]


def indexing_sum(lib: Lib, n: int) -> tuple:
    """``sum(v[i] for i in range(n))`` of a vector."""
    v = lib.T.dvector("v")
    return [v], [sum(v[i] for i in range(n))]


def grad_of_reads(lib: Lib, n: int) -> tuple:
    """The gradient of ``sum_k sin(k x)``: ``x`` read ``n`` times."""
    x = lib.T.dscalar("x")
    cost = sum(lib.T.sin(k * x) for k in range(1, n + 1))
    return [x], [cost, lib.grad(cost, x)]


def damped_chain(lib: Lib, n: int) -> tuple:
    """``y = sin(y)*0.5 + y*0.5``, ``n`` steps, and its gradient."""
    x = lib.T.dscalar("x")
    y = x
    for _ in range(n):
        y = lib.T.sin(y) * 0.5 + y * 0.5
    return [x], [y, lib.grad(y, x)]


def matrix_chain(lib: Lib, n: int) -> tuple:
    """``A_1 @ A_2 @ ... @ A_n`` and the gradient of its sum with respect to ``A_1``."""
    mats = [lib.T.dmatrix(f"A{i}") for i in range(n)]
    p = mats[0]
    for m in mats[1:]:
        p = p @ m
    return mats, [p, lib.grad(p.sum(), mats[0])]


def nested_scan(lib: Lib, n: int) -> tuple:
    """A scan whose step runs a scan whose step is ``n`` damped steps."""
    xs = lib.T.dvector("xs")
    h0 = lib.T.dscalar("h0")

    def inner_step(x_t, h):
        for _ in range(n):
            h = lib.T.sin(h) * 0.5 + h * 0.5 + x_t
        return h

    def outer_step(x_t, h):
        hs, _ = lib.scan(inner_step, sequences=lib.T.stack([x_t, x_t]), outputs_info=h)
        return hs[-1]

    hs, _ = lib.scan(outer_step, sequences=xs, outputs_info=h0)
    return [xs, h0], [hs[-1]]


def jacobian_of_vector(lib: Lib, n: int) -> tuple:
    """The jacobian of a length-``n`` vector built entry by entry."""
    x = lib.T.dvector("x")
    y = lib.T.stack([lib.T.sin(x[i]) * x[(i + 1) % n] for i in range(n)])
    return [x], [lib.jacobian(y, x)]


def shared_dag(lib: Lib, n: int) -> tuple:
    """``y = sin(y) * y``, ``n`` steps (each step reads ``y`` twice), and its gradient."""
    x = lib.T.dscalar("x")
    y = x
    for _ in range(n):
        y = lib.T.sin(y) * y
    return [x], [y, lib.grad(y, x)]


def wide_fan_out(lib: Lib, n: int) -> tuple:
    """``x`` read by ``n`` nodes, each an output: ``[sin(k x) for k]``."""
    x = lib.T.dvector("x")
    return [x], [lib.T.sin(k * x) for k in range(1, n + 1)]


def fan_in(lib: Lib, n: int) -> tuple:
    """``stack([sin(k x) for k])``: one node reading ``n`` variables."""
    x = lib.T.dscalar("x")
    return [x], [lib.T.stack([lib.T.sin(k * x) for k in range(1, n + 1)])]


#: name -> (builder, n for the scaling test, n for the benchmark)
SHAPES: dict = {
    "python_sum": (python_sum, 200, 1000),
    "python_product": (python_product, 200, 500),
    "indexing_sum": (indexing_sum, 200, 500),
    "grad_of_reads": (grad_of_reads, 200, 500),
    "damped_chain": (damped_chain, 200, 1000),
    "matrix_chain": (matrix_chain, 100, 250),
    "nested_scan": (nested_scan, 50, 100),
    "jacobian_of_vector": (jacobian_of_vector, 100, 250),
    "shared_dag": (shared_dag, 200, 500),
    "wide_fan_out": (wide_fan_out, 200, 500),
    "fan_in": (fan_in, 200, 500),
}
