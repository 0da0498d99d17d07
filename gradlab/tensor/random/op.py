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
    the dtype of the values (``None``: the dtype of parameter 0) and, for a
    draw whose one sample is a vector (multinomial, dirichlet), which
    parameter's last axis gives that vector's length (``support_from``)."""

    def __init__(self, name: str, params: Sequence[str], dtype: Optional[str],
                 draw: Optional[Callable] = None, param_ndims: Optional[Sequence[int]] = None,
                 support_from: Optional[int] = None):
        self.name = name
        self.params = tuple(params)
        self.dtype = dtype
        self._draw = draw
        self.param_ndims = tuple(param_ndims) if param_ndims is not None else (0,) * len(self.params)
        self.support_from = support_from

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


def _batch(size: Optional[tuple], *batch_shapes: tuple) -> tuple:
    """The batch shape of a draw: ``size``, else the parameters' broadcast batch shape."""
    return tuple(size) if size is not None else np.broadcast_shapes(*batch_shapes)


def _standard_normal(rng: np.random.Generator, size: Optional[tuple]) -> Any:
    return rng.standard_normal(size=size)


def _halfnormal(rng: np.random.Generator, size: Optional[tuple], loc: Any, scale: Any) -> Any:
    """``loc + scale * |z|``, z standard normal."""
    shape = _batch(size, np.shape(loc), np.shape(scale))
    return loc + scale * np.abs(rng.standard_normal(size=shape))


def _gamma(rng: np.random.Generator, size: Optional[tuple], shape: Any, scale: Any) -> Any:
    return rng.gamma(shape, scale, size=size)


def _multinomial(rng: np.random.Generator, size: Optional[tuple], n: Any, p: Any) -> Any:
    """Counts of ``n`` draws over the categories on ``p``'s last axis, one row per batch entry."""
    batch = _batch(size, np.shape(n), np.shape(p)[:-1])
    n_b = np.broadcast_to(n, batch)
    p_b = np.broadcast_to(p, batch + np.shape(p)[-1:])
    out = np.empty(p_b.shape, dtype="int64")
    for idx in np.ndindex(*batch):
        out[idx] = rng.multinomial(int(n_b[idx]), p_b[idx])
    return out


def _categorical(rng: np.random.Generator, size: Optional[tuple], p: Any) -> Any:
    """The index ``k`` with ``cumsum(p)[k-1] <= u < cumsum(p)[k]`` for ``u ~ uniform(0, sum p)``."""
    batch = _batch(size, np.shape(p)[:-1])
    cdf = np.cumsum(np.broadcast_to(p, batch + np.shape(p)[-1:]), axis=-1)
    u = rng.uniform(size=batch + (1,)) * cdf[..., -1:]
    return np.minimum((cdf <= u).sum(axis=-1), np.shape(p)[-1] - 1)


def _dirichlet(rng: np.random.Generator, size: Optional[tuple], alphas: Any) -> Any:
    """Independent ``gamma(alpha_k, 1)`` draws, normalised to sum to 1 on the last axis."""
    batch = _batch(size, np.shape(alphas)[:-1])
    g = rng.standard_gamma(np.broadcast_to(alphas, batch + np.shape(alphas)[-1:]))
    return g / g.sum(axis=-1, keepdims=True)


def _multivariate_normal(rng: np.random.Generator, size: Optional[tuple], mean: Any, cov: Any) -> Any:
    if np.ndim(mean) != 1 or np.ndim(cov) != 2:
        raise ValueError(f"multivariate_normal: mean must be a vector and cov a matrix (no batches), got "
                         f"shapes {np.shape(mean)} and {np.shape(cov)}")
    return rng.multivariate_normal(mean, cov, size=size, method="cholesky")


DISTRIBUTIONS = {d.name: d for d in [
    Distribution("normal", ("loc", "scale"), "floatX"),
    Distribution("standard_normal", (), "floatX", _standard_normal),
    Distribution("uniform", ("low", "high"), "floatX"),
    Distribution("lognormal", ("mean", "sigma"), "floatX"),
    Distribution("halfnormal", ("loc", "scale"), "floatX", _halfnormal),
    Distribution("exponential", ("scale",), "floatX"),
    Distribution("gamma", ("shape", "scale"), "floatX", _gamma),
    Distribution("beta", ("alpha", "beta"), "floatX"),
    Distribution("laplace", ("loc", "scale"), "floatX"),
    Distribution("logistic", ("loc", "scale"), "floatX"),
    Distribution("dirichlet", ("alphas",), "floatX", _dirichlet, (1,), support_from=0),
    Distribution("multivariate_normal", ("mean", "cov"), "floatX", _multivariate_normal, (1, 2), support_from=0),
    Distribution("bernoulli", ("p",), "int64", _bernoulli),
    Distribution("binomial", ("n", "p"), "int64"),
    Distribution("poisson", ("lam",), "int64"),
    Distribution("geometric", ("p",), "int64"),
    Distribution("integers", ("low", "high"), "int64"),
    Distribution("categorical", ("p",), "int64", _categorical, (1,)),
    Distribution("multinomial", ("n", "p"), "int64", _multinomial, (0, 1), support_from=1),
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
        dist = self.dist
        if len(params) != len(dist.params):
            raise TypeError(f"{self}: takes {len(dist.params)} parameter(s) ({', '.join(dist.params) or 'none'}), "
                            f"got {len(params)}")
        for name, p, nd in zip(dist.params, params, dist.param_ndims):
            if p.ndim < nd:
                raise TypeError(f"{self}: {name} needs at least {nd} dimension(s), got {p.type}")
        if size.type.shape[0] == 0:  # no size: the parameters' broadcast shape (a vector for permutation)
            batch_shapes = [p.type.shape[:p.ndim - nd] for p, nd in zip(params, dist.param_ndims)]
            if self.dist_name == "permutation":
                first = params[0]
                shape: tuple = (first.type.shape[0] if first.ndim == 1 else None,)
            elif self.dist_name == "choice":
                shape = ()
            else:
                shape = _broadcast_static(batch_shapes)
        else:
            shape = tuple(static_vector(size))
            if self.dist_name == "permutation":
                raise TypeError(f"{self}: permutation takes no size")
        if dist.support_from is not None:  # one sample is a vector: its length is the parameter's last axis
            shape = shape + (params[dist.support_from].type.shape[-1],)
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

