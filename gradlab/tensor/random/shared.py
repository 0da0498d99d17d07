"""Shared random generators: ``gradlab.shared(np.random.default_rng(seed))``.

The value is a ``numpy.random.Generator``; a draw from it in a compiled
function returns the generator after the draw, and the function writes that
back (the variable's ``default_update``, set by
:class:`gradlab.tensor.random.RandomStream`, or an explicit update), so
every call draws new numbers, reproducibly from the seed.
"""
from __future__ import annotations

import copy
from typing import Any, Optional

import numpy as np

from gradlab.tensor.shared import SharedVariable
from gradlab.graph.basic import Variable
from gradlab.tensor.random.type import GeneratorDraws, random_generator_type

__all__ = ["RandomGeneratorSharedVariable", "shared_generator"]


class RandomGeneratorSharedVariable(GeneratorDraws, SharedVariable):
    """A shared variable holding a ``numpy.random.Generator``; it has the
    draw methods (``next_rng, x = rng.uniform(0, 1, size=(3,))``).

        >>> import numpy as np, gradlab
        >>> rng = gradlab.shared(np.random.default_rng(7), name="rng")
        >>> bool(rng.get_value().integers(10) == np.random.default_rng(7).integers(10))
        True
    """

    ndim = None  # not a tensor: no shape, no dtype
    dtype = None

    def __init__(self, value: np.random.Generator, name: Optional[str] = None):
        Variable.__init__(self, random_generator_type, None, None, name)
        self.storage = [random_generator_type.filter(value)]

    def get_value(self, borrow: bool = False) -> np.random.Generator:
        """The generator (a copy unless ``borrow``: drawing from the copy leaves this one as it is)."""
        value = self.storage[0]
        return value if borrow else copy.deepcopy(value)

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Replace the generator (``np.random.default_rng(seed)``; a copy unless ``borrow``)."""
        new = random_generator_type.filter(value)
        self.storage[0] = new if borrow else copy.deepcopy(new)

    def __repr__(self) -> str:
        return self.name or "rng"

    __str__ = __repr__


def shared_generator(value: Any, name: Optional[str] = None, borrow: bool = False) -> RandomGeneratorSharedVariable:
    """A shared variable holding the generator ``value`` (copied unless ``borrow``)."""
    value = random_generator_type.filter(value)
    return RandomGeneratorSharedVariable(value if borrow else copy.deepcopy(value), name=name)
