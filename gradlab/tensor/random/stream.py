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

import functools

import numpy as np

from gradlab.graph.basic import Variable
from gradlab.tensor.random import basic
from gradlab.tensor.random.shared import shared_generator

__all__ = ["RandomStream"]


class RandomStream:
    """Make random draws (``normal``, ``uniform``, ``bernoulli``, ``binomial``,
    ``integers``, ``multinomial`` …: one method per function of
    :data:`~gradlab.tensor.random.basic.DRAW_FUNCTIONS`) whose generators
    advance each time a compiled function runs them; ``seed`` makes them
    reproducible.

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

    def gen(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        """The draw ``fn(*args, rng=<a new generator of this stream>, **kwargs)``
        (``fn`` one of :mod:`gradlab.tensor.random.basic`'s functions; with
        ``return_next_rng=True``, the pair ``(next_rng, draw)``)."""
        rng = self._new_generator()
        out = fn(*args, rng=rng, **kwargs)
        next_rng = (out[1] if isinstance(out, tuple) else out).owner.outputs[0]
        rng.default_update = next_rng
        self.state_updates.append((rng, next_rng))
        return out


def _stream_method(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def method(self: RandomStream, *args: Any, **kwargs: Any) -> Any:
        return self.gen(fn, *args, **kwargs)
    method.__signature__ = basic.without_parameters(fn, ("rng",), "self")
    method.__doc__ = f"``{fn.__name__}(..., rng=<a new generator of this stream>)``.\n\n{fn.__doc__}"
    return method


# srng.normal(0, 1) is normal(0, 1, rng=<a new generator of srng>): one method per draw function
for _name in basic.DRAW_FUNCTIONS:
    setattr(RandomStream, _name, _stream_method(getattr(basic, _name)))
