"""The draws, as functions: ``normal(loc, scale, size=None, rng=None)`` and
the others take the generator to draw from as ``rng`` (a random generator
variable).  Without one, a new shared generator is made (unseeded, its
``default_update`` set so each call of a compiled function draws anew) —
pass ``rng`` or use :class:`~gradlab.tensor.random.RandomStream` for
reproducible numbers.

    >>> import numpy as np, gradlab
    >>> import gradlab.tensor.random as gr
    >>> rng = gradlab.shared(np.random.default_rng(0), name="rng")
    >>> next_rng, x = gr.normal(0.0, 1.0, size=(3,), rng=rng).owner.outputs
    >>> f = gradlab.function([], x, updates={rng: next_rng})
    >>> np.allclose(f(), np.random.default_rng(0).normal(0.0, 1.0, size=3))
    True
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.tensor.random.op import DISTRIBUTIONS, RandomVariable
from gradlab.tensor.random.type import GeneratorDraws, random_generator_type
from gradlab.tensor.random.shared import shared_generator

#: the draw functions, in the order the docs list them (each is also a method of a
#: generator variable, ``rng.normal(...) -> (next_rng, draw)``, and of ``RandomStream``)
DRAW_FUNCTIONS = ("normal", "standard_normal", "uniform", "lognormal", "halfnormal", "exponential", "gamma", "beta",
                  "laplace", "logistic", "dirichlet", "multivariate_normal", "bernoulli", "binomial", "poisson",
                  "geometric", "integers", "categorical", "multinomial", "choice", "permutation")

__all__ = [*DRAW_FUNCTIONS, "draw", "DRAW_FUNCTIONS"]


def _size_vector(size: Any) -> Variable:
    from gradlab.tensor.shape_ops import as_shape_vector
    from gradlab.tensor.variable import constant
    if size is None:
        return constant(np.zeros(0, dtype="int64"))
    return as_shape_vector(size, "size")


def _generator(rng: Any) -> Variable:
    if rng is None:
        rng = shared_generator(np.random.default_rng(), name="rng")
        rng.tag["fresh"] = True
        return rng
    if not isinstance(rng, Variable) or rng.type != random_generator_type:
        raise TypeError(f"rng must be a random generator variable (gradlab.shared(np.random.default_rng(seed))), "
                        f"got {type(rng).__name__} {rng!r}"[:300])
    return rng


def _dtype(dist_name: str, dtype: Any, first: Variable) -> str:
    from gradlab.tensor.type import _normalize_dtype
    if dtype is not None:
        return _normalize_dtype(dtype)
    rule = DISTRIBUTIONS[dist_name].dtype
    return _normalize_dtype(rule) if rule is not None else first.dtype


def draw(dist_name: str, *params: Any, size: Any = None, rng: Any = None, dtype: Any = None,
         replace: bool = True, return_next_rng: bool = False) -> Any:
    """The draw of ``dist_name`` (a key of ``DISTRIBUTIONS``) from ``rng``;
    with ``return_next_rng=True``, the pair ``(next_rng, draw)`` (PyTensor
    3.0's spelling; ``draw.owner.outputs`` is the same pair).  When ``rng``
    was made here, its ``default_update`` is the generator after the draw."""
    from gradlab.tensor.variable import as_tensor_variable
    values = [as_tensor_variable(p) for p in params]
    gen = _generator(rng)
    op = RandomVariable(dist_name, _dtype(dist_name, dtype, values[0] if values else None), replace)
    node = op.make_node(gen, _size_vector(size), *values)
    if gen.tag.pop("fresh", False):
        gen.default_update = node.outputs[0]
    return (node.outputs[0], node.outputs[1]) if return_next_rng else node.outputs[1]


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
           return_next_rng: bool = False) -> Any:
    """Normal draws with mean ``loc`` and standard deviation ``scale``.
    Example: ``mu + sigma * normal(0.0, 1.0, size=(n,), rng=rng)`` (differentiable in mu, sigma)."""
    return draw("normal", loc, scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def standard_normal(size: Any = None, rng: Any = None, dtype: Any = None, return_next_rng: bool = False) -> Any:
    """Draws of the normal distribution with mean 0 and standard deviation 1."""
    return draw("standard_normal", size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
            return_next_rng: bool = False) -> Any:
    """Uniform draws on ``[low, high)``.  Example: ``uniform(0, 1, size=(2, 2), rng=rng)``."""
    return draw("uniform", low, high, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def lognormal(mean: Any = 0.0, sigma: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
              return_next_rng: bool = False) -> Any:
    """``exp(z)`` for ``z`` normal with mean ``mean`` and standard deviation ``sigma``."""
    return draw("lognormal", mean, sigma, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def halfnormal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
               return_next_rng: bool = False) -> Any:
    """``loc + scale * |z|`` for ``z`` standard normal."""
    return draw("halfnormal", loc, scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def exponential(scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
                return_next_rng: bool = False) -> Any:
    """Exponential draws with mean ``scale`` (density ``exp(-x / scale) / scale``)."""
    return draw("exponential", scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def gamma(shape: Any, rate: Any = None, scale: Any = None, size: Any = None, rng: Any = None, dtype: Any = None,
          return_next_rng: bool = False) -> Any:
    """Gamma draws with shape ``k`` and ``scale`` θ (mean ``k θ``); give ``scale`` or ``rate = 1 / scale``."""
    if (rate is None) == (scale is None):
        raise ValueError(f"gamma: give exactly one of scale and rate (= 1 / scale), got scale={scale!r}, "
                         f"rate={rate!r}")
    if rate is not None:
        from gradlab.tensor.variable import as_tensor_variable
        scale = 1.0 / as_tensor_variable(rate)
    return draw("gamma", shape, scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def beta(alpha: Any, beta: Any, size: Any = None, rng: Any = None, dtype: Any = None,
         return_next_rng: bool = False) -> Any:
    """Beta draws on ``[0, 1]`` (density proportional to ``x^(alpha-1) (1-x)^(beta-1)``)."""
    return draw("beta", alpha, beta, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def laplace(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
            return_next_rng: bool = False) -> Any:
    """Laplace draws (density ``exp(-|x - loc| / scale) / (2 scale)``)."""
    return draw("laplace", loc, scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def logistic(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
             return_next_rng: bool = False) -> Any:
    """Logistic draws (cdf ``sigmoid((x - loc) / scale)``)."""
    return draw("logistic", loc, scale, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def dirichlet(alphas: Any, size: Any = None, rng: Any = None, dtype: Any = None,
              return_next_rng: bool = False) -> Any:
    """Probability vectors (last axis, summing to 1) with concentrations ``alphas``;
    ``size`` is the batch shape, the draw's shape is ``size + alphas.shape[-1:]``."""
    return draw("dirichlet", alphas, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def multivariate_normal(mean: Any, cov: Any, size: Any = None, rng: Any = None, dtype: Any = None,
                        return_next_rng: bool = False) -> Any:
    """Normal vectors with mean vector ``mean`` and covariance matrix ``cov``
    (one, unbatched); the draw's shape is ``size + mean.shape``."""
    return draw("multivariate_normal", mean, cov, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def bernoulli(p: Any, size: Any = None, rng: Any = None, dtype: Any = None, return_next_rng: bool = False) -> Any:
    """0/1 draws, 1 with probability ``p`` (int64).  Example, a dropout mask:
    ``bernoulli(0.8, size=h.shape, rng=rng) * h / 0.8``."""
    return draw("bernoulli", p, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def binomial(n: Any, p: Any, size: Any = None, rng: Any = None, dtype: Any = None,
             return_next_rng: bool = False) -> Any:
    """The number of successes in ``n`` trials of probability ``p`` (int64).
    Example: ``binomial(10, 0.5, size=(3,), rng=rng)``."""
    return draw("binomial", n, p, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def poisson(lam: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None,
            return_next_rng: bool = False) -> Any:
    """Counts with mean ``lam`` (int64)."""
    return draw("poisson", lam, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def geometric(p: Any, size: Any = None, rng: Any = None, dtype: Any = None, return_next_rng: bool = False) -> Any:
    """The number of trials of probability ``p`` up to the first success (1, 2, …; int64)."""
    return draw("geometric", p, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def integers(low: Any, high: Any = None, size: Any = None, rng: Any = None, dtype: Any = None,
             return_next_rng: bool = False) -> Any:
    """Integers in ``[low, high)`` (``[0, low)`` when ``high`` is None), int64.
    Example, a minibatch of row indices: ``integers(0, n_rows, size=(32,), rng=rng)``."""
    if high is None:
        low, high = 0, low
    return draw("integers", low, high, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def categorical(p: Any, size: Any = None, rng: Any = None, dtype: Any = None, return_next_rng: bool = False) -> Any:
    """Category indices ``k`` with probability ``p[..., k]`` (int64); ``p``'s last axis lists the categories."""
    return draw("categorical", p, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def multinomial(n: Any, p: Any, size: Any = None, rng: Any = None, dtype: Any = None,
                return_next_rng: bool = False) -> Any:
    """Counts of ``n`` trials over the categories on ``p``'s last axis (int64);
    ``size`` is the batch shape, the draw's shape is ``size + p.shape[-1:]``.
    Example, one-hot rows: ``multinomial(1, probs)`` for ``probs`` of shape (rows, k)."""
    return draw("multinomial", n, p, size=size, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, rng: Any = None,
           return_next_rng: bool = False) -> Any:
    """Entries of ``a`` (or of ``arange(a)`` for an integer), with
    probabilities ``p`` (uniform when None).  Example: ``choice(10, size=(4,), replace=False, rng=rng)``."""
    from gradlab.tensor.variable import as_tensor_variable
    a_var = as_tensor_variable(a)
    dtype = "int64" if a_var.ndim == 0 else a_var.dtype
    probabilities = np.zeros(0) if p is None else p  # an empty p: uniform (numpy's p=None)
    return draw("choice", a_var, probabilities, size=size, rng=rng, dtype=dtype, replace=replace,
                return_next_rng=return_next_rng)


def permutation(x: Any, rng: Any = None, return_next_rng: bool = False) -> Any:
    """A random permutation of ``x``'s entries (of ``arange(x)`` for an
    integer).  Example, a shuffled epoch: ``permutation(n_rows, rng=rng)``."""
    from gradlab.tensor.variable import as_tensor_variable
    x_var = as_tensor_variable(x)
    dtype = "int64" if x_var.ndim == 0 else x_var.dtype
    return draw("permutation", x_var, rng=rng, dtype=dtype, return_next_rng=return_next_rng)


def without_parameters(fn: Any, drop: Sequence[str], first: Optional[str] = None) -> inspect.Signature:
    """``fn``'s signature without the parameters ``drop`` (and with a leading
    ``first``, e.g. ``self``): what a method wrapping ``fn`` shows in ``help``."""
    params = [p for name, p in inspect.signature(fn).parameters.items() if name not in drop]
    if first is not None:
        params.insert(0, inspect.Parameter(first, inspect.Parameter.POSITIONAL_OR_KEYWORD))
    return inspect.signature(fn).replace(parameters=params)


def _generator_method(fn: Any) -> Any:
    @functools.wraps(fn)
    def method(self: Variable, *args: Any, **kwargs: Any) -> tuple:
        return fn(*args, rng=self, return_next_rng=True, **kwargs)
    method.__signature__ = without_parameters(fn, ("rng", "return_next_rng"), "self")
    method.__doc__ = (f"``(next_rng, draw)``: ``{fn.__name__}(..., rng=<this generator>)`` and the generator "
                      f"after it.\n\n{fn.__doc__}")
    return method


# rng.normal(0, 1) is normal(0, 1, rng=rng, return_next_rng=True): one method per draw function
for _name in DRAW_FUNCTIONS:
    setattr(GeneratorDraws, _name, _generator_method(globals()[_name]))
