"""``RandomVariable``: one draw from a distribution, as a graph node.

Inputs ``(rng, size, *parameters)``; outputs ``(next_rng, draw)`` — the
generator after the draw, then the values (``op(...)`` returns the draw;
``draw.owner.outputs`` gives both, as in PyTensor).  ``perform`` draws from
a *copy* of the input generator, so a node is a pure function of its inputs:
the same generator value gives the same numbers.

Derivatives: a draw is not a differentiable function of its parameters
(``normal(mu, 1)`` re-drawn at ``mu + h`` is a different sample), so the
gradient of a real-valued draw with respect to every parameter is undefined
(``NullType``); an integer-valued draw is disconnected from its parameters,
and the generator and the size are disconnected.  Write samples to differentiate as
a transformation of a parameter-free draw — the reparameterisation trick,
``mu + sigma * normal(0, 1)`` — and the gradient flows through ``mu`` and
``sigma`` (the draw is a constant of the graph's derivative).
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.gradient_types import disconnected_type, grad_undefined
from gradlab.graph.op import Op
from gradlab.tensor.random.type import random_generator_type
from gradlab.tensor.type import TensorType

__all__ = ["RandomVariable", "Distribution", "DISTRIBUTIONS"]


class Distribution:
    """How to draw: numpy's method on a ``Generator``, the parameter names,
    and the dtype of the values (``None``: the dtype of parameter 0)."""

    def __init__(self, name: str, params: Sequence[str], dtype: Optional[str],
                 draw: Optional[Callable] = None):
        self.name = name
        self.params = tuple(params)
        self.dtype = dtype
        self._draw = draw

    def draw(self, rng: np.random.Generator, size: Optional[tuple], values: Sequence[Any], **options: Any) -> Any:
        if self._draw is not None:
            return self._draw(rng, size, *values, **options)
        return getattr(rng, self.name)(*values, size=size)


def _bernoulli(rng: np.random.Generator, size: Optional[tuple], p: Any) -> Any:
    return rng.binomial(1, p, size=size)


def _choice(rng: np.random.Generator, size: Optional[tuple], a: Any, p: Any, replace: bool = True) -> Any:
    a = a.item() if np.ndim(a) == 0 else a
    return rng.choice(a, size=size, replace=replace, p=None if np.size(p) == 0 else p)


def _permutation(rng: np.random.Generator, size: Optional[tuple], x: Any) -> Any:
    return rng.permutation(x.item() if np.ndim(x) == 0 else x)


DISTRIBUTIONS = {d.name: d for d in [
    Distribution("normal", ("loc", "scale"), "floatX"),
    Distribution("uniform", ("low", "high"), "floatX"),
    Distribution("bernoulli", ("p",), "int64", _bernoulli),
    Distribution("binomial", ("n", "p"), "int64"),
    Distribution("integers", ("low", "high"), "int64"),
    Distribution("choice", ("a", "p"), None, _choice),
    Distribution("permutation", ("x",), None, _permutation),
]}


def _broadcast_static(shapes: Sequence[tuple]) -> tuple:
    """numpy broadcasting of static shapes (None where a length is unknown)."""
    ndim = max((len(s) for s in shapes), default=0)
    result = []
    for axis in range(ndim):
        lengths = [s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0]
        if any(n is None for n in lengths if n != 1):
            result.append(None)
            continue
        big = [n for n in lengths if n != 1]
        result.append(big[0] if big else 1)
    return tuple(result)


class RandomVariable(Op):
    """A draw from ``dist`` (see the module docstring).

    ``dtype`` is the values' dtype; ``replace`` is choice's option.
    """

    __props__ = ("dist_name", "dtype", "replace")
    default_output = 1
    fold_constants = False  # a draw is made when the function runs, never while compiling

    def __init__(self, dist_name: str, dtype: str, replace: bool = True):
        if dist_name not in DISTRIBUTIONS:
            raise ValueError(f"unknown distribution {dist_name!r}; use one of {', '.join(DISTRIBUTIONS)}")
        self.dist_name = dist_name
        self.dtype = dtype
        self.replace = bool(replace)

    @property
    def dist(self) -> Distribution:
        return DISTRIBUTIONS[self.dist_name]

    def __str__(self) -> str:
        return f"{self.dist_name}_rv"

    __repr__ = __str__

    def make_node(self, rng: Variable, size: Variable, *params: Variable) -> Apply:
        from gradlab.tensor.shape_ops import static_vector
        if not isinstance(rng, Variable) or rng.type != random_generator_type:
            raise TypeError(f"{self}: rng must be a random generator variable (gradlab.shared(np.random."
                            f"default_rng(seed)) or a RandomStream's), got {rng!r}")
        if size.ndim != 1 or np.dtype(size.dtype).kind not in "iu":
            raise TypeError(f"{self}: size must be an integer vector (a tuple of lengths), got {size.type}")
        if size.type.shape[0] == 0:  # no size: the parameters' broadcast shape (a vector for permutation)
            param_shapes = [p.type.shape for p in params if p is not None]
            if self.dist_name == "permutation":
                first = params[0]
                shape: tuple = (first.type.shape[0] if first.ndim == 1 else None,)
            elif self.dist_name == "choice":
                shape = ()
            else:
                shape = _broadcast_static(param_shapes)
        else:
            shape = tuple(static_vector(size))
            if self.dist_name == "permutation":
                raise TypeError(f"{self}: permutation takes no size")
        outputs = [random_generator_type.make_variable(), TensorType(self.dtype, shape).make_variable()]
        return Apply(self, [rng, size, *params], outputs)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        rng = copy.deepcopy(inputs[0])
        size = tuple(int(s) for s in inputs[1]) or None
        options = {"replace": self.replace} if self.dist_name == "choice" else {}
        values = self.dist.draw(rng, size, list(inputs[2:]), **options)
        output_storage[0][0] = rng
        output_storage[1][0] = np.asarray(values, dtype=self.dtype)

    def connection_pattern(self, node: Apply) -> list:
        """The next generator depends on the generator.  A real-valued draw is
        connected to its parameters (their gradient is undefined: NullType);
        an integer-valued one (bernoulli, binomial, integers …) to none — no
        path to differentiate, as for any step function.  The size never is."""
        real = np.dtype(self.dtype).kind in "fc"
        return [[True, True], [False, False]] + [[False, real] for _ in node.inputs[2:]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        why = (f"a random draw is not a differentiable function of its parameters; to differentiate a sample "
               f"with respect to them, write it as a transformation of a parameter-free draw (the "
               f"reparameterisation trick: mu + sigma * normal(0, 1, size=...))")
        result = [disconnected_type(), disconnected_type()]
        for i, p in enumerate(inputs[2:], start=2):
            result.append(grad_undefined(self, i, p, why))
        return result

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Optional[Variable]]) -> list:
        if all(t is None for t in eval_points[2:]):
            return [None, None]
        return [None, self.L_op(inputs, [], [])[2]]

