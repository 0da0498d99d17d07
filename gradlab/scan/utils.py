"""``until``: the stop condition of a scan that ends early (a while loop).

    >>> import numpy as np, gradlab, gradlab.tensor as gt
    >>> from gradlab.scan.utils import until
    >>> limit = gt.dscalar("limit")
    >>> powers = gradlab.scan(lambda prev, limit: (prev * 2, until(prev * 2 > limit)),
    ...                       outputs_info=np.float64(1.0), non_sequences=limit, n_steps=1024,
    ...                       return_updates=False)
    >>> gradlab.function([limit], powers)(45.0)
    array([ 2.,  4.,  8., 16., 32., 64.])

``fn`` returns ``(outputs, until(cond))`` or ``(outputs, updates,
until(cond))``.  The condition is computed from the step's inputs, like an
output, and checked after the step: the step that makes it true is the last
one, and is kept.  ``n_steps`` (or the sequences' length) bounds the loop.
"""
from __future__ import annotations

from typing import Any

from gradlab.tensor.math import neq
from gradlab.tensor.variable import as_tensor_variable

__all__ = ["until"]


class until:  # noqa: N801 - PyTensor's name
    """Stop a scan after the step at which ``condition`` (a 0-d boolean or
    number, nonzero = stop) is true.  Return it last from the step function."""

    def __init__(self, condition: Any):
        cond = as_tensor_variable(condition)
        if cond.ndim != 0:
            raise TypeError(f"until: the condition must be a scalar (0-d), got {cond} ({cond.type}); reduce it, "
                            "e.g. until(gt.all(x > 0)) or until(gt.any(...))")
        self.condition = cond if cond.dtype == "bool" else neq(cond, 0)

    def __repr__(self) -> str:
        return f"until({self.condition})"

