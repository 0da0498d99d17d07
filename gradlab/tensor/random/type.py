"""The type of a random generator: a variable whose value is a
``numpy.random.Generator``.

A draw reads a generator and returns the generator after the draw, so
"advancing the generator" is a value in the graph, like any other: a
function that should move on between calls updates the generator's shared
variable with it (``updates={rng: next_rng}``, or its ``default_update``).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from gradlab.graph.basic import Type, Variable

__all__ = ["RandomGeneratorType", "RandomGeneratorVariable", "GeneratorDraws", "random_generator_type"]


class GeneratorDraws:
    """The draw methods of a generator variable (PyTensor 3.0's spelling):
    ``next_rng, x = rng.normal(0.0, 1.0, size=(3,))`` is
    ``gt.random.normal(0.0, 1.0, size=(3,), rng=rng, return_next_rng=True)``
    — the draw and the generator after it; draw the next numbers from
    ``next_rng``.  One method per function of
    :data:`gradlab.tensor.random.basic.DRAW_FUNCTIONS`, attached by that
    module (which sits above this one).
    """


class RandomGeneratorVariable(GeneratorDraws, Variable):
    """A symbolic ``numpy.random.Generator`` (it has no shape and no dtype)."""

    ndim = None  # not a tensor: the compiled function treats its value as an opaque object
    dtype = None


class RandomGeneratorType(Type):
    """Values: ``numpy.random.Generator`` objects."""

    variable_class = RandomGeneratorVariable

    def filter(self, data: Any, strict: bool = False, allow_downcast: Optional[bool] = None) -> Any:
        if isinstance(data, np.random.Generator):
            return data
        if not strict and isinstance(data, (int, np.integer, np.random.SeedSequence)):
            return np.random.default_rng(data)
        raise TypeError(f"a random generator variable needs a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(data).__name__}")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return "RandomGenerator"

    __repr__ = __str__


#: the one generator type (``random_generator_type("rng")`` makes a symbolic input)
random_generator_type = RandomGeneratorType()
