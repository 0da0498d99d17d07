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

from typing import Any

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.tensor.random.op import DISTRIBUTIONS, RandomVariable
from gradlab.tensor.random.type import random_generator_type
from gradlab.tensor.random.shared import shared_generator

__all__ = ["normal", "uniform", "bernoulli", "binomial", "integers", "choice", "permutation", "draw"]


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
         replace: bool = True) -> Variable:
    """The draw of ``dist_name`` (a key of ``DISTRIBUTIONS``) from ``rng``.
    When ``rng`` was made here, its ``default_update`` is the generator after
    the draw."""
    from gradlab.tensor.variable import as_tensor_variable
    values = [as_tensor_variable(p) for p in params]
    gen = _generator(rng)
    op = RandomVariable(dist_name, _dtype(dist_name, dtype, values[0]), replace)
    node = op.make_node(gen, _size_vector(size), *values)
    if gen.tag.pop("fresh", False):
        gen.default_update = node.outputs[0]
    return node.outputs[1]


def normal(loc: Any = 0.0, scale: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None) -> Variable:
    """Normal draws with mean ``loc`` and standard deviation ``scale``.
    Example: ``mu + sigma * normal(0.0, 1.0, size=(n,), rng=rng)`` (differentiable in mu, sigma)."""
    return draw("normal", loc, scale, size=size, rng=rng, dtype=dtype)


def uniform(low: Any = 0.0, high: Any = 1.0, size: Any = None, rng: Any = None, dtype: Any = None) -> Variable:
    """Uniform draws on ``[low, high)``.  Example: ``uniform(0, 1, size=(2, 2), rng=rng)``."""
    return draw("uniform", low, high, size=size, rng=rng, dtype=dtype)


def bernoulli(p: Any, size: Any = None, rng: Any = None, dtype: Any = None) -> Variable:
    """0/1 draws, 1 with probability ``p`` (int64).  Example, a dropout mask:
    ``bernoulli(0.8, size=h.shape, rng=rng) * h / 0.8``."""
    return draw("bernoulli", p, size=size, rng=rng, dtype=dtype)


def binomial(n: Any, p: Any, size: Any = None, rng: Any = None, dtype: Any = None) -> Variable:
    """The number of successes in ``n`` trials of probability ``p`` (int64).
    Example: ``binomial(10, 0.5, size=(3,), rng=rng)``."""
    return draw("binomial", n, p, size=size, rng=rng, dtype=dtype)


def integers(low: Any, high: Any = None, size: Any = None, rng: Any = None, dtype: Any = None) -> Variable:
    """Integers in ``[low, high)`` (``[0, low)`` when ``high`` is None), int64.
    Example, a minibatch of row indices: ``integers(0, n_rows, size=(32,), rng=rng)``."""
    if high is None:
        low, high = 0, low
    return draw("integers", low, high, size=size, rng=rng, dtype=dtype)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, rng: Any = None) -> Variable:
    """Entries of ``a`` (or of ``arange(a)`` for an integer), with
    probabilities ``p`` (uniform when None).  Example: ``choice(10, size=(4,), replace=False, rng=rng)``."""
    from gradlab.tensor.variable import as_tensor_variable
    a_var = as_tensor_variable(a)
    dtype = "int64" if a_var.ndim == 0 else a_var.dtype
    probabilities = np.zeros(0) if p is None else p  # an empty p: uniform (numpy's p=None)
    return draw("choice", a_var, probabilities, size=size, rng=rng, dtype=dtype, replace=replace)


def permutation(x: Any, rng: Any = None) -> Variable:
    """A random permutation of ``x``'s entries (of ``arange(x)`` for an
    integer).  Example, a shuffled epoch: ``permutation(n_rows, rng=rng)``."""
    from gradlab.tensor.variable import as_tensor_variable
    x_var = as_tensor_variable(x)
    dtype = "int64" if x_var.ndim == 0 else x_var.dtype
    return draw("permutation", x_var, rng=rng, dtype=dtype)
