"""``RandomStream``: a source of random draws, reproducible from one seed.

Each draw gets its own shared generator, seeded from the stream's seed, and
that generator's ``default_update`` is the generator after the draw: a
compiled function advances it on every call (unless compiled with
``no_default_updates=True``), so calls give new numbers, and the same seed
gives the same numbers in every session.

    >>> import gradlab
    >>> import gradlab.tensor as gt
    >>> srng = gt.random.RandomStream(seed=234)
    >>> u = srng.uniform(0, 1, size=(2,))
    >>> f = gradlab.function([], u)
    >>> bool((f() != f()).all())                         # the generator moved on
    True
    >>> again = gt.random.RandomStream(seed=234)
    >>> g = gradlab.function([], again.uniform(0, 1, size=(2,)))
    >>> srng.seed(234); bool((f() == g()).all())         # reseeded: the same numbers
    True
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.tensor.random import basic
from gradlab.tensor.random.shared import shared_generator

__all__ = ["RandomStream"]


class RandomStream:
    """Make random draws (``normal``, ``uniform``, ``bernoulli``, ``binomial``,
    ``integers``, ``choice``, ``permutation``) whose generators advance each
    time a compiled function runs them; ``seed`` makes them reproducible.

    Example (the reparameterisation trick): ``z = mu + sigma *
    srng.normal(0.0, 1.0, size=mu.shape)``; ``gt.grad(cost(z), [mu, sigma])``
    is defined, with the draw held fixed.
    """

    def __init__(self, seed: Optional[int] = None):
        self.state_updates: List[tuple] = []  # (shared generator, generator after its draw)
        self.default_instance_seed = seed
        self._seeds = np.random.SeedSequence(seed)

    def seed(self, seed: Optional[int] = None) -> None:
        """Reseed every generator made so far (in order), as a new stream with
        ``seed`` would (``None``: the stream's own seed)."""
        seed = self.default_instance_seed if seed is None else seed
        self._seeds = np.random.SeedSequence(seed)
        for rng, _ in self.state_updates:
            rng.set_value(np.random.default_rng(self._seeds.spawn(1)[0]), borrow=True)

    def _new_generator(self) -> Variable:
        return shared_generator(np.random.default_rng(self._seeds.spawn(1)[0]), name="rng", borrow=True)

    def gen(self, fn: Callable, *args: Any, **kwargs: Any) -> Variable:
        """The draw ``fn(*args, rng=<a new generator of this stream>, **kwargs)``
        (``fn`` one of :mod:`gradlab.tensor.random.basic`'s functions)."""
        rng = self._new_generator()
        out = fn(*args, rng=rng, **kwargs)
        next_rng = out.owner.outputs[0]
        rng.default_update = next_rng
        self.state_updates.append((rng, next_rng))
        return out

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None, dtype: Any = None) -> Variable:
        """Normal draws (mean ``loc``, standard deviation ``scale``)."""
        return self.gen(basic.normal, loc, scale, size=size, dtype=dtype)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None, dtype: Any = None) -> Variable:
        """Uniform draws on ``[low, high)``."""
        return self.gen(basic.uniform, low, high, size=size, dtype=dtype)

    def bernoulli(self, p: Any, size: Any = None, dtype: Any = None) -> Variable:
        """0/1 draws, 1 with probability ``p`` (a dropout mask: ``bernoulli(keep, size=h.shape)``)."""
        return self.gen(basic.bernoulli, p, size=size, dtype=dtype)

    def binomial(self, n: Any, p: Any, size: Any = None, dtype: Any = None) -> Variable:
        """Successes in ``n`` trials of probability ``p``."""
        return self.gen(basic.binomial, n, p, size=size, dtype=dtype)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = None) -> Variable:
        """Integers in ``[low, high)`` (minibatch indices: ``integers(0, n_rows, size=(32,))``)."""
        return self.gen(basic.integers, low, high, size=size, dtype=dtype)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> Variable:
        """Entries of ``a`` (of ``arange(a)`` for an integer), probabilities ``p``."""
        return self.gen(basic.choice, a, size=size, replace=replace, p=p)

    def permutation(self, x: Any) -> Variable:
        """A random permutation of ``x`` (of ``arange(x)`` for an integer)."""
        return self.gen(basic.permutation, x)
